"""Read receipts, both ways: the user has seen the companion's messages, the companion has read the user's."""
from __future__ import annotations

import sqlalchemy as sa

from dreamchat import writer
from dreamchat.actions.events import record_events
from dreamchat.extensions import db
from dreamchat.models import Message, Sender, isoformat, utcnow


def mark_read_by_user(user_id: int, companion, message_ids: list[int]) -> list[int]:
    """The user has seen these companion messages; returns the ids newly marked read."""
    return writer.write(mark_read, user_id, companion.id, companion.slug, Sender.COMPANION, tuple(message_ids))


def mark_read_by_companion(user_id: int, companion_id: int, companion_slug: str) -> list[int]:
    """The companion has read every unread user message in the conversation; returns their ids."""
    return writer.write(mark_read, user_id, companion_id, companion_slug, Sender.USER, None)


messages_table = Message.__table__
UNREAD = (sa.select(messages_table.c.id).where(
    messages_table.c.user_id == sa.bindparam("uid"), messages_table.c.companion_id == sa.bindparam("cid"),
    messages_table.c.sender == sa.bindparam("who"), messages_table.c.read_at.is_(None))
    .order_by(messages_table.c.id))
UNREAD_AMONG = UNREAD.where(messages_table.c.id.in_(sa.bindparam("ids", expanding=True)))
MARK_READ = (sa.update(messages_table).where(messages_table.c.id.in_(sa.bindparam("ids", expanding=True)))
             .values(read_at=sa.bindparam("now")))


def mark_read(user_id: int, companion_id: int, companion_slug: str, sender: Sender,
              message_ids: tuple[int, ...] | None) -> list[int]:
    """The write (a writer job): mark the unread messages of `sender` read (only message_ids when
    given), one message_read event each, to every tab of the user (the one that marked them too);
    the event's `sender` tells whose messages were read, so the sidebar's unread counts follow reads
    made elsewhere. Returns their ids."""
    connection = db.session.connection()
    parameters = {"uid": user_id, "cid": companion_id, "who": sender.value}
    if message_ids is None:
        ids = list(connection.execute(UNREAD, parameters).scalars())
    else:
        ids = list(connection.execute(UNREAD_AMONG, parameters | {"ids": list(message_ids)}).scalars())
    if not ids:
        return ids
    now = utcnow()
    connection.execute(MARK_READ, {"ids": ids, "now": now})
    read_at = isoformat(now)
    record_events(user_id, [("message_read", {"message_id": message_id, "girl_id": companion_slug, "read_at": read_at,
                                              "sender": sender.value})
                            for message_id in ids])
    return ids
