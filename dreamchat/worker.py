"""The companion's side of the conversation, run as background tasks after the ack.

One reply task per conversation at a time: messages that arrive while it runs, or while
the user is still typing, are answered together by the same task.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from dreamchat import actions
from dreamchat.ai import ChatLine, ReplyRequest
from dreamchat.ai.base import ProviderError
from dreamchat.ai.offline import detect_language, detect_photo_request
from dreamchat.extensions import db, socketio
from dreamchat.models import Companion, Message, Photo, User, utcnow
from dreamchat.photos import PhotoRequest
from dreamchat.safety import CRISIS, SafetyVerdict, check_messages, crisis_reply, keep_honest, resources_for

log = logging.getLogger(__name__)

HISTORY_FOR_REPLY = 40
USER_TYPING_GRACE_SECONDS = 5.0
USER_TYPING_MAX_WAIT_SECONDS = 8.0


@dataclass
class ActiveStream:
    """A reply being generated: the stored message it will become and the text so far."""

    message_id: int
    girl_id: str
    text: str = ""


@dataclass
class ConversationState:
    more_messages: bool = False
    user_typing_until: float = 0.0
    reply_running: bool = False
    stream: ActiveStream | None = None
    avoid: list[str] = field(default_factory=list)


@dataclass
class ReplyTurn:
    """The reply task's own view of one conversation: whether typing shows, the open stream."""

    key: tuple[int, int]
    slug: str
    typing: bool = False
    stream: ActiveStream | None = None

    def set_typing(self, is_typing: bool) -> None:
        if self.typing != is_typing:
            actions.set_companion_typing(self.key[0], self.slug, is_typing)
            self.typing = is_typing


def provider_failure_message(error: ProviderError) -> str:
    if error.kind == "quota":
        return "The AI provider's quota is used up. Your message is saved; retry later."
    if error.kind == "config":
        return "The AI provider is not set up correctly. Your message is saved."
    return "Couldn't answer right now. Your message is saved; tap retry."


@dataclass(frozen=True)
class ReplyInput:
    request: ReplyRequest
    safety: SafetyVerdict
    answered_ids: list[int] = field(default_factory=list)
    loaded_at: datetime | None = None


@dataclass(frozen=True)
class ComposedReply:
    """A reply ready to store: its text, the photo it promises, and the crisis card it carries."""

    text: str
    photo_context: str | None = None
    safety: str | None = None
    resources: dict | None = None


class CompanionWorker:
    """Schedules replies and photos; the app's only background tasks."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._conversations: dict[tuple[int, int], ConversationState] = {}
        self._tasks_running = 0
        self._resumed = False
        self.draining = False

    def busy(self) -> bool:
        """True while any reply or photo task is running."""
        with self._lock:
            return self._tasks_running > 0

    def _start(self, task, *args) -> None:
        with self._lock:
            self._tasks_running += 1

        def run() -> None:
            try:
                task(*args)
            finally:
                with self._lock:
                    self._tasks_running -= 1

        socketio.start_background_task(run)

    @property
    def delay_scale(self) -> float:
        return self.app.config["REPLY_DELAY_SCALE"]

    def pause(self, seconds: float) -> None:
        if seconds * self.delay_scale > 0:
            socketio.sleep(seconds * self.delay_scale)

    def _state(self, key: tuple[int, int]) -> ConversationState:
        return self._conversations.setdefault(key, ConversationState())

    def note_user_typing(self, user_id: int, companion_id: int, is_typing: bool) -> None:
        key = (user_id, companion_id)
        with self._lock:
            if is_typing:
                self._state(key).user_typing_until = time.monotonic() + USER_TYPING_GRACE_SECONDS
            elif key in self._conversations:
                state = self._conversations[key]
                state.user_typing_until = 0.0
                if not state.reply_running:
                    del self._conversations[key]

    def resume_unfinished(self) -> None:
        """At start (python app.py), or at the first connection (flask run): answer the messages
        and make the photos that a stopped process left undone. Once per process."""
        with self._lock:
            if self._resumed:
                return
            self._resumed = True
        with self.app.app_context():
            abandoned = utcnow() - timedelta(hours=1)
            db.session.execute(sa.delete(Message).where(Message.status == "streaming",
                                                        Message.created_at < abandoned))
            db.session.commit()
            conversations = db.session.execute(sa.select(Message.user_id, Message.companion_id).where(
                Message.sender == "user", Message.answered_at.is_(None)).distinct()).all()
            photo_ids = list(db.session.scalars(sa.select(Photo.id).where(Photo.status == "pending")))
            db.session.remove()
        for user_id, companion_id in conversations:
            self.reply_later(user_id, companion_id)
        for photo_id in photo_ids:
            self.make_photo_later(photo_id)
        if conversations or photo_ids:
            log.info("resumed %d conversations and %d photos left unfinished", len(conversations), len(photo_ids))

    def drain(self, grace_seconds: float) -> bool:
        """Start no new work and give running tasks grace_seconds to finish; True if they did.
        What is left stays in the database and is resumed at the next start."""
        self.draining = True
        deadline = time.monotonic() + grace_seconds
        while self.busy() and time.monotonic() < deadline:
            socketio.sleep(0.05)
        return not self.busy()

    def reply_later(self, user_id: int, companion_id: int, avoid: str | None = None) -> None:
        """Called after a user message is committed: start the reply task or fold into it.
        avoid: a reply the user rejected (regenerate); the next one should differ."""
        if self.draining:
            return
        key = (user_id, companion_id)
        with self._lock:
            state = self._state(key)
            if avoid:
                state.avoid.append(avoid)
            if state.reply_running:
                state.more_messages = True
                return
            state.reply_running = True
            state.more_messages = False
        self._start(self._reply_task, key)

    def make_photo_later(self, photo_id: int) -> None:
        if not self.draining:
            self._start(self._photo_task, photo_id)

    def _take_more_messages(self, key: tuple[int, int]) -> bool:
        with self._lock:
            state = self._state(key)
            more, state.more_messages = state.more_messages, False
            return more

    def _finish_or_continue(self, key: tuple[int, int]) -> bool:
        """True when the task should stop: nothing arrived since the last reply."""
        with self._lock:
            state = self._state(key)
            if state.more_messages:
                state.more_messages = False
                return False
            state.reply_running = False
            if state.user_typing_until < time.monotonic():
                self._conversations.pop(key, None)
            return True

    def _wait_while_user_types(self, key: tuple[int, int]) -> None:
        deadline = time.monotonic() + USER_TYPING_MAX_WAIT_SECONDS
        while time.monotonic() < deadline:
            with self._lock:
                typing_until = self._state(key).user_typing_until
            if typing_until <= time.monotonic():
                return
            socketio.sleep(0.1)

    def reply_running(self, user_id: int, companion_id: int) -> bool:
        with self._lock:
            state = self._conversations.get((user_id, companion_id))
            return bool(state and state.reply_running)

    def active_stream(self, user_id: int, companion_id: int) -> ActiveStream | None:
        """The reply being streamed in this conversation right now, if any (this process only)."""
        with self._lock:
            state = self._conversations.get((user_id, companion_id))
            return state.stream if state else None

    def active_streams(self, user_id: int) -> list[ActiveStream]:
        with self._lock:
            return [state.stream for (uid, _), state in self._conversations.items() if uid == user_id and state.stream]

    def _reply_task(self, key: tuple[int, int]) -> None:
        finished = False
        with self.app.app_context():
            try:
                finished = self._reply_until_answered(key)
            except Exception:
                log.exception("reply task failed for user=%s companion=%s", *key)
            finally:
                db.session.remove()
                if not finished:
                    self._release_after_failure(key)

    def _release_after_failure(self, key: tuple[int, int]) -> None:
        """Let the next message start a new task; one that arrived meanwhile starts it now."""
        with self._lock:
            state = self._conversations.get(key)
            if state is None:
                return
            more = state.more_messages
            state.reply_running, state.more_messages, state.stream = False, False, None
        if more:
            self.reply_later(*key)

    def _reply_until_answered(self, key: tuple[int, int]) -> bool:
        """Answer the conversation's unanswered messages until none are left (True). On an
        unexpected error (False): typing off, a retryable chat_error; the messages stay unanswered."""
        user_id, companion_id = key
        slug = db.session.scalar(sa.select(Companion.slug).where(Companion.id == companion_id)) or ""
        db.session.remove()
        turn = ReplyTurn(key=key, slug=slug)
        try:
            while True:
                self.pause(1.2)
                self._wait_while_user_types(key)
                self._take_more_messages(key)
                reply_input = self._load_reply_input(user_id, companion_id)
                db.session.remove()
                if reply_input is not None:
                    actions.mark_read_by_companion(user_id, companion_id, slug)
                    db.session.remove()
                    self.pause(0.6)
                    turn.set_typing(True)
                    if not self._write_reply(turn, reply_input):
                        continue
                if self._finish_or_continue(key):
                    return True
        except Exception:
            db.session.rollback()
            if db.session.scalar(sa.select(User.id).where(User.id == user_id)) is None:
                log.info("reply dropped for user=%s companion=%s: the account was deleted", user_id, companion_id)
                turn.stream = None
                return False
            log.exception("reply failed for user=%s companion=%s", user_id, companion_id)
            turn.set_typing(False)
            self._end_stream(turn, failed=True)
            actions.report_reply_failure(user_id, slug, "internal", "The reply could not be written.")
            return False

    def _write_reply(self, turn: ReplyTurn, reply_input: ReplyInput) -> bool:
        """Compose and store one reply; False when newer messages arrived first and it must be redone.

        The safety check has already run: in a crisis turn every engine answers with care, the
        crisis card is attached by DreamChat, and no photo is sent."""
        provider = self.app.extensions["reply_provider"]
        language = reply_input.safety.language
        if not provider.streams:
            if reply_input.safety.crisis:
                reply = self._crisis_reply(reply_input, text=None)
            else:
                composed = provider.compose(reply_input.request)
                reply = ComposedReply(keep_honest(composed.text, language), composed.photo_context)
            self.pause(min(1.0 + len(reply.text) * 0.035, 5.0))
            if self._take_more_messages(turn.key):
                return False
            turn.set_typing(False)
            return self._store_reply(turn, reply_input, reply)
        try:
            text = self._stream_reply(turn, provider, reply_input)
        except ProviderError as error:
            self._end_stream(turn, failed=True)
            turn.set_typing(False)
            if reply_input.safety.crisis:
                log.warning("reply provider failed (%s) in a crisis turn; answering with the offline crisis reply",
                            error.kind)
                return self._store_reply(turn, reply_input, self._crisis_reply(reply_input, text=None))
            fallback = self.app.extensions.get("fallback_reply_provider")
            if fallback is None:
                log.warning("reply provider failed (%s): %s", error.kind, error)
                actions.report_reply_failure(turn.key[0], turn.slug, error.kind, provider_failure_message(error))
                return True
            log.warning("reply provider failed (%s); answering with the offline engine", error.kind)
            composed = fallback.compose(reply_input.request)
            return self._store_reply(turn, reply_input, ComposedReply(keep_honest(composed.text, language),
                                                                      composed.photo_context))
        turn.set_typing(False)
        if reply_input.safety.crisis:
            return self._store_reply(turn, reply_input, self._crisis_reply(reply_input, text=text))
        photo_context = detect_photo_request("\n".join(reply_input.request.new_messages))
        return self._store_reply(turn, reply_input, ComposedReply(keep_honest(text, language), photo_context))

    def _crisis_reply(self, reply_input: ReplyInput, text: str | None) -> ComposedReply:
        """The crisis turn's reply: the model's words when it wrote them, else the embedded ones,
        always with the resources for the user's language and never with a photo."""
        language = reply_input.safety.language
        if not text:
            text = crisis_reply(language, seed=reply_input.request.conversation_key + str(reply_input.answered_ids))
        resources = resources_for(self.app.extensions["crisis_resources"], language)
        return ComposedReply(keep_honest(text, language), photo_context=None, safety=CRISIS, resources=resources)

    def _stream_reply(self, turn: ReplyTurn, provider, reply_input: ReplyInput) -> str:
        user_id, companion_id = turn.key
        text = ""
        for delta in provider.stream(reply_input.request):
            if not delta:
                continue
            if turn.stream is None:
                message_id = actions.start_reply_stream(user_id, companion_id)
                db.session.remove()
                turn.stream = ActiveStream(message_id=message_id, girl_id=turn.slug)
                with self._lock:
                    self._state(turn.key).stream = turn.stream
                turn.set_typing(False)
            offset = len(text)
            text += delta
            turn.stream.text = text
            actions.emit_reply_delta(user_id, turn.slug, turn.stream.message_id, offset, delta)
        if not text.strip():
            raise ProviderError("malformed", "The model sent an empty reply.", retryable=False)
        return text.strip()

    def _store_reply(self, turn: ReplyTurn, reply_input: ReplyInput, reply: ComposedReply) -> bool:
        """False when the answered messages changed meanwhile (edited, deleted, answered elsewhere)."""
        user_id, companion_id = turn.key
        message_id = turn.stream.message_id if turn.stream else None
        stored = actions.store_companion_reply(user_id, companion_id, reply.text, reply_input.answered_ids,
                                               message_id=message_id, read_at=reply_input.loaded_at,
                                               safety=reply.safety, resources=reply.resources)
        self._end_stream(turn, failed=stored is None)
        if stored:
            with self._lock:
                self._state(turn.key).avoid.clear()
        if stored and reply.photo_context:
            self._photo_asked_in_words(user_id, companion_id, reply.photo_context, reply_input.answered_ids[-1])
        db.session.remove()
        return stored is not None

    def _photo_asked_in_words(self, user_id: int, companion_id: int, context: str, message_id: int) -> None:
        """The same limits as request_photo: a photo asked for in words is no way around them."""
        companion = db.session.get(Companion, companion_id)
        config = self.app.config
        limit = config["DAILY_PHOTO_LIMIT"]
        if limit and actions.photos_today(user_id) >= limit:
            actions.report_photo_refused(user_id, companion.slug,
                                         f"You have reached today's limit of {limit} photos.")
        elif not self.app.extensions["rate_limiter"].allow(user_id, "photo", config["RATE_LIMIT_PHOTOS"],
                                                            config["RATE_LIMIT_WINDOW_SECONDS"]):
            actions.report_photo_refused(user_id, companion.slug, "Slow down a little: ask for the photo again soon.")
        else:
            actions.request_photo(user_id, companion, context, request_id=f"reply-{message_id}")

    def _end_stream(self, turn: ReplyTurn, failed: bool) -> None:
        if turn.stream is None:
            return
        if failed:
            actions.abandon_reply_stream(turn.key[0], turn.slug, turn.stream.message_id)
            db.session.remove()
        with self._lock:
            state = self._conversations.get(turn.key)
            if state:
                state.stream = None
        turn.stream = None

    def _avoided(self, key: tuple[int, int]) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._state(key).avoid[-5:])

    def _load_reply_input(self, user_id: int, companion_id: int) -> ReplyInput | None:
        loaded_at = utcnow()
        unanswered = list(db.session.scalars(sa.select(Message).where(
            Message.user_id == user_id, Message.companion_id == companion_id, Message.sender == "user",
            Message.answered_at.is_(None)).order_by(Message.id)))
        if not unanswered:
            return None
        recent = list(db.session.scalars(sa.select(Message).where(
            Message.user_id == user_id, Message.companion_id == companion_id,
            Message.id <= unanswered[-1].id).order_by(Message.id.desc()).limit(HISTORY_FOR_REPLY)))
        recent.reverse()
        companion = db.session.get(Companion, companion_id)
        user = db.session.get(User, user_id)
        new_messages = tuple(m.content for m in unanswered)
        earlier = [m.content for m in reversed(recent) if m.sender == "user"]
        language = next(filter(None, map(detect_language, [" ".join(new_messages), *earlier])),
                        companion.language or "en")
        safety = check_messages(new_messages, language)
        request = ReplyRequest(
            persona=companion.to_persona(),
            user_name=user.username,
            history=tuple(ChatLine(sender=m.sender, content=m.content, type=m.type) for m in recent),
            new_messages=new_messages,
            conversation_key=f"{user_id}:{companion.slug}",
            memory=actions.memory_lines(user_id, companion_id),
            avoid=self._avoided((user_id, companion_id)),
            crisis=safety.crisis,
        )
        return ReplyInput(request=request, safety=safety, answered_ids=[m.id for m in unanswered],
                          loaded_at=loaded_at)

    def _photo_task(self, photo_id: int) -> None:
        with self.app.app_context():
            try:
                photo = db.session.get(Photo, photo_id)
                if photo is None or photo.status != "pending":
                    return
                companion = db.session.get(Companion, photo.companion_id)
                request = PhotoRequest(persona=companion.to_persona(), context=photo.context or "selfie",
                                       seed=photo.id)
                user_id, slug, request_id = photo.user_id, companion.slug, photo.request_id
                db.session.remove()
                provider = self.app.extensions["photo_provider"]
                if provider.cpu_bound:
                    self.pause(2.5)
                    result = run_blocking(provider.generate, request)
                else:
                    result = provider.generate(request, ProgressReporter(user_id, slug, request_id))
                actions.complete_photo(photo_id, result.data, result.mime, result.width, result.height,
                                       result.caption)
            except Exception:
                log.exception("photo %s failed", photo_id)
                db.session.rollback()
                actions.fail_photo(photo_id)


class ProgressReporter:
    """Passes a photo provider's progress to the user's tabs as photo_progress, at most every 2 %."""

    def __init__(self, user_id: int, slug: str, request_id: str) -> None:
        self.user_id, self.slug, self.request_id = user_id, slug, request_id
        self.last = -1.0

    def __call__(self, progress: float) -> None:
        progress = max(0.0, min(1.0, float(progress)))
        if progress - self.last >= 0.02 or (progress == 1.0 and self.last < 1.0):
            self.last = progress
            actions.emit_to_user(self.user_id, "photo_progress", {
                "girl_id": self.slug, "request_id": self.request_id, "progress": round(progress, 3)})


def run_blocking(function, *args):
    """CPU-bound work off the event loop under eventlet; a plain call otherwise."""
    if socketio.async_mode == "eventlet":
        from eventlet import tpool

        return tpool.execute(function, *args)
    return function(*args)
