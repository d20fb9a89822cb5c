"""When background work runs: one reply task per conversation, the user's typing grace, drain and resume.

Messages that arrive while a conversation's reply task runs, or while the user is still typing,
are answered together by the same task. The state kept here is this process's only; what must
survive a restart is in the database (unanswered messages, pending photos) and resumed at start.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from dreamchat.actions import replies
from dreamchat.extensions import db, socketio
from dreamchat.models import Message, Photo, Sender, utcnow
from dreamchat.tasks.photo import make_photo
from dreamchat.tasks.reply import ActiveStream, ReplyTask

log = logging.getLogger(__name__)

USER_TYPING_GRACE_SECONDS = 5.0
USER_TYPING_MAX_WAIT_SECONDS = 8.0
STALE_STREAM_AGE = timedelta(hours=1)
# How long a reply's CPU work waits for the socket events being handled (acks first) before it goes anyway.
EVENTS_FIRST_MAX_WAIT = 0.05
EVENTS_QUIET = 0.003

Key = tuple[int, int]  # (user_id, companion_id): one conversation


@dataclass
class ConversationState:
    more_messages: bool = False
    user_typing_until: float = 0.0
    reply_running: bool = False
    stream: ActiveStream | None = None
    avoid: list[str] = field(default_factory=list)


class TaskScheduler:
    """Schedules replies and photos; the app's only background tasks."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._conversations: dict[Key, ConversationState] = {}
        self._tasks_running = 0
        self._resumed = False
        self.draining = False
        # Streaming rows older than this were left by a process that stopped (kill -9, a short grace).
        self.started_at = utcnow()
        slots = app.config.get("MAX_CONCURRENT_REPLIES", 0)
        self._cpu_slots = threading.BoundedSemaphore(slots) if slots else None
        self._events_in_flight = 0
        self._last_event_finished = 0.0
        self._no_events_in_flight = threading.Event()
        self._no_events_in_flight.set()

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
    def delays_replies(self) -> bool:
        """Whether replies pause like a person typing (REPLY_DELAY_SCALE above 0). Without pauses a
        reply is stored as composed, and messages that arrived meanwhile get the next one."""
        return self.app.config["REPLY_DELAY_SCALE"] > 0

    def pause(self, seconds: float) -> None:
        """A human-like pause, scaled by REPLY_DELAY_SCALE (0 in tests)."""
        scaled = seconds * self.app.config["REPLY_DELAY_SCALE"]
        if scaled > 0:
            socketio.sleep(scaled)

    @contextmanager
    def cpu_slot(self):
        """Around a reply's CPU work: socket events being handled go first (for at most
        EVENTS_FIRST_MAX_WAIT), then at most MAX_CONCURRENT_REPLIES replies work at once. Replies
        that wait meanwhile answer more messages each, so under load there are fewer of them."""
        socketio.sleep(0)
        self._wait_for_quiet()
        if self._cpu_slots is None:
            yield
            return
        with self._cpu_slots:
            yield

    def _wait_for_quiet(self) -> None:
        """Until no socket event is being handled and none finished in the last EVENTS_QUIET
        (a client that got its ack sends the next message within it), or EVENTS_FIRST_MAX_WAIT."""
        deadline = time.monotonic() + EVENTS_FIRST_MAX_WAIT
        while (now := time.monotonic()) < deadline:
            if self._events_in_flight:
                self._no_events_in_flight.wait(deadline - now)
                continue
            quiet_for = now - self._last_event_finished
            if quiet_for >= EVENTS_QUIET:
                return
            socketio.sleep(min(EVENTS_QUIET - quiet_for, deadline - now))

    def event_started(self) -> None:
        """A socket event is being handled (its ack goes before replies' CPU work)."""
        with self._lock:
            self._events_in_flight += 1
            self._no_events_in_flight.clear()

    def event_finished(self) -> None:
        with self._lock:
            self._events_in_flight -= 1
            self._last_event_finished = time.monotonic()
            if not self._events_in_flight:
                self._no_events_in_flight.set()

    def _state(self, key: Key) -> ConversationState:
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
            replies.abandon_stale_streams(started_before=utcnow() - STALE_STREAM_AGE)
            conversations = db.session.execute(sa.select(Message.user_id, Message.companion_id).where(
                Message.sender == Sender.USER, Message.answered_at.is_(None)).distinct()).all()
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
            self._start(make_photo, self, photo_id)

    def _reply_task(self, key: Key) -> None:
        finished = False
        with self.app.app_context():
            try:
                finished = ReplyTask(self, key).run()
            except Exception:
                log.exception("reply task failed for user=%s companion=%s", *key)
            finally:
                db.session.remove()
                if not finished:
                    self._release_after_failure(key)

    def _release_after_failure(self, key: Key) -> None:
        """Let the next message start a new task; one that arrived meanwhile starts it now."""
        with self._lock:
            state = self._conversations.get(key)
            if state is None:
                return
            more = state.more_messages
            state.reply_running, state.more_messages, state.stream = False, False, None
        if more:
            self.reply_later(*key)

    # What a running reply task asks about its conversation.

    def take_more_messages(self, key: Key) -> bool:
        """True when messages arrived since the last call (they are answered together)."""
        with self._lock:
            state = self._state(key)
            more, state.more_messages = state.more_messages, False
            return more

    def finish_or_continue(self, key: Key) -> bool:
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

    def wait_while_user_types(self, key: Key) -> None:
        deadline = time.monotonic() + USER_TYPING_MAX_WAIT_SECONDS
        while time.monotonic() < deadline:
            with self._lock:
                typing_until = self._state(key).user_typing_until
            if typing_until <= time.monotonic():
                return
            socketio.sleep(0.1)

    def set_stream(self, key: Key, stream: ActiveStream | None) -> None:
        with self._lock:
            state = self._state(key) if stream else self._conversations.get(key)
            if state:
                state.stream = stream

    def avoided(self, key: Key) -> tuple[str, ...]:
        """The last replies the user rejected in this conversation."""
        with self._lock:
            return tuple(self._state(key).avoid[-5:])

    def clear_avoided(self, key: Key) -> None:
        with self._lock:
            self._state(key).avoid.clear()

    # What handlers read.

    def reply_running(self, user_id: int, companion_id: int) -> bool:
        with self._lock:
            state = self._conversations.get((user_id, companion_id))
            return bool(state and state.reply_running)

    def active_stream(self, user_id: int, companion_id: int) -> ActiveStream | None:
        with self._lock:
            state = self._conversations.get((user_id, companion_id))
            return state.stream if state else None

    def active_streams(self, user_id: int) -> list[ActiveStream]:
        with self._lock:
            return [state.stream for (uid, _), state in self._conversations.items() if uid == user_id and state.stream]
