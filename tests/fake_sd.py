"""A real HTTP server on 127.0.0.1 that plays a Stable Diffusion web UI (AUTOMATIC1111 API) and an
OpenAI-compatible Images API, with scriptable failures. Use the `fake_image_server` fixture
(registered by tests/conftest.py's pytest_plugins):

    def test_x(fake_image_server):
        fake_image_server.script(sd="error_500", duration=0.2)
        ... Automatic1111Provider(base_url=fake_image_server.sd_url) ...
        fake_image_server.bodies("/sdapi/v1/txt2img")[0]["prompt"]

SD outcomes: ok, data_uri (base64 with a data: prefix), large (a noisy PNG over 1.5 MB),
error_500, malformed_json, not_image (valid base64 of non-image bytes), no_images, slow (runs
slow_seconds, beyond the client's timeout).
OpenAI outcomes: b64, url, large, rate_limited (429 + Retry-After), quota (429 insufficient_quota),
unauthorized (401), error_500, not_image, slow.
"""
from __future__ import annotations

import base64
import io
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageDraw

SD_OUTCOMES = {"ok", "data_uri", "large", "error_500", "malformed_json", "not_image", "no_images", "slow"}
OPENAI_OUTCOMES = {"b64", "url", "large", "rate_limited", "quota", "unauthorized", "error_500", "not_image", "slow"}
NOT_AN_IMAGE = b"this is not an image, just some text that decodes fine"


@dataclass(frozen=True)
class Script:
    """How the server answers the next calls; set with FakeImageServer.script(...)."""

    sd: str = "ok"
    openai: str = "b64"
    duration: float = 0.3
    slow_seconds: float = 5.0
    retry_after: str = "7"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # names in lowercase
    body: Any


@dataclass
class _Job:
    started: float
    duration: float
    steps: int


def make_png(width: int, height: int, noisy: bool = False) -> bytes:
    """A real PNG of that size: a gradient with a figure, or incompressible noise when noisy."""
    if noisy:
        bands = [Image.effect_noise((width, height), 120) for _ in range(3)]
        image = Image.merge("RGB", bands)
    else:
        image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
        draw = ImageDraw.Draw(image)
        draw.ellipse([width * 0.3, height * 0.2, width * 0.7, height * 0.5], fill=(240, 200, 170))
        draw.rectangle([width * 0.25, height * 0.55, width * 0.75, height], fill=(200, 60, 80))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class FakeImageServer:
    """The running server: its URLs, what it was sent, and the script it follows."""

    host: str
    port: int
    requests: list[RecordedRequest] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    current: Script = field(default_factory=Script)
    jobs: list[_Job] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def sd_url(self) -> str:
        return self.url

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    def script(self, **changes: Any) -> Script:
        """Change how the server answers from now on: script(sd="error_500", duration=1.0)."""
        updated = replace(self.current, **changes)
        if updated.sd not in SD_OUTCOMES or updated.openai not in OPENAI_OUTCOMES:
            raise ValueError(f"unknown outcome in {changes}")
        self.current = updated
        return updated

    def bodies(self, path: str) -> list[Any]:
        """The decoded bodies of the requests sent to path, oldest first."""
        return [recorded.body for recorded in self.requests if recorded.path == path]

    def record(self, recorded: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(recorded)

    def progress(self) -> dict[str, Any]:
        """What /sdapi/v1/progress says now: the latest running job's sampler step, as A1111 does."""
        now = time.monotonic()
        with self.lock:
            running = [job for job in self.jobs if now - job.started < job.duration]
        if not running:
            return {"progress": 0.0, "eta_relative": 0.0, "current_image": None, "textinfo": None,
                    "state": {"skipped": False, "interrupted": False, "job": "", "job_count": 0,
                              "job_timestamp": "0", "job_no": 0, "sampling_step": 0, "sampling_steps": 0}}
        job = running[-1]
        elapsed = now - job.started
        step = min(job.steps, int(elapsed / job.duration * job.steps))
        return {"progress": step / job.steps, "eta_relative": max(0.0, job.duration - elapsed),
                "current_image": None, "textinfo": None,
                "state": {"skipped": False, "interrupted": False, "job": "txt2img", "job_count": 1,
                          "job_timestamp": time.strftime("%Y%m%d%H%M%S"), "job_no": 0, "sampling_step": step,
                          "sampling_steps": job.steps}}

    def run_job(self, duration: float, steps: int) -> None:
        job = _Job(time.monotonic(), duration, max(1, steps))
        with self.lock:
            self.jobs.append(job)
        try:
            self.stopping.wait(duration)
        finally:
            with self.lock:
                self.jobs.remove(job)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def fake(self) -> FakeImageServer:
        return self.server.fake

    def _record(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        parts = urlsplit(self.path)
        self.fake.record(RecordedRequest(self.command, parts.path, parts.query,
                                         {name.lower(): value for name, value in self.headers.items()}, body))
        return body

    def _send(self, status: int, payload: Any = None, *, raw: bytes | None = None,
              content_type: str = "application/json", headers: dict[str, str] | None = None) -> None:
        data = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._record()
        path = urlsplit(self.path).path
        if path == "/sdapi/v1/progress":
            self._send(200, self.fake.progress())
        elif path.startswith("/files/") and path[len("/files/"):] in self.fake.files:
            self._send(200, raw=self.fake.files[path[len("/files/"):]], content_type="image/png")
        else:
            self._send(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        body = self._record()
        path = urlsplit(self.path).path
        if path == "/sdapi/v1/txt2img":
            self._txt2img(body if isinstance(body, dict) else {})
        elif path == "/v1/images/generations":
            self._images(body if isinstance(body, dict) else {})
        else:
            self._send(404, {"detail": "Not Found"})

    def _txt2img(self, body: dict[str, Any]) -> None:
        script = self.fake.current
        duration = script.slow_seconds if script.sd == "slow" else script.duration
        self.fake.run_job(duration, int(body.get("steps") or 20))
        if self.fake.stopping.is_set():
            return
        if script.sd == "error_500":
            self._send(500, {"error": "OutOfMemoryError", "detail": "", "body": "",
                             "errors": "CUDA out of memory. Tried to allocate 2.00 GiB"})
            return
        if script.sd == "malformed_json":
            self._send(200, raw=b'{"images": ["iVBORw0KGgo', content_type="application/json")
            return
        if script.sd == "no_images":
            self._send(200, {"images": [], "parameters": body, "info": "{}"})
            return
        if script.sd == "not_image":
            image = base64.b64encode(NOT_AN_IMAGE).decode()
        else:
            png = make_png(int(body.get("width") or 512), int(body.get("height") or 512), noisy=script.sd == "large")
            image = base64.b64encode(png).decode()
            if script.sd == "data_uri":
                image = "data:image/png;base64," + image
        info = json.dumps({"prompt": body.get("prompt"), "seed": body.get("seed"), "all_seeds": [body.get("seed")]})
        self._send(200, {"images": [image], "parameters": body, "info": info})

    def _images(self, body: dict[str, Any]) -> None:
        script = self.fake.current
        if script.openai == "slow":
            self.fake.stopping.wait(script.slow_seconds)
            if self.fake.stopping.is_set():
                return
        if script.openai == "rate_limited":
            self._send(429, {"error": {"message": "Rate limit reached for images per minute.", "type": "requests",
                                       "param": None, "code": "rate_limit_exceeded"}},
                       headers={"Retry-After": script.retry_after})
            return
        if script.openai == "quota":
            self._send(429, {"error": {"message": "You exceeded your current quota.", "type": "insufficient_quota",
                                       "param": None, "code": "insufficient_quota"}})
            return
        if script.openai == "unauthorized":
            self._send(401, {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error",
                                       "param": None, "code": "invalid_api_key"}})
            return
        if script.openai == "error_500":
            self._send(500, {"error": {"message": "The server had an error while processing your request.",
                                       "type": "server_error", "param": None, "code": None}})
            return
        width, _, height = str(body.get("size") or "1024x1024").partition("x")
        png = make_png(int(width), int(height or width), noisy=script.openai == "large")
        if script.openai == "not_image":
            png = NOT_AN_IMAGE
        item: dict[str, Any]
        if script.openai == "url":
            name = f"{uuid.uuid4().hex}.png"
            self.fake.files[name] = png
            item = {"url": f"{self.fake.url}/files/{name}"}
        else:
            item = {"b64_json": base64.b64encode(png).decode()}
        self._send(200, {"created": int(time.time()), "data": [item], "output_format": "png",
                         "usage": {"input_tokens": 50, "output_tokens": 4000, "total_tokens": 4050}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeImageServer


def start_fake_image_server() -> tuple[FakeImageServer, _Server, threading.Thread]:
    server = _Server(("127.0.0.1", 0), _Handler)
    fake = FakeImageServer("127.0.0.1", server.server_address[1])
    server.fake = fake
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-image-server",
                              daemon=True)
    thread.start()
    return fake, server, thread


@pytest.fixture
def fake_image_server() -> Iterator[FakeImageServer]:
    """A fresh fake SD + OpenAI Images server for one test, stopped afterwards."""
    fake, server, thread = start_fake_image_server()
    try:
        yield fake
    finally:
        fake.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
