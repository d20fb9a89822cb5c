"""Group chats: create one, the user's messages in it, her replies turn by turn, read receipts.

Group messages live in group_messages (models.GroupMessage), apart from one-to-one messages, so no
one-to-one page or query ever sees them. Events: group_message_received, group_message_read (in
the user's seq like every conversation event, so replayed after a reconnect), and typing with a
group_id (passing, not stored).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dreamchat import writer
from dreamchat.actions.events import emit_to_user, record_event
from dreamchat.extensions import db
from dreamchat.models import Group, GroupMember, GroupMessage, Sender, isoformat, utcnow

MIN_MEMBERS, MAX_MEMBERS = 2, 4
UNREAD_SHOWN = 100    # as chat.routes.UNREAD_SHOWN and static/js/chat/unread.js
PREVIEW_LENGTH = 140  # as chat.routes.PREVIEW_LENGTH
table = GroupMessage.__table__


@dataclass(frozen=True)
class StoredGroupMessage:
    message: dict
    seq: int | None
    created: bool


def message_dict(row, slugs: dict[int, str]) -> dict:
    """A group message on the wire: like a one-to-one message, with group_id, and girl_id = the
    companion who wrote it (None for the user's)."""
    data = {"id": row.id, "group_id": row.group_id, "girl_id": slugs.get(row.companion_id) if row.companion_id else None,
            "sender": row.sender, "type": row.type, "content": row.content,
            "created_at": isoformat(row.created_at), "read_at": isoformat(row.read_at)}
    if row.type == "photo":
        data["photo_url"] = f"/photos/{row.photo_id}"
    if row.sender == Sender.USER:
        data["client_id"] = row.client_id
    if row.safety:
        data["safety"] = row.safety
        data["resources"] = json.loads(row.resources_json) if row.resources_json else None
    return data


def own_group(user_id: int, group_id: int) -> Group | None:
    """The user's group with this id; None for another user's (or none)."""
    return db.session.scalar(sa.select(Group).where(Group.id == group_id, Group.user_id == user_id))


def user_groups(user_id: int) -> list[Group]:
    return list(db.session.scalars(sa.select(Group).where(Group.user_id == user_id).order_by(Group.id.desc())))


def group_count(user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Group).where(Group.user_id == user_id))


def create_group(user_id: int, name: str, companion_ids: list[int]) -> Group:
    """A new group of the user with these companions (2-4, in this order); commits."""
    if not MIN_MEMBERS <= len(set(companion_ids)) == len(companion_ids) <= MAX_MEMBERS:
        raise ValueError("a group has 2 to 4 different companions")
    group = Group(user_id=user_id, name=name)
    group.members = [GroupMember(companion_id=cid, position=index) for index, cid in enumerate(companion_ids)]
    db.session.add(group)
    db.session.commit()
    return group


def history(group_id: int, slugs: dict[int, str], limit: int = 200, around: int | None = None) -> list[dict]:
    """The group's newest `limit` messages, oldest first; with around (a search result), the
    messages around that one instead (half before it)."""
    query = sa.select(table).where(table.c.group_id == group_id)
    if around is not None:
        older = db.session.execute(query.where(table.c.id < around).order_by(table.c.id.desc())
                                   .limit(limit // 2)).all()
        newer = db.session.execute(query.where(table.c.id >= around).order_by(table.c.id)
                                   .limit(limit - limit // 2)).all()
        return [message_dict(row, slugs) for row in [*reversed(older), *newer]]
    rows = db.session.execute(query.order_by(table.c.id.desc()).limit(limit)).all()
    return [message_dict(row, slugs) for row in reversed(rows)]


def _insert_ignoring(*conflict_columns: str):
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns)).returning(table.c.id)


def send_group_message(user_id: int, group_id: int, content: str, client_id: str | None,
                       slugs: dict[int, str], sender_sid: str | None = None) -> StoredGroupMessage:
    """Store the user's message in the group (a repeated client_id returns the stored one, emits
    nothing); its group_message_received reaches the user's other tabs. The caller schedules the turn."""
    return writer.write(_write_user_message, user_id, group_id, content, client_id, slugs, sender_sid)


def _write_user_message(user_id, group_id, content, client_id, slugs, sender_sid) -> StoredGroupMessage:
    connection = db.session.connection()
    now = utcnow()
    values = {"group_id": group_id, "user_id": user_id, "companion_id": None, "sender": Sender.USER.value,
              "type": "text", "content": content, "client_id": client_id, "created_at": now}
    new_id = connection.execute(_insert_ignoring("user_id", "client_id").values(**values)).scalar()
    if new_id is None:
        row = connection.execute(sa.select(table).where(table.c.user_id == user_id,
                                                        table.c.client_id == client_id)).one()
        return StoredGroupMessage(message_dict(row, slugs), None, False)
    message = message_dict(_Row(id=new_id, read_at=None, safety=None, **values), slugs)
    event = record_event(user_id, "group_message_received", {"message": message}, skip_sid=sender_sid)
    return StoredGroupMessage(message, event["seq"], True)


class _Row(dict):
    """A row built in memory (the hot path does not read back what it wrote)."""

    __getattr__ = dict.get


def stored_turn_indexes(turn_id: int) -> set[int]:
    """The places of this turn whose reply is already stored (a turn resumed after a restart)."""
    return set(stored_turn_replies(turn_id))


def stored_turn_replies(turn_id: int) -> dict[int, tuple[int, str]]:
    """The replies this turn already stored, by place: {turn_index: (companion_id, content)}, in place order."""
    return {row.turn_index: (row.companion_id, row.content) for row in db.session.execute(
        sa.select(table.c.turn_index, table.c.companion_id, table.c.content)
        .where(table.c.turn_id == turn_id, table.c.turn_index.is_not(None)).order_by(table.c.turn_index))}


def end_turn_early(group_id: int, answered_ids: list[int]) -> None:
    """A turn cut short (a crisis message came meanwhile): its user messages are answered by the
    replies already stored; the next turn answers what came after."""
    writer.write(_mark_answered, group_id, tuple(answered_ids))


def _mark_answered(group_id, answered_ids) -> None:
    now = utcnow()
    db.session.connection().execute(table.update().where(
        table.c.group_id == group_id, table.c.id.in_(answered_ids), table.c.answered_at.is_(None))
        .values(answered_at=now, read_at=now))


def store_group_reply(user_id: int, group_id: int, companion, text: str, turn_id: int, turn_index: int,
                      answered_ids: list[int], last: bool, safety: str | None = None,
                      resources: dict | None = None) -> dict | None:
    """Store one companion's reply of a turn, once: (turn_id, turn_index) is unique, so a reply
    already stored (by this turn before a restart) is not stored again (None). With last, the turn's
    user messages are marked answered in the same commit: until then a restart resumes the turn."""
    return writer.write(_write_group_reply, user_id, group_id, companion, text, turn_id, turn_index,
                        tuple(answered_ids), last, safety, resources)


def _write_group_reply(user_id, group_id, companion, text, turn_id, turn_index, answered_ids, last, safety,
                       resources) -> dict | None:
    connection = db.session.connection()
    now = utcnow()
    resources_json = json.dumps(resources, ensure_ascii=False) if resources else None
    values = {"group_id": group_id, "user_id": user_id, "companion_id": companion.id,
              "sender": Sender.COMPANION.value, "type": "text", "content": text, "created_at": now,
              "turn_id": turn_id, "turn_index": turn_index, "safety": safety, "resources_json": resources_json,
              "answered_at": now}  # hers are never waiting: only the user's are in ix_group_messages_unanswered
    new_id = connection.execute(_insert_ignoring("turn_id", "turn_index").values(**values)).scalar()
    # The turn's membership is fixed with its first reply: its user messages carry its id, so a turn
    # resumed after a restart answers exactly them (a message sent in between goes to the next turn).
    connection.execute(table.update().where(table.c.id.in_(answered_ids), table.c.sender == Sender.USER.value,
                                            table.c.turn_id.is_(None)).values(turn_id=turn_id))
    if last:
        # Read by the companions as they answer (so the unread index holds only what waits).
        connection.execute(table.update().where(table.c.id.in_(answered_ids), table.c.answered_at.is_(None))
                           .values(answered_at=now, read_at=now))
    if new_id is None:
        return None
    message = message_dict(_Row(id=new_id, read_at=None, client_id=None, **values), {companion.id: companion.slug})
    return record_event(user_id, "group_message_received", {"message": message})["message"]


def set_group_typing(user_id: int, group_id: int, companion_slug: str, is_typing: bool) -> None:
    """Passing, like one-to-one typing: one companion of the group is writing."""
    emit_to_user(user_id, "typing", {"girl_id": companion_slug, "group_id": group_id, "is_typing": is_typing})


def report_group_failure(user_id: int, group_id: int, code: str, message: str) -> None:
    """The turn could not be written: the user's messages stay unanswered (resumed at the next start)."""
    record_event(user_id, "chat_error", {"group_id": group_id, "girl_id": None, "code": code, "message": message})
    db.session.commit()


def mark_group_read(user_id: int, group_id: int, message_ids: list[int]) -> list[int]:
    """The companions' messages of the group the user has seen; group_message_read for the newly read."""
    now = utcnow()
    marked = list(db.session.scalars(table.update().where(
        table.c.id.in_(message_ids), table.c.group_id == group_id, table.c.user_id == user_id,
        table.c.sender == Sender.COMPANION.value, table.c.read_at.is_(None)).values(read_at=now).returning(table.c.id)))
    if marked:
        record_event(user_id, "group_message_read", {"group_id": group_id, "message_ids": sorted(marked),
                                                     "read_at": isoformat(now)})
    db.session.commit()
    return sorted(marked)


def unread_counts(user_id: int) -> dict[int, int]:
    """Per group of the user: her messages the user has not seen (along ix_group_messages_unread)."""
    groups_table = Group.__table__
    return dict(db.session.execute(sa.select(table.c.group_id, sa.func.count()).where(
        table.c.group_id.in_(sa.select(groups_table.c.id).where(groups_table.c.user_id == user_id)),
        table.c.read_at.is_(None), table.c.sender == Sender.COMPANION.value)
        .group_by(table.c.group_id)).all())


def last_messages(user_id: int) -> dict[int, dict]:
    """Per group of the user: its newest message (for the lists); one step back along
    ix_group_messages_group per group, whatever the history."""
    groups_table = Group.__table__
    newest = (sa.select(sa.func.max(table.c.id)).where(table.c.group_id == groups_table.c.id)
              .correlate(groups_table).scalar_subquery())
    ids = [row for row in db.session.scalars(sa.select(newest).where(groups_table.c.user_id == user_id)) if row]
    if not ids:
        return {}
    from dreamchat.companions import directory

    rows = db.session.execute(sa.select(table).where(table.c.id.in_(ids))).all()
    authors = {row.companion_id: directory.by_id(row.companion_id) for row in rows if row.companion_id}
    return {row.group_id: {"id": row.id, "type": row.type, "sender": row.sender,
                           "content": "📷 Photo" if row.type == "photo" else (row.content or "")[:PREVIEW_LENGTH],
                           "girl_id": authors[row.companion_id].slug if authors.get(row.companion_id) else None,
                           "girl_name": authors[row.companion_id].name if authors.get(row.companion_id) else None,
                           "created_at": isoformat(row.created_at)} for row in rows}


def unread_ids(user_id: int) -> dict[int, list[int]]:
    """Per group of the user: the ids of her messages the user has not seen, newest first, at most
    UNREAD_SHOWN (what the lists count by, as for one-to-one: static/js/chat/unread.js)."""
    groups_table = Group.__table__
    place = sa.func.row_number().over(partition_by=table.c.group_id, order_by=table.c.id.desc()).label("place")
    unread = (sa.select(table.c.group_id, table.c.id, place).where(
        table.c.group_id.in_(sa.select(groups_table.c.id).where(groups_table.c.user_id == user_id)),
        table.c.read_at.is_(None), table.c.sender == Sender.COMPANION.value).subquery())
    found: dict[int, list[int]] = {}
    for group_id, message_id in db.session.execute(sa.select(unread.c.group_id, unread.c.id)
                                                   .where(unread.c.place <= UNREAD_SHOWN)
                                                   .order_by(unread.c.group_id, unread.c.id.desc())):
        found.setdefault(group_id, []).append(message_id)
    return found


def own_group_member_ids(user_id: int, group_id: int) -> list[int]:
    """The companions of the user's group, in order; [] when it is not the user's (or does not exist)."""
    members = GroupMember.__table__
    return list(db.session.scalars(
        sa.select(members.c.companion_id).join(Group.__table__, Group.__table__.c.id == members.c.group_id)
        .where(Group.__table__.c.id == group_id, Group.__table__.c.user_id == user_id).order_by(members.c.position)))


def store_group_photo(photo, caption: str, now: datetime) -> dict:
    """A photo asked for in a group chat, made: her photo message in the group (in the caller's
    transaction, which marked the photo done), announced with group_message_received; commits."""
    from dreamchat.companions import directory

    companion = directory.by_id(photo.companion_id)
    values = {"group_id": photo.group_id, "user_id": photo.user_id, "companion_id": photo.companion_id,
              "sender": Sender.COMPANION.value, "type": "photo", "content": caption, "photo_id": photo.id,
              "created_at": now, "answered_at": now}
    new_id = db.session.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()
    message = message_dict(_Row(id=new_id, read_at=None, client_id=None, safety=None, **values),
                           {photo.companion_id: companion.slug if companion else None})
    message["photo_width"], message["photo_height"] = photo.width, photo.height
    stored = record_event(photo.user_id, "group_message_received", {"message": message})["message"]
    db.session.commit()
    return stored


def summaries(user_id: int) -> list[dict]:
    """The user's group chats for the sidebar and the companion list, newest group first: id, name,
    members (slugs), names, the last message, the unread count and the ids counted (newest UNREAD_SHOWN)."""
    found = user_groups(user_id)
    if not found:
        return []
    last, unread = last_messages(user_id), unread_ids(user_id)
    return [{"id": group.id, "name": group.name, "members": [c.slug for c in group.companions],
             "names": ", ".join(c.name for c in group.companions), "last": last.get(group.id),
             "unread": len(unread.get(group.id, [])), "unread_ids": unread.get(group.id, [])} for group in found]


def find_by_client_id(user_id: int, client_id: str, slugs: dict[int, str]) -> dict | None:
    row = db.session.execute(sa.select(table).where(table.c.user_id == user_id, table.c.client_id == client_id)).first()
    return message_dict(row, slugs) if row else None
