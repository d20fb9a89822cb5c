"""Pages and HTTP reads of the chat: the companion list, a conversation, its history and photos."""
from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from flask import abort, current_app, jsonify, make_response, render_template, request
from flask_login import current_user, login_required

from dreamchat import tasks
from dreamchat.actions import groups, proactive
from dreamchat.actions.messages import unanswered_count
from dreamchat.chat import bp
from dreamchat.chat.validation import id_arg, id_or_404, is_clean_text, parse_id
from dreamchat.extensions import db
from dreamchat.models import Companion, Message, Photo, Sender, isoformat

MAX_PAGE = 100


def companion_or_404(slug: str) -> Companion:
    companion = Companion.by_slug(slug) if is_clean_text(slug) else None
    if companion is None:
        abort(404, description="No such companion.")
    return companion


def in_conversation(user_id: int, companion_id: int | sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """Where-clause: the messages of one conversation, for reading along ix_messages_conversation with
    NEWEST_FIRST or OLDEST_FIRST. companion_id is bounded on both sides instead of compared with `=`:
    given `=` and ORDER BY id, PostgreSQL may pick the primary key (a generic plan of a prepared
    statement does, and so does a correlated subquery) and walk it back through every message of every
    conversation, 100,000 rows for a conversation that has none; with the bounds only the
    conversation's own index orders the rows. SQLite reads the same index either way."""
    return sa.and_(Message.user_id == user_id, Message.companion_id.between(companion_id, companion_id))


NEWEST_FIRST = (Message.companion_id.desc(), Message.id.desc())
OLDEST_FIRST = (Message.companion_id, Message.id)


def conversation_page(user_id: int, companion_id: int, *, before: int | None = None,
                      after: int | None = None, limit: int = 50) -> list[Message]:
    """Messages of one conversation in ascending id order: the newest page, or one side of an id."""
    query = sa.select(Message).where(in_conversation(user_id, companion_id), Message.status == "done")
    if after is not None:
        return list(db.session.scalars(query.where(Message.id > after).order_by(*OLDEST_FIRST).limit(limit)))
    if before is not None:
        query = query.where(Message.id < before)
    newest_first = list(db.session.scalars(query.order_by(*NEWEST_FIRST).limit(limit)))
    return newest_first[::-1]


class Around(NamedTuple):
    messages: list[Message]
    has_older: bool
    has_newer: bool


def conversation_around(user_id: int, companion_id: int, message_id: int | None, limit: int) -> Around | None:
    """The page of one conversation centred on one of its finished messages (search results jump
    there): limit // 2 older messages, then it and the newer ones. None when the message is not
    one of this conversation's (or not the user's)."""
    if message_id is None or db.session.scalar(sa.select(Message.id).where(
            in_conversation(user_id, companion_id), Message.id == message_id, Message.status == "done")) is None:
        return None
    older_count = limit // 2
    newer_count = limit - older_count  # the message itself and the newer ones
    older = conversation_page(user_id, companion_id, before=message_id, limit=older_count + 1)
    newer = conversation_page(user_id, companion_id, after=message_id - 1, limit=newer_count + 1)
    shown_older = older[-older_count:] if older_count else []
    return Around(shown_older + newer[:newer_count], len(older) > older_count, len(newer) > newer_count)


# The companion list's badge shows up to 99, then "99+": counting stops there.
UNREAD_SHOWN = 100


def companion_list(user_id: int) -> list[sa.Row]:
    """Each companion (in list order) with the id of the user's last message to or from her and the
    ids of her messages the user has not read, the newest UNREAD_SHOWN ("12,9,4", or None). One
    statement whose work does not grow with the history: per companion, one step back along
    ix_messages_conversation and at most UNREAD_SHOWN entries of the partial index ix_messages_unread,
    newest first (there are few companions). The pages count by these ids (static/js/chat/unread.js)."""
    last_id = (sa.select(Message.id).where(in_conversation(user_id, Companion.id), Message.status == "done")
               .order_by(*NEWEST_FIRST).limit(1).correlate(Companion).scalar_subquery())
    unread_rows = (sa.select(Message.id).where(Message.user_id == user_id, Message.companion_id == Companion.id,
                                               Message.sender == Sender.COMPANION, Message.read_at.is_(None),
                                               Message.status == "done")
                   .order_by(Message.id.desc()).limit(UNREAD_SHOWN).correlate(Companion).subquery())
    unread_ids = sa.select(sa.func.aggregate_strings(sa.cast(unread_rows.c.id, sa.String), ",")).scalar_subquery()
    return list(db.session.execute(sa.select(Companion, last_id.label("last_id"), unread_ids.label("unread_ids"))
                                   .order_by(Companion.position, Companion.id)))


def conversation_summaries(user_id: int) -> tuple[list[Companion], dict[int, sa.Row], dict[int, list[int]]]:
    """The companion list and the sidebar: the companions, the last message of each conversation by
    companion id, the ids of her unread messages by companion id (newest first, up to UNREAD_SHOWN).
    companion_list() and one read of the last messages."""
    rows = companion_list(user_id)
    last_ids = [row.last_id for row in rows if row.last_id is not None]
    last_messages = {}
    if last_ids:
        last_messages = {row.companion_id: row for row in db.session.execute(
            sa.select(Message.id, Message.companion_id, Message.sender, Message.type, Message.content,
                      Message.created_at)
            .where(Message.id.in_(last_ids)))}
    unread = {row.Companion.id: sorted(map(int, row.unread_ids.split(",")), reverse=True) if row.unread_ids else []
              for row in rows}
    return [row.Companion for row in rows], last_messages, unread


@bp.get("/")
@login_required
def index():
    last_seq = current_user.last_event_seq  # before the lists: what commits between is replayed, not lost
    companions, last_messages, unread = conversation_summaries(current_user.id)
    return render_template("chat/index.html", companions=companions, last_messages=last_messages, unread=unread,
                           last_seq=last_seq, group_chats=groups.summaries(current_user.id))


PREVIEW_LENGTH = 140


@bp.get("/api/conversations")
@login_required
def conversations():
    """The lists' data: each companion with the last message's preview and her unread ids and count;
    each group chat (groups) likewise."""
    companions, last_messages, unread = conversation_summaries(current_user.id)
    summaries = []
    for companion in companions:
        last = last_messages.get(companion.id)
        summaries.append({
            "girl_id": companion.slug, "name": companion.name, "unread": len(unread.get(companion.id, [])),
            "unread_ids": unread.get(companion.id, []),
            "last_message": None if last is None else {
                "id": last.id, "sender": last.sender, "type": last.type,
                "content": "" if last.type == "photo" else (last.content or "")[:PREVIEW_LENGTH],
                "created_at": isoformat(last.created_at)}})
    # The group chats the same way (their last message with its author: "Emma: ..."), for the lists' groups.
    group_summaries = [{"group_id": g["id"], "name": g["name"], "unread": g["unread"], "unread_ids": g["unread_ids"],
                        "last_message": g["last"]} for g in groups.summaries(current_user.id)]
    return jsonify(conversations=summaries, groups=group_summaries)


@bp.get("/chat/<girl_id>")
@login_required
def conversation(girl_id: str):
    companion = companion_or_404(girl_id)
    last_seq = current_user.last_event_seq  # before the messages and the lists, as on the companion list
    page_size = current_app.config["HISTORY_PAGE_SIZE"]
    # ?message=<id> (a search result): the history around that message, else the newest page.
    focus = conversation_around(current_user.id, companion.id, parse_id(request.args.get("message")), page_size)
    if focus is not None:
        messages, has_more = focus.messages, focus.has_older
    else:
        messages = conversation_page(current_user.id, companion.id, limit=page_size + 1)
        has_more = len(messages) > page_size
        messages = messages[-page_size:]
    reply_failed = (unanswered_count(current_user.id, companion.id) > 0
                    and not tasks.reply_running(current_user.id, companion.id))
    sidebar_companions, last_messages, unread = conversation_summaries(current_user.id)
    return render_template("chat/conversation.html", companion=companion, messages=messages,
                           has_more=has_more, max_length=current_app.config["MAX_MESSAGE_LENGTH"],
                           stream=tasks.active_stream(current_user.id, companion.id), reply_failed=reply_failed,
                           sidebar_companions=sidebar_companions, last_messages=last_messages, unread=unread,
                           last_seq=last_seq, group_chats=groups.summaries(current_user.id),
                           focus_message=parse_id(request.args.get("message")) if focus is not None else None,
                           proactive=proactive.proactive_enabled(current_user.id, companion.id))


@bp.get("/api/conversations/<girl_id>/messages")
@login_required
def history(girl_id: str):
    companion = companion_or_404(girl_id)
    before, after, around = id_arg("before"), id_arg("after"), id_arg("around")
    if sum(arg is not None for arg in (before, after, around)) > 1:
        abort(400, description="Use one of before, after and around.")
    limit = id_arg("limit")
    limit = 50 if limit is None else limit
    if not 1 <= limit <= MAX_PAGE:
        abort(400, description=f"limit must be between 1 and {MAX_PAGE}.")
    if around is not None:
        page = conversation_around(current_user.id, companion.id, around, limit)
        if page is None:
            abort(404, description="No such message in this conversation.")
        return jsonify(messages=[m.to_dict() for m in page.messages], has_older=page.has_older,
                       has_newer=page.has_newer)
    messages = conversation_page(current_user.id, companion.id, before=before, after=after, limit=limit)
    return jsonify(messages=[m.to_dict() for m in messages])


@bp.get("/photos/<photo_id>")
@login_required
def photo(photo_id: str):
    photo_id = id_or_404(photo_id)
    found = db.session.scalar(sa.select(Photo).where(Photo.id == photo_id, Photo.user_id == current_user.id,
                                                     Photo.status == "done").options(sa.orm.undefer(Photo.data)))
    if found is None:
        abort(404, description="No such photo.")
    response = make_response(found.data)
    response.headers["Content-Type"] = found.mime
    # Owner-only URL (another user gets a 404) and a photo never changes: the owner's browser may keep
    # it for an hour, no shared cache may (private), and it is not kept for a year after logout.
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Vary"] = "Cookie"
    return response
