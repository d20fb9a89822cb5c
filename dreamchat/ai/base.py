"""The reply provider interface: who composes the companion's answers."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from dreamchat.companions.persona import Persona


@dataclass(frozen=True)
class ChatLine:
    """One message of the conversation as a provider sees it (no ids, no timestamps)."""

    sender: Literal["user", "girl"]
    content: str
    type: Literal["text", "photo", "voice"] = "text"  # a voice note's content is its transcript ("" without)


@dataclass(frozen=True)
class Reaction:
    """An emoji the user put on a message: on one of hers ("girl") or on their own ("user")."""

    emoji: str
    sender: Literal["user", "girl"]
    content: str


@dataclass(frozen=True)
class ReplyRequest:
    """Everything a provider may use to answer; plain data, no database session behind it.

    history holds the conversation oldest first and ends with new_messages, the user's
    messages this reply answers (one or more: a burst gets one answer). memory holds facts the
    user told the companion in earlier sessions, one short line each ("name: Alex"). avoid holds
    replies the user asked to regenerate: the new one should differ from them. crisis is set when
    the safety check found that the user may be in danger: the provider answers with care only.
    proactive is set when she writes first, after the user has been quiet for a while: new_messages
    is empty and history ends with her own last message; she opens, drawing on memory or her day.
    new_messages holds the transcripts of new voice notes; unheard_voice_notes counts those that
    could not be transcribed (no STT provider, or it failed): she got them but cannot know what they say.
    """

    persona: Persona
    user_name: str
    history: tuple[ChatLine, ...]
    new_messages: tuple[str, ...]
    conversation_key: str
    memory: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    crisis: bool = False
    quoted: tuple[str, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    proactive: bool = False
    unheard_voice_notes: int = 0
    # A group chat: the names of the other companions in it (history lines of theirs start with
    # "Name: "); empty in a one-to-one conversation. brief: a short extra word after the others.
    group: tuple[str, ...] = ()
    brief: bool = False


@dataclass(frozen=True)
class Reply:
    """The companion's answer; photo_context is set when the user asked for a photo."""

    text: str
    photo_context: str | None = None


class ReplyProvider(ABC):
    """Composes the companion's next message. Called from a background task with no
    database transaction open; it may block on the network."""

    name: str = "base"
    # True when stream() yields the reply piece by piece as a model generates it.
    streams: bool = False

    @abstractmethod
    def compose(self, request: ReplyRequest) -> Reply:
        """Return the companion's reply to request.new_messages."""

    def stream(self, request: ReplyRequest) -> Iterator[str]:
        """Yield the reply text in pieces as it is generated; the pieces joined are the reply.
        Providers that cannot stream yield it whole."""
        yield self.compose(request).text

