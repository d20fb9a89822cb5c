"""The stored state: users, companions, their conversations and the photos in them."""
from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timezone
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from dreamchat.companions.persona import Persona
from dreamchat.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def isoformat(moment: datetime | None) -> str | None:
    """Stored datetimes are naive UTC; the protocol speaks ISO 8601 with an explicit Z."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


class Sender(StrEnum):
    """Who wrote a message. The stored and wire value of the companion is "girl", from the first design."""

    USER = "user"
    COMPANION = "girl"


def new_session_token() -> str:
    return secrets.token_hex(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True, index=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # The sequence number of the user's newest conversation event (see UserEvent).
    last_event_seq: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # The current stretch of continuous chatting, for the break reminder.
    chat_started_at: so.Mapped[datetime | None]
    last_chat_at: so.Mapped[datetime | None]
    break_reminded_at: so.Mapped[datetime | None]
    # Browser notifications when a companion answers in a hidden tab (the Account page's toggle).
    notifications_enabled: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    # The IANA time zone the chat page reported at connect ("Europe/Paris"), for the companion's
    # messages written first (never at the user's night); None until a page sends a valid one.
    time_zone: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    # Unused since login sessions (LoginSession, migration 0009); kept so the users table is not rebuilt.
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64), default=new_session_token)

    __table_args__ = (
        sa.Index("uq_users_username_lower", sa.func.lower(username), unique=True),
        # A deleted account's id is never given to a new one.
        {"sqlite_autoincrement": True},
    )

    # The login this object was loaded through or signed in with (not stored): its Flask-Login id.
    login_id = None  # str

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie: "<login session id>:<token>"
        (see auth.sessions). A user not bound to a login session cannot be signed in."""
        if not self.login_id:
            raise RuntimeError("sign users in with auth.sessions.sign_in, which binds a login session")
        return self.login_id

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__


class LoginSession(db.Model):
    """One sign-in (one browser): the session and remember-me cookies carry its id and a random
    token, stored here only as its SHA-256; deleting the row signs that browser out everywhere."""

    __tablename__ = "login_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    remember: so.Mapped[bool] = so.mapped_column(default=False)
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(120), default="")

    user: so.Mapped[User] = so.relationship(lazy="joined")

    __table_args__ = ({"sqlite_autoincrement": True},)

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


def user_room(user_id: int) -> str:
    """The Socket.IO room of every tab of the user, in every process."""
    return f"user:{user_id}"


class Companion(db.Model):
    __tablename__ = "companions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True, index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(60))
    age: so.Mapped[int]
    city: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    tagline: so.Mapped[str] = so.mapped_column(sa.String(200))
    personality: so.Mapped[str] = so.mapped_column(sa.Text)
    interests_json: so.Mapped[str] = so.mapped_column(sa.Text, default="[]")
    traits_json: so.Mapped[str] = so.mapped_column(sa.Text, default="[]")
    style: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    greeting: so.Mapped[str] = so.mapped_column(sa.Text)
    language: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")
    appearance: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    colors_json: so.Mapped[str] = so.mapped_column(sa.Text, default="[]")
    position: so.Mapped[int] = so.mapped_column(default=0)
    avatar_png: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)

    @classmethod
    def by_slug(cls, companion_slug: object, *options) -> Companion | None:
        """The companion with this slug, or None (also for anything that cannot be a slug)."""
        if not isinstance(companion_slug, str) or not companion_slug or len(companion_slug) > 40:
            return None
        return db.session.scalar(sa.select(cls).where(cls.slug == companion_slug).options(*options))

    @property
    def interests(self) -> list[str]:
        return json.loads(self.interests_json)

    @property
    def colors(self) -> list[str]:
        return json.loads(self.colors_json)

    def to_persona(self) -> Persona:
        return Persona(
            slug=self.slug, name=self.name, age=self.age, city=self.city, tagline=self.tagline,
            personality=self.personality, interests=tuple(self.interests),
            traits=tuple(json.loads(self.traits_json)), style=self.style, greeting=self.greeting,
            language=self.language, appearance=self.appearance, colors=tuple(self.colors),
        )

    def update_from_persona(self, persona: Persona) -> None:
        for name in ("slug", "name", "age", "city", "tagline", "personality", "style",
                     "greeting", "language", "appearance"):
            setattr(self, name, getattr(persona, name))
        self.interests_json = json.dumps(list(persona.interests))
        self.traits_json = json.dumps(list(persona.traits))
        self.colors_json = json.dumps(list(persona.colors))


class Photo(db.Model):
    """A photo the companion was asked for: pending until the provider delivers the image."""

    __tablename__ = "photos"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    companion_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companions.id"))
    context: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="pending")
    mime: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    data: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    width: so.Mapped[int | None]
    height: so.Mapped[int | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    completed_at: so.Mapped[datetime | None]
    # The process making it, until claim_expires_at (tasks/claims.py): made once across processes.
    claimed_by: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    claim_expires_at: so.Mapped[datetime | None]
    # A photo asked for in a group chat: delivered there (a group message), never in the one-to-one chat.
    group_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("groups.id"))

    __table_args__ = (
        sa.UniqueConstraint("user_id", "request_id", name="uq_photo_user_request"),
        # Today's photos, for the daily limit (quotas.photos_today).
        sa.Index("ix_photos_user_created", "user_id", "created_at"),
    )

    @property
    def url(self) -> str:
        return f"/photos/{self.id}"


class VoiceNote(db.Model):
    """Audio of a message: a voice note the user recorded (kind "note", Opus in WebM or Ogg), or the
    companion's words spoken by the TTS provider (kind "speech"), kept so it is made once."""

    __tablename__ = "voice_notes"
    # Ids never reused (SQLite would give a deleted newest note's id again): /voice/<id> is cached
    # by the owner's browser, which must not play a deleted recording for a new note.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(8), default="note")
    mime: so.Mapped[str] = so.mapped_column(sa.String(40))
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    # Notes only: None until the STT provider was asked, then "done" or "failed" (asked once).
    transcription: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @property
    def url(self) -> str:
        return f"/voice/{self.id}"


def _partial(where: str) -> dict:
    """The dialect options of a partial index, the same on SQLite and PostgreSQL."""
    return {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}


def quote_dict(message_id: int | None, sender: str, excerpt: str | None) -> dict:
    """Message.quote's shape, also built by the hot path (actions/messages.py) without a reload."""
    if message_id is None:
        return {"id": None, "sender": sender, "excerpt": None, "deleted": True}
    return {"id": message_id, "sender": sender, "excerpt": excerpt or ""}


def voice_fields(voice_note_id: int | None, duration_ms: int | None, transcript: str | None) -> dict:
    """A voice message's own fields on the wire (Message.to_dict, and the upload's hot path)."""
    return {"audio_url": f"/voice/{voice_note_id}" if voice_note_id else None, "duration_ms": duration_ms,
            "transcript": transcript}


class Message(db.Model):
    __tablename__ = "messages"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    companion_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companions.id"))
    sender: so.Mapped[str] = so.mapped_column(sa.String(8))
    type: so.Mapped[str] = so.mapped_column(sa.String(8), default="text")
    content: so.Mapped[str] = so.mapped_column(sa.Text)
    client_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    photo_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("photos.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    read_at: so.Mapped[datetime | None]
    # User messages only: set in the same commit as the companion's reply that answers them.
    answered_at: so.Mapped[datetime | None]
    edited_at: so.Mapped[datetime | None]
    # "streaming" while a companion's reply is being generated, "done" once it is whole.
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="done", server_default="done")
    # Companion replies of a crisis turn: "crisis", and the crisis lines shown under the reply.
    safety: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    resources_json: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The user's one reaction (an emoji of REACTIONS in actions/reactions.py) and when it was made.
    reaction: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    reacted_at: so.Mapped[datetime | None]
    # User messages that reply to another message of the conversation: its id, sender and an excerpt
    # of its text. Deleting it unlinks them (id and excerpt NULL, sender kept: "Deleted message").
    reply_to_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("messages.id"))
    reply_to_sender: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    reply_to_excerpt: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    # Companion messages she wrote first, after a quiet period (actions/proactive.py): True; else NULL.
    proactive: so.Mapped[bool | None]
    # Voice notes (type "voice"): the audio, its length and what the STT provider heard (None until then).
    voice_note_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("voice_notes.id"))
    duration_ms: so.Mapped[int | None]
    transcript: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Her text replies read aloud by the TTS provider (GET /api/messages/<id>/speech), once made.
    speech_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("voice_notes.id"))

    companion: so.Mapped[Companion] = so.relationship(lazy="joined")
    photo: so.Mapped[Photo | None] = so.relationship(lazy="joined")

    __table_args__ = (
        sa.Index("ix_messages_conversation", "user_id", "companion_id", "id"),
        # Partial indexes (migration 0010, which says why these predicates) that hold only the rows
        # their reads look for, so those reads do not grow with the history. A query uses one only
        # when its WHERE has the same terms: answered_at IS NULL, read_at IS NULL, status != 'done'.
        sa.Index("ix_messages_unanswered", "user_id", "companion_id", "sender", "id",
                 **_partial("answered_at IS NULL")),  # awaiting_reply
        sa.Index("ix_messages_unread", "user_id", "companion_id", "sender", "id",
                 **_partial("read_at IS NULL")),  # unread badges, the companion's read receipts
        sa.Index("ix_messages_streaming", "user_id", "companion_id",
                 **_partial("status <> 'done'")),  # replies being written
        sa.Index("ix_messages_reply_to", "reply_to_id", **_partial("reply_to_id IS NOT NULL")),  # quotes of one
        sa.UniqueConstraint("user_id", "client_id", name="uq_message_user_client"),
        # Deleted replies must not hand their id to the next message (clients key bubbles by id).
        {"sqlite_autoincrement": True},
    )

    @classmethod
    def awaiting_reply(cls, user_id: int, companion_id: int) -> sa.ColumnElement[bool]:
        """Where-clause: the user's messages in one conversation that the companion has not answered yet."""
        return sa.and_(cls.user_id == user_id, cls.companion_id == companion_id, cls.sender == Sender.USER,
                       cls.answered_at.is_(None))

    @property
    def photo_url(self) -> str | None:
        return f"/photos/{self.photo_id}" if self.photo_id else None

    def quote(self) -> dict | None:
        """The message this one replies to, as on the wire: {id, sender, excerpt}; once it is
        deleted, {id: null, sender, excerpt: null, deleted: true}; None when it replies to nothing."""
        if self.reply_to_sender is None:
            return None
        return quote_dict(self.reply_to_id, self.reply_to_sender, self.reply_to_excerpt)

    def to_dict(self) -> dict:
        data = {
            "id": self.id,
            "girl_id": self.companion.slug,
            "sender": self.sender,
            "type": self.type,
            "content": self.content,
            "created_at": isoformat(self.created_at),
            "read_at": isoformat(self.read_at),
        }
        if self.edited_at:
            data["edited_at"] = isoformat(self.edited_at)
        if self.status != "done":
            data["status"] = self.status
        if self.type == "photo":
            data["photo_url"] = self.photo_url
            if self.photo is not None and self.photo.width:
                data["photo_width"], data["photo_height"] = self.photo.width, self.photo.height
        if self.type == "voice":
            data.update(voice_fields(self.voice_note_id, self.duration_ms, self.transcript))
        if self.sender == Sender.USER:
            data["client_id"] = self.client_id
            data["reply_to"] = self.quote()
        if self.reaction:
            data["reaction"] = self.reaction
        if self.proactive:
            data["proactive"] = True
        if self.safety:
            data["safety"] = self.safety
            data["resources"] = json.loads(self.resources_json) if self.resources_json else None
        return data


class ReplyClaim(db.Model):
    """The process answering one conversation right now, until expires_at (tasks/claims.py): a
    conversation's replies are written by one process at a time; a stopped process's claim lapses."""

    __tablename__ = "reply_claims"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    companion_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companions.id"), primary_key=True)
    owner: so.Mapped[str] = so.mapped_column(sa.String(80))
    expires_at: so.Mapped[datetime]


class ConversationSetting(db.Model):
    """A conversation's own settings: whether the companion may write first (off by default), and
    the process writing such a message right now, until claim_expires_at (claimed once across processes)."""

    __tablename__ = "conversation_settings"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    companion_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companions.id"), primary_key=True)
    proactive: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    claimed_by: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    claim_expires_at: so.Mapped[datetime | None]

    __table_args__ = (
        # The opted-in conversations, for the periodic check (tasks/proactive.py).
        sa.Index("ix_conversation_settings_proactive", "user_id", "companion_id", **_partial("proactive")),
    )


class UserEvent(db.Model):
    """Every event that changed one of the user's conversations, numbered 1, 2, 3... per user,
    so a client that was away can ask for exactly what it missed."""

    __tablename__ = "user_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    seq: so.Mapped[int]
    name: so.Mapped[str] = so.mapped_column(sa.String(32))
    payload_json: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "seq", name="uq_user_event_seq"),)

    @property
    def payload(self) -> dict:
        return json.loads(self.payload_json)


class MemoryFact(db.Model):
    """Something the user told a companion about themselves, kept across sessions and shown on
    the memory page, where the user can correct or erase it."""

    __tablename__ = "memory_facts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    companion_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companions.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    value: so.Mapped[str] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    companion: so.Mapped[Companion] = so.relationship(lazy="joined")

    def as_line(self) -> str:
        return f"{self.kind}: {self.value}"


class Group(db.Model):
    """A group chat: the user with 2-4 companions (group_members). Its messages are group_messages,
    never messages, so one-to-one conversations and their queries are untouched. claimed_by and
    claim_expires_at: the process answering the group right now (tasks/claims.py), a lease."""

    __tablename__ = "groups"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(60))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    claimed_by: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    claim_expires_at: so.Mapped[datetime | None]

    members: so.Mapped[list[GroupMember]] = so.relationship(
        order_by="GroupMember.position", lazy="selectin", cascade="all, delete-orphan")

    __table_args__ = ({"sqlite_autoincrement": True},)

    @property
    def companions(self) -> list[Companion]:
        return [member.companion for member in self.members]


class GroupMember(db.Model):
    __tablename__ = "group_members"

    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("groups.id"), primary_key=True)
    companion_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companions.id"), primary_key=True)
    position: so.Mapped[int] = so.mapped_column(default=0)

    companion: so.Mapped[Companion] = so.relationship(lazy="joined")


# The partial index of the user's group messages waiting for their turn. Her replies and photos are
# stored with answered_at set, so they are never in it; the predicate names no sender (a "sender =
# 'user'" term would make SQLite re-prepare every statement binding sender: see migration 0010).
# Queries repeat it word for word so SQLite uses the index.
UNANSWERED_WHERE = "answered_at IS NULL"


class GroupMessage(db.Model):
    """A message of a group chat. The user's (sender "user", companion_id NULL) stay unanswered
    (answered_at NULL) until every reply of their turn is stored; her replies (sender "girl",
    companion_id: the companion who wrote it) carry their turn (turn_id: the newest user message they
    answer) and their place in it (turn_index), unique, so a resumed turn never stores one twice. With
    the turn's first reply its user messages get its turn_id too (turn_index NULL): a resumed turn
    answers exactly them, and a message sent in between waits for the next turn."""

    __tablename__ = "group_messages"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("groups.id"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    companion_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("companions.id"))
    sender: so.Mapped[str] = so.mapped_column(sa.String(8))
    type: so.Mapped[str] = so.mapped_column(sa.String(8), default="text")
    content: so.Mapped[str] = so.mapped_column(sa.Text)
    client_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    photo_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("photos.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    read_at: so.Mapped[datetime | None]
    answered_at: so.Mapped[datetime | None]
    turn_id: so.Mapped[int | None]
    turn_index: so.Mapped[int | None]
    safety: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    resources_json: so.Mapped[str | None] = so.mapped_column(sa.Text)

    __table_args__ = (
        sa.Index("ix_group_messages_group", "group_id", "id"),
        sa.Index("ix_group_messages_unanswered", "group_id", "id", **_partial(UNANSWERED_WHERE)),
        # Messages not read yet: hers until the user sees them, the user's until their turn is answered.
        sa.Index("ix_group_messages_unread", "group_id", "id", **_partial("read_at IS NULL")),
        sa.UniqueConstraint("user_id", "client_id", name="uq_group_message_user_client"),
        sa.UniqueConstraint("turn_id", "turn_index", name="uq_group_message_turn"),
        {"sqlite_autoincrement": True},
    )
