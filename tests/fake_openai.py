"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat completions API, scripted per test.

    from tests.fake_openai import reply, rate_limited

    def test_something(fake_openai):  # the fixture, registered by tests/conftest.py's pytest_plugins
        fake_openai.script(rate_limited(), reply("Hi there", deltas=3))
        ... OpenAI(base_url=fake_openai.base_url) ...
        assert fake_openai.requests[0]["messages"][0]["role"] == "system"

Each request to /v1/chat/completions takes the next scripted behaviour (a normal reply "ok" when
the script is empty) and is recorded (parsed JSON body in .requests, headers in .headers) before
the server acts. /v1/audio/transcriptions answers {"text": fake.transcript} (an `X-Fake-Transcript`
header on the request wins), /v1/audio/speech a short valid WAV; both are recorded in .audio_requests
(path, headers, multipart fields or JSON body). Streams use chunked transfer encoding like the real API, so a cut is a real
truncated HTTP body.
"""
from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

DEFAULT_TEXT = "ok"
DEFAULT_TRANSCRIPT = "I just got back from the beach and the sunset was amazing"


@dataclass(frozen=True)
class Behaviour:
    """What the server does with one request; build with the functions below."""

    kind: str
    text: str = DEFAULT_TEXT
    deltas: int = 3
    chunk_delay: float = 0.0
    seconds: float = 0.0
    status: int = 200
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    after: int = 0
    abrupt: bool = True
    finish_reason: str = "stop"


def reply(text: str = DEFAULT_TEXT, *, deltas: int = 3, chunk_delay: float = 0.0,
          finish_reason: str = "stop") -> Behaviour:
    """A normal answer: streamed as a role chunk, `deltas` content chunks (chunk_delay seconds apart),
    a finish chunk and [DONE]; or one JSON completion when the request does not ask for a stream."""
    return Behaviour("reply", text=text, deltas=deltas, chunk_delay=chunk_delay, finish_reason=finish_reason)


def slow(seconds: float, text: str = DEFAULT_TEXT) -> Behaviour:
    """Wait `seconds` before answering at all (longer than the client's timeout)."""
    return Behaviour("slow", text=text, seconds=seconds)


def error(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Behaviour:
    """An HTTP error with an OpenAI-style JSON error body."""
    body = body if body is not None else {"error": {"message": f"fake error {status}", "type": "server_error",
                                                    "param": None, "code": None}}
    return Behaviour("error", status=status, body=body, headers=tuple((headers or {}).items()))


def server_error(status: int = 500) -> Behaviour:
    return error(status)


def rate_limited(retry_after: str = "1") -> Behaviour:
    """429 with Retry-After (seconds or an HTTP date)."""
    return error(429, {"error": {"message": "Rate limit reached", "type": "requests", "param": None,
                                 "code": "rate_limit_exceeded"}}, {"Retry-After": retry_after})


def quota_exceeded(status: int = 429) -> Behaviour:
    """OpenAI's "insufficient_quota" error (billing), which a retry cannot fix."""
    return error(status, {"error": {"message": "You exceeded your current quota.", "type": "insufficient_quota",
                                    "param": None, "code": "insufficient_quota"}}, {"Retry-After": "1"})


def malformed(after: int = 0, text: str = DEFAULT_TEXT) -> Behaviour:
    """`after` good content chunks of text, then `data: {not json`, then the rest of a normal stream."""
    return Behaviour("malformed", text=text, after=after)


def cut(text: str = DEFAULT_TEXT, *, after: int = 1, deltas: int = 3, abrupt: bool = True) -> Behaviour:
    """Send `after` of `deltas` content chunks, then stop: no finish_reason, no [DONE]. abrupt closes
    the socket mid-body; otherwise the HTTP body ends properly but the stream is still unfinished."""
    return Behaviour("cut", text=text, after=after, deltas=deltas, abrupt=abrupt)


def split_text(text: str, parts: int) -> list[str]:
    """text in `parts` consecutive non-empty pieces (fewer if text is shorter)."""
    parts = max(1, min(parts, len(text)))
    size, extra = divmod(len(text), parts)
    pieces, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        pieces.append(text[start:end])
        start = end
    return pieces


class FakeOpenAI:
    """The running server: base_url, the recorded requests and the behaviour queue."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.audio_requests: list[dict] = []
        self.transcript = DEFAULT_TRANSCRIPT
        self.headers: list[dict[str, str]] = []
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-openai", daemon=True)

    def start(self) -> "FakeOpenAI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours for the next requests, in order."""
        with self._lock:
            self._queue.extend(behaviours)

    @property
    def pending(self) -> int:
        """Scripted behaviours not used yet."""
        with self._lock:
            return len(self._queue)

    def _take(self, body: dict, headers: dict[str, str]) -> Behaviour:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            return self._queue.popleft() if self._queue else reply()


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up (timeouts, closed streams) are part of the tests, not errors."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, OSError)):
            super().handle_error(request, client_address)


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(_ChatCompletionsHandler):
        server_fake = fake

    return Handler


class _ChatCompletionsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_fake: FakeOpenAI

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.rstrip("/") in ("/v1/audio/transcriptions", "/v1/audio/speech"):
            self._audio(raw)
            return
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error",
                                            "code": "unknown_url"}})
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        behaviour = self.server_fake._take(body, {key.lower(): value for key, value in self.headers.items()})
        try:
            self._act(behaviour, body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def _audio(self, raw: bytes) -> None:
        headers = {key.lower(): value for key, value in self.headers.items()}
        fake = self.server_fake
        if self.path.rstrip("/").endswith("/transcriptions"):
            fields = multipart_fields(headers.get("content-type", ""), raw)
            with fake._lock:
                fake.audio_requests.append({"path": "/audio/transcriptions", "headers": headers, "fields": fields})
            if "file" not in fields or "model" not in fields:
                self._send_json(400, {"error": {"message": "file and model are required", "type": "invalid_request_error"}})
                return
            self._send_json(200, {"text": headers.get("x-fake-transcript") or fake.transcript})
            return
        body = json.loads(raw or b"{}")
        with fake._lock:
            fake.audio_requests.append({"path": "/audio/speech", "headers": headers, "body": body})
        audio = tiny_wav()
        self.send_response(200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Content-Length", str(len(audio)))
        self.end_headers()
        self.wfile.write(audio)
        self.wfile.flush()

    def _act(self, behaviour: Behaviour, body: dict) -> None:
        if behaviour.kind == "slow":
            if self.server_fake.stopping.wait(behaviour.seconds):
                self.close_connection = True
                return
        if behaviour.kind == "error":
            self._send_json(behaviour.status, behaviour.body, dict(behaviour.headers))
        elif not body.get("stream"):
            self._send_json(200, _completion(body, behaviour.text))
        else:
            self._stream(behaviour, body)

    def _stream(self, behaviour: Behaviour, body: dict) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        if behaviour.kind == "cut":
            self.send_header("Connection", "close")
        self.end_headers()
        model = body.get("model", "fake-model")
        pieces = split_text(behaviour.text, behaviour.deltas)
        self._event(_chunk(model, {"role": "assistant", "content": ""}))
        for index, piece in enumerate(pieces):
            if behaviour.kind == "cut" and index == behaviour.after:
                self._cut(behaviour.abrupt)
                return
            if behaviour.kind == "malformed" and index == behaviour.after:
                self._write_chunk(b"data: {not json\n\n")
            if index and behaviour.chunk_delay and self.server_fake.stopping.wait(behaviour.chunk_delay):
                return
            self._event(_chunk(model, {"content": piece}))
        if behaviour.kind == "cut":
            self._cut(behaviour.abrupt)
            return
        self._event(_chunk(model, {}, finish_reason=behaviour.finish_reason))
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")

    def _cut(self, abrupt: bool) -> None:
        self.close_connection = True
        if abrupt:
            self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self._write_chunk(b"")

    def _event(self, data: dict) -> None:
        self._write_chunk(b"data: " + json.dumps(data).encode() + b"\n\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def multipart_fields(content_type: str, raw: bytes) -> dict[str, bytes]:
    """The parts of a multipart/form-data body by field name (each part's bytes)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    if not message.is_multipart():
        return {}
    return {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
            for part in message.iter_parts()}


def tiny_wav(milliseconds: int = 300, rate: int = 8000) -> bytes:
    """A valid mono 8-bit WAV: a short 440 Hz tone."""
    import math
    import struct

    samples = bytes(128 + int(60 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(rate * milliseconds // 1000))
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(samples), b"WAVE", b"fmt ", 16, 1, 1, rate, rate, 1, 8,
                         b"data", len(samples))
    return header + samples


def _chunk(model: str, delta: dict, finish_reason: str | None = None) -> dict:
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}


def _completion(body: dict, text: str) -> dict:
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "fake-model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None,
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}


@pytest.fixture
def fake_openai():
    """A FakeOpenAI server running for one test."""
    server = FakeOpenAI().start()
    yield server
    server.stop()
