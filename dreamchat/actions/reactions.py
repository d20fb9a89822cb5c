"""Reactions: the user's one emoji on any message of their conversation, theirs or hers (like WhatsApp).

A reaction is stored on the message (reaction, reacted_at) and recorded as a `message_reaction`
event, so every tab shows it and `sync` replays it. It asks for no reply: the companion sees the
reactions made since her last reply when she next answers (tasks/reply.py, ReplyRequest.reactions).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from dreamchat.actions.events import record_event
from dreamchat.companions.directory import CompanionRef
from dreamchat.extensions import db
from dreamchat.models import Message, utcnow

# The picker's emoji, exactly as the client sends them (❤️ with its variation selector).
REACTIONS = ("❤️", "😂", "😮", "😢", "👍", "🔥")

messages_table = Message.__table__
REACTABLE = (sa.select(messages_table.c.reaction).where(
    messages_table.c.id == sa.bindparam("mid"), messages_table.c.user_id == sa.bindparam("uid"),
    messages_table.c.companion_id == sa.bindparam("cid"), messages_table.c.status == "done"))
SET_REACTION = (sa.update(messages_table).where(messages_table.c.id == sa.bindparam("mid"))
                .values(reaction=sa.bindparam("emoji"), reacted_at=sa.bindparam("now")))


@dataclass(frozen=True)
class ReactionSet:
    message_id: int
    emoji: str | None
    seq: int | None  # None when the message already had this reaction (nothing recorded)


def react(user_id: int, companion: CompanionRef, message_id: int, emoji: str | None) -> ReactionSet | None:
    """Put the user's reaction on a message of their conversation with companion (emoji None takes
    it away), record message_reaction and commit. None when there is no such finished message."""
    connection = db.session.connection()
    found = connection.execute(REACTABLE, {"mid": message_id, "uid": user_id, "cid": companion.id}).one_or_none()
    if found is None:
        return None
    if found.reaction == emoji:
        db.session.rollback()
        return ReactionSet(message_id, emoji, seq=None)
    connection.execute(SET_REACTION, {"mid": message_id, "emoji": emoji, "now": utcnow() if emoji else None})
    event = record_event(user_id, "message_reaction",
                         {"girl_id": companion.slug, "message_id": message_id, "emoji": emoji})
    db.session.commit()
    return ReactionSet(message_id, emoji, seq=event["seq"])
