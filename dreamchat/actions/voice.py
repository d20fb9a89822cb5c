"""Voice notes: storing the user's note as a message, its transcript, and her replies' speech."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from dreamchat import tasks, writer
from dreamchat.actions.events import record_event
from dreamchat.actions.memory import remember_facts
from dreamchat.actions.messages import (BREAK_GAP, NOTE_CHATTING, StoredMessage, find_by_client_id,
                                        insert_user_message, remind_to_take_a_break)
from dreamchat.companions.directory import CompanionRef
from dreamchat.extensions import db
from dreamchat.models import Message, Sender, VoiceNote, isoformat, utcnow, voice_fields

voice_notes = VoiceNote.__table__


def send_voice_message(user_id: int, companion: CompanionRef, client_id: str, mime: str, audio: bytes,
                       duration_ms: int) -> StoredMessage:
    """Store the user's voice note (through the group-commit writer), tell every tab of the user
    (the upload came over HTTP, so its own tab too: it drops the event it already has by seq),
    and wake the companion. A client_id already stored returns that message; nothing new is stored."""
    stored = writer.write(store_voice_message, user_id, companion, client_id, mime, audio, duration_ms, utcnow())
    if stored.created:
        tasks.reply_later(user_id, companion.id)
    return stored


def store_voice_message(user_id: int, companion: CompanionRef, client_id: str, mime: str, audio: bytes,
                        duration_ms: int, now: datetime) -> StoredMessage:
    """The writer job of send_voice_message: the audio, the message (type "voice", no text), its
    message_received event and the break reminder's bookkeeping, in the writer's transaction."""
    existing = find_by_client_id(user_id, client_id)
    if existing is not None:
        return StoredMessage(existing.to_dict(), seq=None, created=False)
    connection = db.session.connection()
    note_id = connection.execute(sa.insert(voice_notes).returning(voice_notes.c.id), {
        "user_id": user_id, "kind": "note", "mime": mime, "data": audio, "created_at": now}).scalar_one()
    message_id = connection.execute(insert_user_message(), {
        "user_id": user_id, "companion_id": companion.id, "sender": Sender.USER.value, "type": "voice",
        "content": "", "client_id": client_id, "created_at": now, "status": "done", "voice_note_id": note_id,
        "duration_ms": duration_ms}).scalar()
    if message_id is None:  # the same client_id committed meanwhile by another process
        connection.execute(voice_notes.delete().where(voice_notes.c.id == note_id))
        return StoredMessage(find_by_client_id(user_id, client_id).to_dict(), seq=None, created=False)
    message = {"id": message_id, "girl_id": companion.slug, "sender": Sender.USER.value, "type": "voice",
               "content": "", "created_at": isoformat(now), "read_at": None,
               **voice_fields(note_id, duration_ms, None), "client_id": client_id, "reply_to": None}
    seq, chat_started_at, break_reminded_at = connection.execute(
        NOTE_CHATTING, {"uid": user_id, "now": now, "gap_start": now - BREAK_GAP}).one()
    event = record_event(user_id, "message_received", {"message": message}, seq=seq)
    remind_to_take_a_break(user_id, companion, now, chat_started_at, break_reminded_at)
    return StoredMessage(event["message"], seq=event["seq"], created=True)


def store_transcript(user_id: int, message_id: int, transcript: str | None) -> bool:
    """What the STT provider heard in a voice note (None: it failed; the note is not asked again).
    A transcript is shown under the note in every tab (message_updated) and its facts remembered
    (remember_facts, as for a typed message). False when the note is gone."""
    message = db.session.scalar(sa.select(Message).where(Message.id == message_id, Message.user_id == user_id,
                                                         Message.type == "voice"))
    if message is None or message.voice_note_id is None:
        db.session.rollback()
        return False
    db.session.execute(sa.update(VoiceNote).where(VoiceNote.id == message.voice_note_id)
                       .values(transcription="done" if transcript is not None else "failed"))
    if transcript:
        message.transcript = transcript
        db.session.flush()
        record_event(user_id, "message_updated", {"message": message.to_dict()})
        remember_facts(user_id, message.companion_id, transcript)  # as a typed message's words are
    db.session.commit()
    return True


def store_speech(user_id: int, message_id: int, mime: str, audio: bytes) -> int | None:
    """Keep the speech made for one of her replies; the id of the audio to serve (the one stored
    first, when two requests made it at once), or None when the reply is gone."""
    current = db.session.scalar(sa.select(Message.speech_id).where(Message.id == message_id,
                                                                   Message.user_id == user_id))
    if current is not None:
        db.session.rollback()
        return current
    note = VoiceNote(user_id=user_id, kind="speech", mime=mime, data=audio)
    db.session.add(note)
    db.session.flush()
    updated = db.session.execute(sa.update(Message).where(Message.id == message_id, Message.user_id == user_id,
                                                          Message.speech_id.is_(None))
                                 .values(speech_id=note.id)).rowcount
    if not updated:
        db.session.rollback()
        return db.session.scalar(sa.select(Message.speech_id).where(Message.id == message_id,
                                                                    Message.user_id == user_id))
    db.session.commit()
    return note.id

