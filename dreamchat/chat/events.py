"""Socket.IO handlers of the chat: identity from the session, validated input, one action, an ack."""
from __future__ import annotations

import functools
import logging

from flask import current_app, g, request, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, emit, join_room

from dreamchat import quotas, tasks
from dreamchat.actions import events, messages, photos, proactive, reactions, reads
from dreamchat.chat.validation import (InputError, check_payload_shape, is_id, new_request_id, optional_client_id,
                                       optional_id, optional_text, require_bool, require_choice_or_null,
                                       require_companion, require_id, require_id_list, require_text)
from dreamchat.auth.sessions import load_user, socket_user
from dreamchat.extensions import db, socketio
from dreamchat.models import user_room
from dreamchat.socket_users import forget_socket_user, remember_socket_user

log = logging.getLogger(__name__)


def error_ack(code: str, message: str) -> dict:
    return {"ok": False, "error": {"code": code, "message": message}}


def require_own_message(payload: dict, companion):
    message_id = require_id(payload, "message_id")
    message = messages.own_message(current_user.id, companion, message_id)
    if message is None:
        raise InputError("not_found", "No such message of yours.")
    return message


def before_generation(user_id: int) -> None:
    """An event that makes the model write (send, an edit that is answered again, regenerate, retry)
    first passes the message rate limit and the daily limit; raises LimitReached."""
    quotas.check(user_id, "message")


def generation_started(user_id: int) -> None:
    """Count one more generation toward the daily limit, once the action that asks for it committed."""
    quotas.count_generation(user_id)


def check_change_rate(user_id: int) -> None:
    """Changes that make no generation (an edit of an older message) still share the message rate."""
    config = current_app.config
    limit = config["RATE_LIMIT_MESSAGES"]
    if limit and not quotas.attempt_allowed(user_id, "message_change", limit, config["RATE_LIMIT_WINDOW_SECONDS"]):
        raise quotas.LimitReached("Slow down a little and try again in a moment.")


def sync_allowed(user_id: int) -> bool:
    """`sync` answers can be large: RATE_LIMIT_SYNCS per minute per user (0: no limit), counting the
    replays sent at connect too."""
    limit = current_app.config["RATE_LIMIT_SYNCS"]
    return not limit or quotas.attempt_allowed(user_id, "sync", limit, 60)


def check_sync_rate(user_id: int) -> None:
    if not sync_allowed(user_id):
        raise quotas.LimitReached("Too many catch-up requests: try again in a moment.")


def chat_event(name: str):
    """Register a handler that gets a validated dict payload and returns the ack.

    Unauthenticated calls, bad payloads and unexpected errors all become error acks,
    so the connection always stays up. A refused input is logged at INFO at most.
    """

    def register(handler):
        @functools.wraps(handler)
        def wrapper(payload=None, *_ignored):
            tasks.event_started()
            try:
                if not use_socket_user():
                    log.warning("socket event %s refused: not signed in", name)
                    return error_ack("unauthorized", "Please sign in again.")
                return handler(check_payload_shape(payload))
            except (InputError, quotas.LimitReached) as error:
                log.debug("socket event %s refused: %s", name, error.code)
                db.session.rollback()
                return error_ack(error.code, error.message)
            except Exception:
                log.exception("socket event %s failed", name)
                db.session.rollback()
                return error_ack("internal", "Something went wrong on our side.")
            finally:
                tasks.event_finished()

        socketio.on_event(name, wrapper)
        return wrapper

    return register


def use_socket_user() -> bool:
    """current_user for this event is the socket's identity, taken at connect (no query per
    event); False when the socket has none or its login has ended."""
    identity = socket_user(request.sid)
    if identity is None:
        return False
    g._login_user = identity  # what flask_login.current_user returns for the rest of the event
    return True


@socketio.on_error_default
def on_unexpected_error(error: Exception) -> dict:
    """Any error that escaped a handler (the connect handler included): logged, answered with an ack."""
    log.exception("socket handler failed", exc_info=error)
    db.session.rollback()
    return error_ack("internal", "Something went wrong on our side.")


@socketio.on("connect")
def on_connect(auth=None):
    """A tab connects: only with a signed-in session; joins the user's room, gets `connected`.

    `auth.tz`: the browser's IANA time zone, kept on the user when known and changed (the night of
    the companion's messages written first); an unknown one is ignored.

    With `auth: {last_seq: N}` it then gets `sync` with every event after N, in order. The room is
    joined before the events are read, so nothing falls between the replay and live events;
    what arrives twice the client drops by seq.
    """
    if not current_user.is_authenticated:
        log.warning("socket connection refused: not signed in (from %s)", request.remote_addr)
        raise ConnectionRefusedError("unauthorized")
    tasks.resume_unfinished()
    join_room(user_room(current_user.id))
    login_token = session.get("login_token")
    if login_token:
        join_room(events.login_room(login_token))
    if not still_signed_in():
        log.warning("socket connection closed: the login ended while it connected")
        raise ConnectionRefusedError("unauthorized")
    remember_socket_user(request.sid, current_user.id, current_user.login_id)
    if isinstance(auth, dict) and "tz" in auth:
        proactive.remember_time_zone(current_user, auth["tz"])
    emit("connected", {"socketId": request.sid})
    last_seq = auth.get("last_seq") if isinstance(auth, dict) else None
    if is_id(last_seq, allow_zero=True):
        if sync_allowed(current_user.id):
            send_replay(last_seq)
        else:  # reconnecting in a loop: no replay, the page reloads the conversation over HTTP
            emit("sync", {"events": [], "last_seq": current_user.last_event_seq, "reset": True})


@socketio.on("disconnect")
def on_disconnect(*_reason):
    """A tab went away: its identity is forgotten (rooms are left by Socket.IO itself)."""
    forget_socket_user(request.sid)


def still_signed_in() -> bool:
    """Checked again once the rooms are joined, so a login revoked meanwhile (its sockets were
    listed before this one joined) does not keep this socket."""
    db.session.expire_all()
    return load_user(current_user.login_id) is not None


def send_replay(last_seq: int) -> None:
    """`sync` with the missed events, then each reply being streamed right now as one
    `message_delta` from offset 0, so a tab that arrives mid-stream shows the text so far."""
    replay = events.replay_since(current_user.id, last_seq)
    emit("sync", {"events": replay.events, "last_seq": replay.last_seq, "reset": replay.reset})
    for stream in tasks.active_streams(current_user.id):
        emit("message_delta", {"girl_id": stream.girl_id, "message_id": stream.message_id, "offset": 0,
                               "delta": stream.text})


@chat_event("sync")
def on_sync(payload: dict) -> dict:
    """{last_seq} -> {ok}; emits `sync` with the events after last_seq (used when a client sees a gap).
    Throttled per user (RATE_LIMIT_SYNCS per minute)."""
    last_seq = require_id(payload, "last_seq", allow_zero=True)
    check_sync_rate(current_user.id)
    send_replay(last_seq)
    return {"ok": True}


@chat_event("send_message")
def on_send_message(payload: dict) -> dict:
    """{girl_id, content, client_id?, reply_to_id?} -> {ok, message}; emits message_received to the
    user's other tabs and starts the companion's reply. A repeated client_id returns the first stored
    message. reply_to_id: a message of this conversation that this one replies to; one of another
    conversation is refused (not_found, nothing stored); one deleted meanwhile leaves a "Deleted
    message" quote, so a message that waited in an outbox is never lost."""
    companion = require_companion(payload)
    content = require_text(payload, "content", current_app.config["MAX_MESSAGE_LENGTH"])
    client_id = optional_client_id(payload)
    reply_to_id = optional_id(payload, "reply_to_id")
    try:
        before_generation(current_user.id)
    except quotas.LimitReached:  # a message sent again (a reconnect) is answered even past a limit
        existing = messages.find_by_client_id(current_user.id, client_id) if client_id else None
        if existing is None:
            raise
        return {"ok": True, "message": existing.to_dict(), "seq": None, "duplicate": True}
    try:
        stored = messages.send_user_message(current_user.id, companion, content, client_id, sender_sid=request.sid,
                                            reply_to_id=reply_to_id)
    except messages.QuoteRefused:
        raise InputError("not_found", "The message you are replying to is not in this conversation.") from None
    if stored.created:
        generation_started(current_user.id)
    return {"ok": True, "message": stored.message, "seq": stored.seq, "duplicate": not stored.created}


@chat_event("react_message")
def on_react_message(payload: dict) -> dict:
    """{girl_id, message_id, emoji|null} -> {ok, message_id, emoji, seq}: the user's one reaction on
    a message of the conversation (theirs or hers), one of the picker's emoji; null takes it away.
    Emits message_reaction to every tab (seq null: it was already so, nothing emitted). It asks for
    no reply; the companion sees it when she next answers. Shares the message rate limit."""
    companion = require_companion(payload)
    message_id = require_id(payload, "message_id")
    emoji = require_choice_or_null(payload, "emoji", reactions.REACTIONS)
    check_change_rate(current_user.id)
    result = reactions.react(current_user.id, companion, message_id, emoji)
    if result is None:
        raise InputError("not_found", "No such message in this conversation.")
    return {"ok": True, "message_id": result.message_id, "emoji": result.emoji, "seq": result.seq}


@chat_event("set_proactive")
def on_set_proactive(payload: dict) -> dict:
    """{girl_id, enabled} -> {ok, enabled, seq}: whether the companion may write first in this
    conversation after a quiet period (off by default). Emits proactive_changed to every tab (seq
    null: it already was so, nothing emitted). Shares the message rate limit (check_change_rate)."""
    companion = require_companion(payload)
    enabled = require_bool(payload, "enabled")
    check_change_rate(current_user.id)
    seq = proactive.set_proactive(current_user.id, companion, enabled)
    return {"ok": True, "enabled": enabled, "seq": seq}


@chat_event("typing_indicator")
def on_typing_indicator(payload: dict) -> dict:
    """{girl_id, is_typing} -> {ok}; the companion waits for the user to finish before answering.
    {group_id, is_typing} (a group chat of the user's): the group's companions wait the same way."""
    if isinstance(payload, dict) and "group_id" in payload and "girl_id" not in payload:
        group_id, _ = require_own_group(payload)
        is_typing = require_bool(payload, "is_typing")
        tasks.note_group_typing(current_user.id, group_id, is_typing)
        return {"ok": True}
    companion = require_companion(payload)
    is_typing = require_bool(payload, "is_typing")
    tasks.note_user_typing(current_user.id, companion.id, is_typing)
    return {"ok": True}


@chat_event("mark_read")
def on_mark_read(payload: dict) -> dict:
    """{girl_id, message_ids} -> {ok, message_ids}: the companion's messages the user has seen;
    emits message_read for each newly read one to all the user's tabs."""
    companion = require_companion(payload)
    message_ids = require_id_list(payload, "message_ids")
    marked = reads.mark_read_by_user(current_user.id, companion, message_ids)
    return {"ok": True, "message_ids": marked}


@chat_event("request_photo")
def on_request_photo(payload: dict) -> dict:
    """{girl_id, context?, client_id?} -> {ok, request_id} at once; photo_pending now and
    photo_generated (or chat_error) when the picture is ready."""
    companion = require_companion(payload)
    context = optional_text(payload, "context", current_app.config["MAX_PHOTO_CONTEXT_LENGTH"], "selfie")
    request_id = optional_client_id(payload)
    existing = photos.find_photo(current_user.id, request_id) if request_id else None
    if existing is not None:
        return {"ok": True, "request_id": existing.request_id, "status": existing.status}
    if messages.awaits_crisis_reply(current_user.id, companion.id):
        raise InputError("not_now", "No photos right now: let's talk first.")
    quotas.check(current_user.id, "photo")
    photo = photos.request_photo(current_user.id, companion, context, request_id or new_request_id())
    return {"ok": True, "request_id": photo.request_id}


@chat_event("retry_reply")
def on_retry_reply(payload: dict) -> dict:
    """{girl_id} -> {ok}: ask again for an answer to the user's unanswered messages
    (after a chat_error with retry "reply")."""
    companion = require_companion(payload)
    if not messages.unanswered_count(current_user.id, companion.id):
        raise InputError("not_found", "There is nothing waiting for an answer.")
    before_generation(current_user.id)
    if not messages.retry_reply(current_user.id, companion):
        raise InputError("not_found", "There is nothing waiting for an answer.")
    generation_started(current_user.id)
    return {"ok": True}


@chat_event("regenerate_reply")
def on_regenerate_reply(payload: dict) -> dict:
    """{girl_id} -> {ok, deleted_id}: replace the companion's last reply; emits message_deleted,
    then the new reply as usual."""
    companion = require_companion(payload)
    if not messages.is_text_reply(messages.latest_message(current_user.id, companion.id)):
        raise InputError("not_found", "The last message is not a reply that can be regenerated.")
    before_generation(current_user.id)
    deleted_id = messages.regenerate_last_reply(current_user.id, companion)
    if deleted_id is None:
        raise InputError("not_found", "The last message is not a reply that can be regenerated.")
    generation_started(current_user.id)
    return {"ok": True, "deleted_id": deleted_id}


@chat_event("edit_message")
def on_edit_message(payload: dict) -> dict:
    """{girl_id, message_id, content} -> {ok, message}: change the user's own message; emits
    message_updated, and replaces the companion's answer to it when that answer is the newest message.
    An edit that is answered again counts as a generation (rate and daily limits); any other edit
    shares the message rate limit."""
    companion = require_companion(payload)
    message = require_own_message(payload, companion)
    content = require_text(payload, "content", current_app.config["MAX_MESSAGE_LENGTH"])
    if message.type != "text":
        raise InputError("invalid", "A voice note cannot be edited.")
    answers_again = messages.edit_gets_new_answer(current_user.id, message)
    if answers_again:
        before_generation(current_user.id)
    else:
        check_change_rate(current_user.id)
    edited = messages.edit_message(current_user.id, message, content)
    if answers_again:
        generation_started(current_user.id)
    return {"ok": True, "message": edited}


@chat_event("delete_message")
def on_delete_message(payload: dict) -> dict:
    """{girl_id, message_id} -> {ok}: delete the user's own message; emits message_deleted."""
    companion = require_companion(payload)
    message = require_own_message(payload, companion)
    messages.delete_message(current_user.id, message)
    return {"ok": True}


def require_own_group(payload: dict):
    """The user's group named by group_id, with its members' slugs by companion id; not_found otherwise."""
    from dreamchat.actions import groups
    from dreamchat.companions import directory

    group_id = require_id(payload, "group_id")
    member_ids = groups.own_group_member_ids(current_user.id, group_id)
    if not member_ids:
        raise InputError("not_found", "No such group chat.")
    slugs = {cid: ref.slug for cid in member_ids if (ref := directory.by_id(cid)) is not None}
    return group_id, slugs


@chat_event("send_group_message")
def on_send_group_message(payload: dict) -> dict:
    """{group_id, content, client_id?} -> {ok, message, seq, duplicate}: the user's message in one of
    their group chats; emits group_message_received to their other tabs and starts the group's turn
    (one or two companions answer, each with her own group_message_received and typing). A repeated
    client_id returns the first stored message (exactly once)."""
    from dreamchat.actions import groups

    group_id, slugs = require_own_group(payload)
    content = require_text(payload, "content", current_app.config["MAX_MESSAGE_LENGTH"])
    client_id = optional_client_id(payload)
    try:
        before_generation(current_user.id)
    except quotas.LimitReached:  # a message sent again (a reconnect) is answered even past a limit
        existing = groups.find_by_client_id(current_user.id, client_id, slugs) if client_id else None
        if existing is None:
            raise
        return {"ok": True, "message": existing, "seq": None, "duplicate": True}
    stored = groups.send_group_message(current_user.id, group_id, content, client_id, slugs, sender_sid=request.sid)
    if stored.created:
        generation_started(current_user.id)
        tasks.group_reply_later(current_user.id, group_id)
    return {"ok": True, "message": stored.message, "seq": stored.seq, "duplicate": not stored.created}


@chat_event("mark_group_read")
def on_mark_group_read(payload: dict) -> dict:
    """{group_id, message_ids} -> {ok, message_ids}: the companions' group messages the user has seen;
    emits group_message_read to every tab for the newly read ones."""
    from dreamchat.actions import groups

    group_id, _ = require_own_group(payload)
    message_ids = require_id_list(payload, "message_ids")
    return {"ok": True, "message_ids": groups.mark_group_read(current_user.id, group_id, message_ids)}
