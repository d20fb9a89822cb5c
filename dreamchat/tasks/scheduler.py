"""When background work runs: one reply task per conversation, the user's typing grace, drain, claims and resume.

Messages that arrive while a conversation's reply task runs, or while the user is still typing,
are answered together by the same task. Across processes, a conversation's replies and each photo
are claimed in the database (tasks/claims.py), and typing and streams are shared through Redis
(shared_state.py); what must survive a restart is in the database (unanswered messages, pending
photos) and taken over at start and by the sweep.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask

from dreamchat.actions import messages, replies
from dreamchat.extensions import db, socketio
from dreamchat.models import utcnow
from dreamchat.shared_state import EXTENSION as SHARED_STATE
from dreamchat.shared_state import SharedState
from dreamchat.tasks import claims, proactive
from dreamchat.tasks.photo import make_photo
from dreamchat.tasks.group_reply import GroupReplyTask
from dreamchat.tasks.reply import ActiveStream, ReplyTask

log = logging.getLogger(__name__)

USER_TYPING_GRACE_SECONDS = 5.0
USER_TYPING_MAX_WAIT_SECONDS = 8.0
STALE_STREAM_AGE = timedelta(hours=1)
# How long a reply's CPU work waits for the socket events being handled (acks first) before it goes anyway.
EVENTS_FIRST_MAX_WAIT = 0.05
EVENTS_QUIET = 0.003
# While another process answers a conversation, how often to try for its claim.
CLAIM_RETRY_SECONDS = 1.0

Key = tuple[int, int]  # (user_id, companion_id): one conversation; ("group", group_id): a group chat


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
        self.worker_id = app.config["WORKER_ID"]
        self.lease = timedelta(seconds=app.config["WORK_LEASE_SECONDS"])
        # A photo is claimed for as long as its provider may take, and a little more.
        self.photo_lease = timedelta(seconds=app.config["PHOTO_TIMEOUT_SECONDS"] + app.config["WORK_LEASE_SECONDS"])
        # Before each voice note is transcribed the conversation is claimed for as long as the STT
        # provider may take (its timeout, twice with the client's one retry), and a little more.
        self.transcription_lease = timedelta(seconds=2 * app.config["STT_TIMEOUT_SECONDS"]
                                             + app.config["WORK_LEASE_SECONDS"])
        # Before a group companion's model call the group is claimed for as long as the reply provider
        # may take (its timeout, twice with one retry), and a little more.
        self.reply_lease = timedelta(seconds=2 * app.config["AI_TIMEOUT_SECONDS"] + app.config["WORK_LEASE_SECONDS"])
        self._photos_running: set[int] = set()
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

    @property
    def shared(self) -> SharedState:
        """Typing and streams as every process sees them (Redis; nothing with one process)."""
        return self.app.extensions[SHARED_STATE]

    def note_user_typing(self, user_id: int, companion_id: int, is_typing: bool) -> None:
        self._note_typing((user_id, companion_id), is_typing)

    def note_group_typing(self, group_id: int, is_typing: bool) -> None:
        """The user types in a group chat: its turn waits (wait_while_user_types with ("group", id))."""
        self._note_typing(("group", group_id), is_typing)

    def _note_typing(self, key: Key, is_typing: bool) -> None:
        with self._lock:
            if is_typing:
                self._state(key).user_typing_until = time.monotonic() + USER_TYPING_GRACE_SECONDS
            elif key in self._conversations:
                state = self._conversations[key]
                state.user_typing_until = 0.0
                if not state.reply_running:
                    del self._conversations[key]
        self.shared.note_typing(*key, USER_TYPING_GRACE_SECONDS if is_typing else None)

    def resume_unfinished(self) -> None:
        """At start (python app.py), or at the first connection (flask run): answer the messages
        and make the photos that a stopped process left undone. Once per process."""
        with self._lock:
            if self._resumed:
                return
            self._resumed = True
        with self.app.app_context():
            replies.abandon_stale_streams(started_before=utcnow() - STALE_STREAM_AGE)
        self.take_over_unclaimed_work()

    def take_over_unclaimed_work(self) -> None:
        """Answer the conversations and make the photos that no process is working on (never
        claimed, or claimed by a process that stopped and whose lease lapsed)."""
        with self.app.app_context():
            now = utcnow()
            conversations = claims.unclaimed_conversations(now, self.worker_id)
            group_chats = claims.unclaimed_groups(now, self.worker_id)
            photo_ids = claims.unclaimed_photos(now, self.worker_id)
            db.session.remove()
        with self._lock:  # this process's own running work is not taken over again
            photo_ids = [photo_id for photo_id in photo_ids if photo_id not in self._photos_running]
            conversations = [key for key in conversations
                             if not (key in self._conversations and self._conversations[key].reply_running)]
        with self._lock:
            group_chats = [(uid, gid) for uid, gid in group_chats
                           if not (("group", gid) in self._conversations
                                   and self._conversations[("group", gid)].reply_running)]
        for user_id, companion_id in conversations:
            self.reply_later(user_id, companion_id)
        for user_id, group_id in group_chats:
            self.group_reply_later(user_id, group_id)
        for photo_id in photo_ids:
            self.make_photo_later(photo_id)
        if conversations or photo_ids or group_chats:
            log.info("took over %d conversations, %d group chats and %d photos left unfinished",
                     len(conversations), len(group_chats), len(photo_ids))

    def sweep_forever(self) -> None:
        """python app.py: every WORK_SWEEP_SECONDS, take over work whose claim lapsed (another
        process stopped mid-way) or that was never claimed. 0 turns the sweep off."""
        interval = self.app.config["WORK_SWEEP_SECONDS"]
        while interval > 0 and not self.draining:
            socketio.sleep(interval)
            if self.draining:
                return
            try:
                self.take_over_unclaimed_work()
            except Exception:  # noqa: BLE001 - the next sweep tries again
                log.exception("could not sweep for unclaimed work")

    def write_first_messages(self, now=None) -> int:
        """One check for conversations where the companion writes first (tasks/proactive.py);
        returns how many messages were stored."""
        if self.draining:
            return 0
        with self._lock:
            self._tasks_running += 1
        try:
            return proactive.write_due_first_messages(self.app, self.cpu_slot, now=now)
        finally:
            with self._lock:
                self._tasks_running -= 1

    def proactive_forever(self) -> None:
        """python app.py: every PROACTIVE_CHECK_SECONDS, the companion writes first where it is due
        (every process checks; the database claim makes one of them write). 0 turns it off, and so
        does PROACTIVE_AFTER_HOURS=0."""
        interval = self.app.config["PROACTIVE_CHECK_SECONDS"]
        while interval > 0 and self.app.config["PROACTIVE_AFTER_HOURS"] > 0 and not self.draining:
            socketio.sleep(interval)
            if self.draining:
                return
            try:
                self.write_first_messages()
            except Exception:  # noqa: BLE001 - the next check tries again
                log.exception("could not check for first messages to write")

    def drain(self, grace_seconds: float) -> bool:
        """Start no new work and give running tasks grace_seconds to finish; True if they did.
        What is left stays in the database, and its claims are let go, so another process's sweep
        takes it over (or this one at its next start)."""
        self.draining = True
        deadline = time.monotonic() + grace_seconds
        while self.busy() and time.monotonic() < deadline:
            socketio.sleep(0.05)
        finished = not self.busy()
        if not finished:
            try:
                with self.app.app_context():
                    claims.release_all(self.worker_id)
                    db.session.remove()
            except Exception:  # noqa: BLE001 - the claims then lapse after WORK_LEASE_SECONDS
                log.exception("could not let go of this process's claims")
        return finished

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

    def group_reply_later(self, user_id: int, group_id: int) -> None:
        """After a user message of a group chat is committed: start the group's turn task or fold into it."""
        if self.draining:
            return
        key = ("group", group_id)
        with self._lock:
            state = self._state(key)
            if state.reply_running:
                state.more_messages = True
                return
            state.reply_running = True
            state.more_messages = False
        self._start(self._group_reply_task, user_id, group_id)

    def _group_reply_task(self, user_id: int, group_id: int) -> None:
        """Like _reply_task, with the group's claim (claims.claim_group): a group's turn runs once across processes."""
        key = ("group", group_id)
        finished = False
        with self.app.app_context():
            try:
                if self._wait_for_group_claim(group_id):
                    try:
                        finished = GroupReplyTask(self, user_id, group_id).run()
                    finally:
                        if not (finished and self.reply_running(*key)):
                            claims.release_group(group_id, self.worker_id)
                else:
                    finished = self._finish_unclaimed(key)
            except Exception:
                log.exception("group reply task failed for user=%s group=%s", user_id, group_id)
            finally:
                db.session.remove()
                if not finished:
                    with self._lock:
                        state = self._conversations.pop(key, None)
                    if state is not None and state.more_messages:
                        self.group_reply_later(user_id, group_id)

    def _wait_for_group_claim(self, group_id: int) -> bool:
        deadline = time.monotonic() + self.lease.total_seconds() + CLAIM_RETRY_SECONDS
        while True:
            if claims.claim_group(group_id, self.worker_id, self.lease):
                return True
            if time.monotonic() >= deadline or self.draining:
                return False
            db.session.remove()
            socketio.sleep(CLAIM_RETRY_SECONDS)

    def renew_group_claim(self, group_id: int, lease: timedelta | None = None) -> bool:
        """A running group turn keeps its group (before each speaker, before and after her model call,
        before storing) for `lease` (WORK_LEASE_SECONDS unless told); False when another process has
        taken it over: the turn then stops at once (that process answers)."""
        return claims.claim_group(group_id, self.worker_id, lease or self.lease)

    def make_photo_later(self, photo_id: int) -> None:
        if self.draining:
            return
        with self._lock:
            if photo_id in self._photos_running:
                return
            self._photos_running.add(photo_id)
        self._start(self._photo_task, photo_id)

    def _photo_task(self, photo_id: int) -> None:
        try:
            make_photo(self, photo_id)
        finally:
            with self._lock:
                self._photos_running.discard(photo_id)

    def _reply_task(self, key: Key) -> None:
        finished = False
        with self.app.app_context():
            try:
                if self._wait_for_claim(key):
                    try:
                        finished = ReplyTask(self, key).run()
                    finally:
                        # A message that came as this task finished may have started the next task
                        # (reply_running again): that one holds the claim now, under the same name.
                        if not (finished and self.reply_running(*key)):
                            claims.release_conversation(*key, self.worker_id)
                else:
                    finished = self._finish_unclaimed(key)
            except Exception:
                log.exception("reply task failed for user=%s companion=%s", *key)
            finally:
                db.session.remove()
                if not finished:
                    self._release_after_failure(key)

    def _wait_for_claim(self, key: Key) -> bool:
        """Claim the conversation; while another process answers it, wait (its reply may leave
        messages of ours unanswered) until it lets go, nothing is left to answer, or its lease lapses."""
        deadline = time.monotonic() + self.lease.total_seconds() + CLAIM_RETRY_SECONDS
        while True:
            if claims.claim_conversation(*key, self.worker_id, self.lease):
                return True
            if time.monotonic() >= deadline or self.draining or not messages.unanswered_count(*key):
                return False
            db.session.remove()
            socketio.sleep(CLAIM_RETRY_SECONDS)

    def _finish_unclaimed(self, key: Key) -> bool:
        """Another process kept the conversation: this task ends; its sweep or a new message starts another."""
        with self._lock:
            state = self._conversations.get(key)
            if state is not None:
                state.reply_running, state.more_messages = False, False
                if state.user_typing_until < time.monotonic():
                    self._conversations.pop(key, None)
        return True

    def renew_claim(self, key: Key, lease: timedelta | None = None) -> bool:
        """A running reply task keeps its conversation (at each step, and while a reply streams), for
        `lease` (WORK_LEASE_SECONDS unless told); False when another process has taken it over."""
        return claims.claim_conversation(*key, self.worker_id, lease or self.lease)

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
        """The user typing in any tab, on any process: the reply waits (USER_TYPING_MAX_WAIT_SECONDS at most)."""
        deadline = time.monotonic() + USER_TYPING_MAX_WAIT_SECONDS
        while time.monotonic() < deadline:
            with self._lock:
                typing_until = self._state(key).user_typing_until
            typing_until = max(typing_until, time.monotonic() + self.shared.typing_for(*key))
            if typing_until <= time.monotonic():
                return
            socketio.sleep(0.1)

    def set_stream(self, key: Key, stream: ActiveStream | None) -> None:
        """The conversation's reply being streamed (None: it ended), here and for other processes."""
        with self._lock:
            state = self._state(key) if stream else self._conversations.get(key)
            ended = state.stream if state and not stream else None
            if state:
                state.stream = stream
        if stream:
            self.stream_progress(key, stream)
        elif ended:
            self.shared.end_stream(*key, ended.message_id)

    def stream_progress(self, key: Key, stream: ActiveStream) -> None:
        """The stream's text so far, for a tab that connects to another process mid-reply."""
        self.shared.set_stream(*key, stream.message_id, stream.girl_id, stream.text)

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
            if state and state.stream:
                return state.stream
        return next((stream for cid, stream in self._shared_streams(user_id) if cid == companion_id), None)

    def active_streams(self, user_id: int) -> list[ActiveStream]:
        """The user's replies being streamed, by this process or (through Redis) another."""
        with self._lock:
            local = [state.stream for (uid, _), state in self._conversations.items() if uid == user_id and state.stream]
        known = {stream.message_id for stream in local}
        return local + [stream for _, stream in self._shared_streams(user_id) if stream.message_id not in known]

    def _shared_streams(self, user_id: int) -> list[tuple[int, ActiveStream]]:
        return [(found["companion_id"], ActiveStream(message_id=found["message_id"], girl_id=found["girl_id"],
                                                     text=found["text"]))
                for found in self.shared.streams(user_id)]
