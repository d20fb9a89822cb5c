"""Speech providers: transcribing voice notes (STT) and reading her replies aloud (TTS).

Both speak the OpenAI audio API (/audio/transcriptions, /audio/speech) to any compatible server.
They are called from background work or a request thread with no database transaction open; they
block on the network and raise ProviderError. None of them logs what was said.
"""
from __future__ import annotations

from dataclasses import dataclass

import openai

from dreamchat.ai.openai_provider import provider_error
from dreamchat.providers import ProviderError

MAX_SPEECH_BYTES = 8 * 1024 * 1024
SPEECH_FORMAT = "mp3"
FILE_SUFFIX = {"audio/webm": "webm", "audio/ogg": "ogg"}


@dataclass(frozen=True)
class Speech:
    data: bytes
    mime: str


class OpenAITranscriber:
    """STT_PROVIDER=openai: POST /audio/transcriptions (multipart: the note and STT_MODEL)."""

    name = "openai"

    def __init__(self, base_url: str, api_key: str, model: str, timeout: float) -> None:
        self.model = model
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout,
                                     max_retries=1)

    def transcribe(self, data: bytes, mime: str) -> str:
        """The words of a voice note (may be empty when nothing was said)."""
        try:
            result = self._client.audio.transcriptions.create(
                model=self.model, file=(f"note.{FILE_SUFFIX.get(mime, 'webm')}", data, mime))
        except openai.OpenAIError as error:
            raise provider_error(error) from error
        text = getattr(result, "text", None)
        if not isinstance(text, str):
            raise ProviderError("malformed", "the transcription has no text", retryable=False)
        return " ".join(text.split())


class OpenAISpeaker:
    """TTS_PROVIDER=openai: POST /audio/speech (TTS_MODEL, TTS_VOICE), answered with audio bytes."""

    name = "openai"

    def __init__(self, base_url: str, api_key: str, model: str, voice: str, timeout: float) -> None:
        self.model, self.voice = model, voice
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout,
                                     max_retries=1)

    def speak(self, text: str) -> Speech:
        """Her words as audio (mp3 by default; the server's Content-Type when it is audio/*)."""
        try:
            response = self._client.audio.speech.with_raw_response.create(
                model=self.model, voice=self.voice, input=text, response_format=SPEECH_FORMAT)
        except openai.OpenAIError as error:
            raise provider_error(error) from error
        data = response.content
        if not data or len(data) > MAX_SPEECH_BYTES:
            raise ProviderError("malformed", "the speech audio is empty or too large", retryable=False)
        mime = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
        return Speech(data, mime if mime.startswith("audio/") and len(mime) <= 40 else "audio/mpeg")


def create_transcriber(config) -> OpenAITranscriber | None:
    """The STT provider of STT_PROVIDER ("none": voice notes are not transcribed)."""
    choice = config["STT_PROVIDER"]
    if choice == "none":
        return None
    if choice != "openai":
        raise SystemExit(f"STT_PROVIDER must be none or openai, got {choice!r}")
    return OpenAITranscriber(config["STT_BASE_URL"], config["STT_API_KEY"], config["STT_MODEL"],
                             config["STT_TIMEOUT_SECONDS"])


def create_speaker(config) -> OpenAISpeaker | None:
    """The TTS provider of TTS_PROVIDER ("none": the browser's own voice reads her replies)."""
    choice = config["TTS_PROVIDER"]
    if choice == "none":
        return None
    if choice != "openai":
        raise SystemExit(f"TTS_PROVIDER must be none or openai, got {choice!r}")
    return OpenAISpeaker(config["TTS_BASE_URL"], config["TTS_API_KEY"], config["TTS_MODEL"],
                         config["TTS_VOICE"], config["TTS_TIMEOUT_SECONDS"])
