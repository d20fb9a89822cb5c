"""The reply pipeline: read the conversation, check safety, let the provider compose, keep it honest, store it.

One ReplyTask answers one conversation's unanswered messages until none are left. No database
transaction is open while a provider composes; what it writes goes through dreamchat.actions.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from dreamchat import quotas
from dreamchat.actions import memory, messages, photos, reads, replies
from dreamchat.ai import ChatLine, Reply, ReplyRequest
from dreamchat.ai.base import Reaction
from dreamchat.companions import directory
from dreamchat.extensions import db
from dreamchat.models import Message, Sender, User, utcnow
from dreamchat.providers import ProviderError
from dreamchat.safety import CRISIS, SafetyVerdict, check_messages, crisis_reply, keep_honest, resources_for
from dreamchat.understanding import detect_language, photo_requested
from dreamchat.tasks.voice import transcribe_voice_notes

if TYPE_CHECKING:
    from dreamchat.tasks.scheduler import Key, TaskScheduler

log = logging.getLogger(__name__)

HISTORY_FOR_REPLY = 40
RENEW_WHILE_STREAMING_SECONDS = 10.0

messages_table = Message.__table__
in_conversation = sa.and_(messages_table.c.user_id == sa.bindparam("uid"),
                          messages_table.c.companion_id == sa.bindparam("cid"))
quoted_table = messages_table.alias("quoted")
# With the text of the message each one replies to (its primary key, in the same statement).
UNANSWERED = (sa.select(messages_table.c.id, messages_table.c.content, messages_table.c.type,
                        messages_table.c.transcript, quoted_table.c.content.label("quoted"))
              .select_from(messages_table.outerjoin(quoted_table, quoted_table.c.id == messages_table.c.reply_to_id))
              .where(in_conversation, messages_table.c.sender == Sender.USER.value,
                     messages_table.c.answered_at.is_(None))
              .order_by(messages_table.c.id))
# companion_id bounded on both sides and in the ORDER BY: so PostgreSQL reads ix_messages_conversation
# backwards even with a generic plan (see chat.routes.in_conversation).
RECENT = (sa.select(messages_table.c.sender, messages_table.c.content, messages_table.c.type, messages_table.c.transcript,
                    messages_table.c.created_at, messages_table.c.reaction, messages_table.c.reacted_at)
          .where(messages_table.c.user_id == sa.bindparam("uid"),
                 messages_table.c.companion_id.between(sa.bindparam("cid"), sa.bindparam("cid")),
                 messages_table.c.id <= sa.bindparam("last"))
          .order_by(messages_table.c.companion_id.desc(), messages_table.c.id.desc()).limit(HISTORY_FOR_REPLY))
USER_NAME = sa.select(User.__table__.c.username).where(User.__table__.c.id == sa.bindparam("uid"))


def text_of(row) -> str:
    """What a provider reads of a message: its text, or a voice note's transcript ("" when none)."""
    return (row.transcript or "") if row.type == "voice" else row.content


def provider_failure_message(error: ProviderError) -> str:
    if error.kind == "quota":
        return "The AI provider's quota is used up. Your message is saved; retry later."
    if error.kind == "config":
        return "The AI provider is not set up correctly. Your message is saved."
    return "Couldn't answer right now. Your message is saved; tap retry."


@dataclass
class ActiveStream:
    """A reply being generated: the stored message it will become and the text so far.
    girl_id is the companion's slug, named as on the wire (message_delta, the chat page's template)."""

    message_id: int
    girl_id: str
    text: str = ""


@dataclass(frozen=True)
class ReplyInput:
    request: ReplyRequest
    safety: SafetyVerdict
    answered_ids: list[int] = field(default_factory=list)
    loaded_at: datetime | None = None


@dataclass(frozen=True)
class ComposedReply(Reply):
    """A reply ready to store: the provider's (text, the photo it promises) and the crisis card it carries."""

    safety: str | None = None
    resources: dict | None = None


def reactions_since_her_last_reply(recent: list) -> tuple[Reaction, ...]:
    """The reactions in the recent history (oldest first) made after her newest message."""
    her_last = max((row.created_at for row in recent if row.sender == Sender.COMPANION), default=None)
    return tuple(Reaction(emoji=row.reaction, sender=row.sender, content=text_of(row))
                 for row in sorted((row for row in recent if row.reaction and row.reacted_at), key=lambda r: r.reacted_at)
                 if her_last is None or row.reacted_at > her_last)


class ReplyTask:
    """One conversation's reply task: whether typing shows, the open stream, and the steps of a reply."""

    def __init__(self, scheduler: TaskScheduler, key: Key) -> None:
        self.scheduler, self.app, self.key = scheduler, scheduler.app, key
        self.companion = None
        self.companion_slug = ""
        self.typing = False
        self.stream: ActiveStream | None = None

    def set_typing(self, is_typing: bool) -> None:
        if self.typing != is_typing:
            replies.set_companion_typing(self.key[0], self.companion_slug, is_typing)
            self.typing = is_typing

    def run(self) -> bool:
        """Answer the conversation's unanswered messages until none are left (True). On an
        unexpected error (False): typing off, a retryable chat_error; the messages stay unanswered."""
        user_id, companion_id = self.key
        scheduler = self.scheduler
        self.companion = directory.by_id(companion_id)
        self.companion_slug = self.companion.slug if self.companion else ""
        db.session.close()
        if self.companion is None:
            return True
        try:
            renew = False  # claimed just before the first turn
            while True:
                if renew:
                    scheduler.renew_claim(self.key)
                renew = True
                scheduler.pause(1.2)
                scheduler.wait_while_user_types(self.key)
                scheduler.take_more_messages(self.key)
                keep_claim = lambda: scheduler.renew_claim(self.key, scheduler.transcription_lease)  # noqa: E731
                if not transcribe_voice_notes(self.app, user_id, companion_id, keep_claim):
                    self.set_typing(False)  # another process took the conversation over: it answers
                    return scheduler._finish_unclaimed(self.key)
                with scheduler.cpu_slot():
                    reply_input = self._load_reply_input()
                    db.session.close()
                    if reply_input is not None:
                        reads.mark_read_by_companion(user_id, companion_id, self.companion_slug)
                        db.session.close()
                if reply_input is not None:
                    scheduler.pause(0.6)
                    self.set_typing(True)
                    if not self._write_reply(reply_input):
                        continue
                if reply_input is None:
                    self.set_typing(False)  # what she was answering was deleted meanwhile
                if scheduler.finish_or_continue(self.key):
                    return True
        except Exception:
            db.session.rollback()
            if db.session.scalar(sa.select(User.id).where(User.id == user_id)) is None:
                log.info("reply dropped for user=%s companion=%s: the account was deleted", user_id, companion_id)
                self.stream = None
                return False
            log.exception("reply failed for user=%s companion=%s", user_id, companion_id)
            self.set_typing(False)
            self._end_stream(failed=True)
            replies.report_reply_failure(user_id, self.companion_slug, "internal", "The reply could not be written.")
            return False

    def _write_reply(self, reply_input: ReplyInput) -> bool:
        """Compose and store one reply; False when newer messages arrived first and it must be redone.

        The safety check has already run: in a crisis turn every engine answers with care, the
        crisis card is attached by DreamChat, and no photo is sent."""
        provider = self.app.extensions["reply_provider"]
        language = reply_input.safety.language
        if not provider.streams:
            with self.scheduler.cpu_slot():
                if reply_input.safety.crisis:
                    reply = self._crisis_reply(reply_input, text=None)
                else:
                    composed = provider.compose(reply_input.request)
                    reply = ComposedReply(keep_honest(composed.text, language), composed.photo_context)
            self.scheduler.pause(min(1.0 + len(reply.text) * 0.035, 5.0))
            if self.scheduler.delays_replies and self.scheduler.take_more_messages(self.key):
                return False  # she was "typing": what arrived meanwhile is answered in this reply
            self.set_typing(False)
            return self._store_reply(reply_input, reply)
        try:
            text = self._stream_reply(provider, reply_input)
        except Exception as error:
            if not isinstance(error, ProviderError) and not reply_input.safety.crisis:
                raise
            error = error if isinstance(error, ProviderError) else ProviderError(
                "internal", "The provider failed.", retryable=False)
            self._end_stream(failed=True)
            self.set_typing(False)
            if reply_input.safety.crisis:
                log.warning("reply provider failed (%s) in a crisis turn; answering with the offline crisis reply",
                            error.kind)
                return self._store_reply(reply_input, self._crisis_reply(reply_input, text=None))
            fallback = self.app.extensions.get("fallback_reply_provider")
            if fallback is None:
                log.warning("reply provider failed (%s): %s", error.kind, error)
                replies.report_reply_failure(self.key[0], self.companion_slug, error.kind,
                                             provider_failure_message(error))
                return True
            log.warning("reply provider failed (%s); answering with the offline engine", error.kind)
            composed = fallback.compose(reply_input.request)
            return self._store_reply(reply_input, ComposedReply(keep_honest(composed.text, language),
                                                                composed.photo_context))
        self.set_typing(False)
        if reply_input.safety.crisis:
            return self._store_reply(reply_input, self._crisis_reply(reply_input, text=text))
        photo_context = photo_requested(reply_input.request.new_messages)
        return self._store_reply(reply_input, ComposedReply(keep_honest(text, language), photo_context))

    def _crisis_reply(self, reply_input: ReplyInput, text: str | None) -> ComposedReply:
        """The crisis turn's reply: the model's words when it wrote them, else the embedded ones,
        always with the resources for the user's language and never with a photo."""
        language = reply_input.safety.language
        if not text:
            text = crisis_reply(language, seed=reply_input.request.conversation_key + str(reply_input.answered_ids))
        resources = resources_for(self.app.extensions["crisis_resources"], language)
        return ComposedReply(keep_honest(text, language), photo_context=None, safety=CRISIS, resources=resources)

    def _stream_reply(self, provider, reply_input: ReplyInput) -> str:
        user_id, companion_id = self.key
        text = ""
        renew_at = time.monotonic() + RENEW_WHILE_STREAMING_SECONDS
        for delta in provider.stream(reply_input.request):
            if not delta:
                continue
            if self.stream is None:
                # This process holds the conversation's claim: a stream still there was left by a
                # process that stopped (or lost the claim), so it is abandoned.
                message_id = replies.start_reply_stream(user_id, companion_id, abandon_before=utcnow())
                db.session.close()
                self.stream = ActiveStream(message_id=message_id, girl_id=self.companion_slug)
                self.scheduler.set_stream(self.key, self.stream)
                self.set_typing(False)
            if time.monotonic() >= renew_at:
                self.scheduler.renew_claim(self.key)
                db.session.close()
                renew_at = time.monotonic() + RENEW_WHILE_STREAMING_SECONDS
            offset = len(text)
            text += delta
            self.stream.text = text
            self.scheduler.stream_progress(self.key, self.stream)
            replies.emit_reply_delta(user_id, self.companion_slug, self.stream.message_id, offset, delta)
        if not text.strip():
            raise ProviderError("malformed", "The model sent an empty reply.", retryable=False)
        return text.strip()

    def _store_reply(self, reply_input: ReplyInput, reply: ComposedReply) -> bool:
        """False when the answered messages changed meanwhile (edited, deleted, answered elsewhere)."""
        user_id = self.key[0]
        message_id = self.stream.message_id if self.stream else None
        stored = replies.store_companion_reply(user_id, self.companion, reply.text, reply_input.answered_ids,
                                               message_id=message_id, read_at=reply_input.loaded_at,
                                               safety=reply.safety, resources=reply.resources)
        self._end_stream(failed=stored is None)
        if stored:
            self.scheduler.clear_avoided(self.key)
        if stored and reply.photo_context:
            self._photo_asked_in_words(reply.photo_context, reply_input.answered_ids[-1])
        db.session.close()
        return stored is not None

    def _photo_asked_in_words(self, context: str, message_id: int) -> None:
        """The same limits as a photo asked for with the button: words are no way around them."""
        user_id, companion_id = self.key
        if messages.awaits_crisis_reply(user_id, companion_id):
            return  # a crisis turn comes next: no photo in it, as with the photo button
        companion = self.companion
        try:
            quotas.check(user_id, "photo")
        except quotas.LimitReached as refused:
            photos.report_photo_refused(user_id, companion.slug, refused.message)
            return
        photos.request_photo(user_id, companion, context, request_id=f"reply-{message_id}")

    def _end_stream(self, failed: bool) -> None:
        if self.stream is None:
            return
        if failed:
            replies.abandon_reply_stream(self.key[0], self.companion_slug, self.stream.message_id)
            db.session.close()
        self.scheduler.set_stream(self.key, None)
        self.stream = None

    def _load_reply_input(self) -> ReplyInput | None:
        """What the reply needs, read with a few prebuilt column-only queries (no row loaded as an object)."""
        user_id, companion_id = self.key
        loaded_at = utcnow()
        connection = db.session.connection()
        conversation = {"uid": user_id, "cid": companion_id}
        unanswered = connection.execute(UNANSWERED, conversation).all()
        if not unanswered:
            return None
        recent = connection.execute(RECENT, conversation | {"last": unanswered[-1].id}).all()
        recent.reverse()
        persona = directory.persona(companion_id)
        user_name = connection.execute(USER_NAME, {"uid": user_id}).scalar()
        if persona is None or user_name is None:
            return None  # the account or the companion was deleted meanwhile
        new_messages = tuple(text_of(row) for row in unanswered if text_of(row))
        unheard = sum(1 for row in unanswered if row.type == "voice" and not row.transcript)
        quoted = tuple(row.quoted for row in unanswered if row.quoted)
        earlier = [text_of(row) for row in reversed(recent) if row.sender == Sender.USER]
        language = next(filter(None, map(detect_language, [" ".join(new_messages), *earlier])),
                        persona.language or "en")
        safety = check_messages(new_messages, language)
        request = ReplyRequest(
            persona=persona,
            user_name=user_name,
            history=tuple(ChatLine(sender=row.sender, content=text_of(row), type=row.type) for row in recent),
            new_messages=new_messages,
            conversation_key=f"{user_id}:{persona.slug}",
            memory=memory.memory_lines(user_id, companion_id),
            avoid=self.scheduler.avoided(self.key),
            crisis=safety.crisis,
            quoted=quoted,
            reactions=reactions_since_her_last_reply(recent),
            unheard_voice_notes=unheard,
        )
        return ReplyInput(request=request, safety=safety, answered_ids=[row.id for row in unanswered],
                          loaded_at=loaded_at)
