"""HTTP handlers of voice: uploading a voice note, playing it, and her replies spoken aloud."""
from __future__ import annotations

import io
import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request, send_file
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from dreamchat import quotas
from dreamchat.actions import messages, voice
from dreamchat.chat.validation import ASCII_DIGITS, CLIENT_ID_PATTERN, InputError, id_or_404, require_companion
from dreamchat.extensions import db
from dreamchat.models import Message, Sender, VoiceNote
from dreamchat.offload import run_blocking
from dreamchat.providers import ProviderError
from dreamchat.voice.audio import MIME_TYPES, min_duration_ms, read_note

log = logging.getLogger(__name__)

bp = Blueprint("voice", __name__)

# Recorders stop a frame or two after the limit: a note this much longer is still taken.
DURATION_GRACE_MS = 1000
AUDIO_MAX_AGE_SECONDS = 3600
# What a multipart body holds besides the audio: boundaries, part headers, the other fields.
MULTIPART_SLACK_BYTES = 16 * 1024


def api_error(status: int, code: str, message: str, retry_after: int | None = None):
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def too_large():
    limit = current_app.config["VOICE_MAX_BYTES"] or request.max_content_length or 0
    return api_error(413, "too_large", f"A voice note can be at most {limit // 1024} KB.")


@bp.url_value_preprocessor
def limit_the_upload_body(endpoint: str | None, values: dict | None) -> None:
    """Before anything reads an upload's body (the CSRF check reads the form): a body larger than
    VOICE_MAX_BYTES and a multipart's slack is refused unread, by its Content-Length, or as soon as
    reading passes the limit (no Content-Length). With VOICE_MAX_BYTES 0 the app's MAX_CONTENT_LENGTH holds."""
    if endpoint != "voice.upload":
        return
    max_bytes = current_app.config["VOICE_MAX_BYTES"]
    if max_bytes:
        request.max_content_length = max_bytes + MULTIPART_SLACK_BYTES
    limit = request.max_content_length
    if limit and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()


@bp.errorhandler(RequestEntityTooLarge)
def body_too_large(error: RequestEntityTooLarge):
    """An upload over the limit: the documented too_large, whichever limit it passed."""
    return too_large()


def client_duration_ms(raw: str | None) -> int | None:
    """The length the recorder measured (ASCII digits, milliseconds), used when the container says none."""
    if raw is None or not ASCII_DIGITS.fullmatch(raw):
        return None
    return int(raw)


@bp.post("/api/voice")
@login_required
def upload():
    """multipart {girl_id, client_id, audio, duration_ms?} -> {message, seq, duplicate}: store the user's
    voice note (Opus in WebM or Ogg) as a message of the conversation, tell every tab, wake her.

    Refused with a JSON error: 400 for a missing field or a note over VOICE_MAX_SECONDS, 404 for an
    unknown companion, 413 over VOICE_MAX_BYTES, 415 for audio that is not WebM or Ogg, 429 past the
    message rate or daily limit (the limits of send_message). A client_id already stored returns that
    message (200, duplicate true) and stores nothing.

    The body is refused (413 too_large) before it is read when it is larger than VOICE_MAX_BYTES and
    a multipart's slack (with VOICE_MAX_BYTES 0, the app's request limit MAX_CONTENT_LENGTH still
    holds); the rate and daily limits are checked before the audio is parsed, and the length counted
    is never less than the file's size at Opus's highest bitrate (voice/audio.py min_duration_ms)."""
    config = current_app.config
    max_bytes = config["VOICE_MAX_BYTES"]
    form = request.form
    upload_file = request.files.get("audio")
    try:
        companion = require_companion({"girl_id": form.get("girl_id")})
    except InputError as error:
        return api_error(404 if error.code == "not_found" else 400, error.code, error.message)
    client_id = form.get("client_id") or ""
    if not CLIENT_ID_PATTERN.fullmatch(client_id):
        return api_error(400, "invalid", "client_id must be 8 to 64 letters, digits, dashes or underscores.")
    if upload_file is None:
        return api_error(400, "invalid", "Attach the recording as the file field `audio`.")
    audio = upload_file.read(max_bytes + 1) if max_bytes else upload_file.read()
    if max_bytes and len(audio) > max_bytes:
        return too_large()
    existing = messages.find_by_client_id(current_user.id, client_id)
    if existing is not None:
        return jsonify(message=existing.to_dict(), seq=None, duplicate=True)
    try:  # before the audio is parsed: a refused upload costs no parsing
        quotas.check(current_user.id, "message")
    except quotas.LimitReached as refused:
        return api_error(429, refused.code, refused.message, refused.retry_after)
    container, duration = run_blocking(read_note, audio)
    if container is None:
        return api_error(415, "unsupported_type", "Voice notes must be Opus audio in WebM or Ogg.")
    max_ms = int(config["VOICE_MAX_SECONDS"] * 1000)
    if duration is None:
        duration = client_duration_ms(form.get("duration_ms"))
        if duration is None:
            return api_error(400, "invalid", "The recording does not say how long it is: send duration_ms.")
    # The container and duration_ms are the client's: a note is never shorter than its size allows.
    duration = max(duration, min_duration_ms(len(audio)))
    if max_ms and duration > max_ms + DURATION_GRACE_MS:
        return api_error(400, "too_long", f"A voice note can be at most {config['VOICE_MAX_SECONDS']:g} seconds.")
    if max_ms:
        duration = min(duration, max_ms)
    stored = voice.send_voice_message(current_user.id, companion, client_id, MIME_TYPES[container], audio, duration)
    if stored.created:
        quotas.count_generation(current_user.id)
    return jsonify(message=stored.message, seq=stored.seq, duplicate=not stored.created)


def audio_response(note_id: int):
    """The audio, to its owner only (404 otherwise), with byte ranges (players seek with them)."""
    note = db.session.scalar(sa.select(VoiceNote).where(VoiceNote.id == note_id, VoiceNote.user_id == current_user.id)
                             .options(sa.orm.undefer(VoiceNote.data)))
    if note is None:
        return api_error(404, "not_found", "No such recording.")
    response = send_file(io.BytesIO(note.data), mimetype=note.mime, conditional=True, etag=False,
                         max_age=AUDIO_MAX_AGE_SECONDS)
    # Owner-only and never changing: the owner's browser may keep it an hour, no shared cache may.
    response.headers["Cache-Control"] = f"private, max-age={AUDIO_MAX_AGE_SECONDS}"
    response.headers["Vary"] = "Cookie"
    return response


@bp.get("/voice/<note_id>")
@login_required
def play(note_id: str):
    """A voice note's audio (its audio_url), to its owner only."""
    return audio_response(id_or_404(note_id))


@bp.get("/api/messages/<message_id>/speech")
@login_required
def speech(message_id: str):
    """Her text reply read aloud by the TTS provider (TTS_PROVIDER=openai), made once and then served
    from the store. 404 for a message that is not one of her finished text replies to this user, or
    when no TTS provider is set (the page then uses the browser's own voice); 502 when the provider
    fails; 429 past the message rate (making speech is a generation of its own)."""
    speaker = current_app.extensions.get("speech_provider")
    row = db.session.execute(sa.select(Message.content, Message.speech_id).where(
        Message.id == id_or_404(message_id), Message.user_id == current_user.id, Message.sender == Sender.COMPANION,
        Message.type == "text", Message.status == "done")).one_or_none()
    if row is None:
        return api_error(404, "not_found", "No such message.")
    if row.speech_id is not None:
        return audio_response(row.speech_id)
    if speaker is None:
        return api_error(404, "not_configured", "No speech provider is set up: the browser reads messages aloud.")
    config = current_app.config
    if not quotas.attempt_allowed(current_user.id, "speech", config["RATE_LIMIT_MESSAGES"],
                                  config["RATE_LIMIT_WINDOW_SECONDS"]):
        return api_error(429, "rate_limited", "Slow down a little and try again in a moment.")
    text, user_id, wanted = row.content, current_user.id, int(message_id)
    db.session.close()  # no transaction open while the provider speaks
    try:
        spoken = speaker.speak(text)
    except ProviderError as error:
        log.warning("speech provider failed (%s)", error.kind)
        return api_error(502, "speech_failed", "Couldn't make the audio right now; try again.")
    note_id = voice.store_speech(user_id, wanted, spoken.mime, spoken.data)
    if note_id is None:
        return api_error(404, "not_found", "No such message.")
    return audio_response(note_id)
