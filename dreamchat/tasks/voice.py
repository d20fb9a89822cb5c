"""Transcribing the voice notes a reply is about to answer (STT_PROVIDER), before she reads them.

Each note is asked of the provider once, with no database transaction open during the call; its
transcript is stored on the message and shown in every tab (actions/voice.py store_transcript).
Before each note the reply task's claim is renewed for as long as the provider may take (the
scheduler's transcription_lease), so no other process takes the conversation over meanwhile; when
another process already has, transcribing stops (that process transcribes what is left).
A failure is logged (never the audio or its words) and the note is answered as unheard.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from dreamchat.actions import voice
from dreamchat.extensions import db
from dreamchat.models import Message, Sender, VoiceNote
from dreamchat.providers import ProviderError

log = logging.getLogger(__name__)

WAITING_NOTES = (sa.select(Message.id, Message.voice_note_id)
                 .join(VoiceNote, VoiceNote.id == Message.voice_note_id)
                 .where(Message.user_id == sa.bindparam("uid"), Message.companion_id == sa.bindparam("cid"),
                        Message.sender == Sender.USER, Message.answered_at.is_(None), Message.type == "voice",
                        VoiceNote.transcription.is_(None))
                 .order_by(Message.id))
AUDIO = sa.select(VoiceNote.mime, VoiceNote.data).where(VoiceNote.id == sa.bindparam("vid"))


def transcribe_voice_notes(app: Flask, user_id: int, companion_id: int,
                           keep_claim: Callable[[], bool] | None = None) -> bool:
    """Transcribe the conversation's unanswered voice notes not tried yet (nothing without STT).
    keep_claim is called before each note (it commits); False from it stops here, and so does this (False)."""
    transcriber = app.extensions.get("transcriber")
    if transcriber is None:
        return True
    waiting = db.session.execute(WAITING_NOTES, {"uid": user_id, "cid": companion_id}).all()
    db.session.close()
    for message_id, voice_note_id in waiting:
        if keep_claim is not None:
            kept = keep_claim()
            db.session.close()
            if not kept:
                log.info("voice notes of user=%s companion=%s: another process took the conversation over",
                         user_id, companion_id)
                return False
        audio = db.session.execute(AUDIO, {"vid": voice_note_id}).one_or_none()
        db.session.close()
        if audio is None:
            continue
        try:
            transcript = transcriber.transcribe(audio.data, audio.mime)
        except ProviderError as error:
            log.warning("voice note %s could not be transcribed (%s)", message_id, error.kind)
            transcript = None
        except Exception:  # noqa: BLE001 - an unheard note is still answered
            log.exception("voice note %s could not be transcribed", message_id)
            transcript = None
        voice.store_transcript(user_id, message_id, transcript)
        db.session.close()
    return True
