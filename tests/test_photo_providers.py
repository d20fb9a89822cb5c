"""The network photo providers (Stable Diffusion web UI, OpenAI Images) over real HTTP against tests/fake_sd.py."""
from __future__ import annotations

import email.utils
import io
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PIL import Image

from dreamchat.companions.persona import Persona, load_default_personas
from dreamchat.photos.automatic1111 import Automatic1111Provider
from dreamchat.photos.base import PhotoRequest, PhotoResult
from dreamchat.photos.openai_images import OpenAIImagesProvider
from dreamchat.photos.prompt import (MAX_CONTEXT_LENGTH, NEGATIVE_PROMPT, checked_image, clean_context, photo_caption,
                                     photo_prompt)
from dreamchat.providers import ProviderError, parse_retry_after
from tests.fake_sd import FakeImageServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def emma() -> Persona:
    return next(persona for persona in load_default_personas() if persona.slug == "emma")


def decode(result: PhotoResult) -> Image.Image:
    image = Image.open(io.BytesIO(result.data))
    image.load()
    return image


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sd_provider(server: FakeImageServer, **options) -> Automatic1111Provider:
    settings = {"width": 320, "height": 448, "steps": 12, "poll_interval": 0.05, "timeout": 10} | options
    return Automatic1111Provider(base_url=server.sd_url, **settings)


def openai_provider(server: FakeImageServer, **options) -> OpenAIImagesProvider:
    settings = {"size": "256x256", "timeout": 10} | options
    return OpenAIImagesProvider(server.openai_base_url, "test-key", **settings)


def expect_error(provider, request: PhotoRequest) -> ProviderError:
    with pytest.raises(ProviderError) as raised:
        provider.generate(request)
    return raised.value


# The prompt and caption


def test_prompt_has_appearance_scene_and_context(emma: Persona) -> None:
    prompt = photo_prompt(emma, "at the beach")
    assert prompt.startswith(f"A candid smartphone photo of a {emma.appearance}")
    assert "at the beach" in prompt and "beach scene" in prompt
    assert "24 years old" in prompt and prompt.endswith("natural light, photorealistic")
    assert "golden hour" in photo_prompt(emma, "sunset walk in the city")


def test_context_is_one_safe_capped_line(emma: Persona) -> None:
    assert clean_context("at the\nbeach\r\n\t\x00\x1b[31m  today\u200b") == "at the beach 31m today"
    assert clean_context("(nsfw:1.6) <lora:x:1> [beach] {a|b}") == "nsfw 1.6 lora x 1 beach a b"
    long = clean_context("beach " * 100)
    assert len(long) <= MAX_CONTEXT_LENGTH and long.startswith("beach beach")
    prompt = photo_prompt(emma, "line one\nline two " + "x" * 500)
    assert "\n" not in prompt and "x" * MAX_CONTEXT_LENGTH not in prompt


def test_caption_follows_scene_language_and_style(emma: Persona) -> None:
    assert "beach" in photo_caption(emma, "at the beach", 1).lower()
    assert "plage" in photo_caption(emma, "une photo à la plage", 1).lower()
    quiet = Persona(slug="q", name="Q", age=30, tagline="", personality="", interests=(), greeting="",
                    style="short messages in lowercase, no emoji")
    caption = photo_caption(quiet, "at the beach", 1)
    assert caption == caption.lower() and caption.isascii()


def test_checked_image_rejects_garbage_and_keeps_small_png() -> None:
    with pytest.raises(ProviderError) as raised:
        checked_image(b"GIF89a but not really")
    assert raised.value.kind == "malformed"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    kept = checked_image(buffer.getvalue())
    assert (kept.mime, kept.width, kept.height, kept.data) == ("image/png", 40, 30, buffer.getvalue())
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 255, 128)).save(buffer, "TIFF")
    converted = checked_image(buffer.getvalue())
    assert converted.mime == "image/webp" and Image.open(io.BytesIO(converted.data)).mode == "RGBA"


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after({"retry-after": later}) <= 31
    assert parse_retry_after({"retry-after": "soon"}) is None and parse_retry_after({}) is None


# Stable Diffusion (AUTOMATIC1111 API)


def test_sd_txt2img_returns_the_requested_image(fake_image_server: FakeImageServer, emma: Persona) -> None:
    fake_image_server.script(duration=0.1)
    result = sd_provider(fake_image_server).generate(PhotoRequest(emma, "at the beach", seed=4242))
    assert result.mime == "image/png" and (result.width, result.height) == (320, 448)
    assert decode(result).size == (320, 448)
    assert "beach" in result.caption.lower()
    [sent] = fake_image_server.bodies("/sdapi/v1/txt2img")
    assert emma.appearance in sent["prompt"] and "at the beach" in sent["prompt"]
    assert sent["negative_prompt"] == NEGATIVE_PROMPT
    assert sent["seed"] == 4242
    assert (sent["steps"], sent["width"], sent["height"], sent["sampler_name"]) == (12, 320, 448, "DPM++ 2M")
    assert (sent["n_iter"], sent["batch_size"]) == (1, 1)


def test_sd_progress_rises_and_ends_at_one(fake_image_server: FakeImageServer, emma: Persona) -> None:
    fake_image_server.script(duration=1.0)
    seen: list[float] = []
    result = sd_provider(fake_image_server, poll_interval=0.1, steps=25).generate(
        PhotoRequest(emma, "selfie", seed=1), seen.append)
    assert decode(result).size == (320, 448)
    assert all(earlier < later for earlier, later in zip(seen, seen[1:])), seen
    assert len({value for value in seen if 0 < value < 1}) >= 2, seen
    assert seen[0] == 0.0 and seen[-1] == 1.0
    polls = [r for r in fake_image_server.requests if r.path == "/sdapi/v1/progress"]
    assert polls and all("skip_current_image=true" in r.query for r in polls)


def test_sd_image_with_data_uri_prefix(fake_image_server: FakeImageServer, emma: Persona) -> None:
    fake_image_server.script(sd="data_uri", duration=0.05)
    result = sd_provider(fake_image_server).generate(PhotoRequest(emma, "selfie", seed=2))
    assert decode(result).format == "PNG"


def test_sd_large_image_is_stored_as_webp(fake_image_server: FakeImageServer, emma: Persona) -> None:
    fake_image_server.script(sd="large", duration=0.05)
    result = sd_provider(fake_image_server, width=1024, height=1024).generate(PhotoRequest(emma, "selfie", seed=3))
    assert result.mime == "image/webp" and decode(result).size == (1024, 1024)


@pytest.mark.parametrize(("outcome", "kind", "retryable"), [
    ("error_500", "server", True),
    ("malformed_json", "malformed", False),
    ("not_image", "malformed", False),
    ("no_images", "malformed", False),
])
def test_sd_failures(fake_image_server: FakeImageServer, emma: Persona, outcome: str, kind: str,
                     retryable: bool) -> None:
    fake_image_server.script(sd=outcome, duration=0.05)
    error = expect_error(sd_provider(fake_image_server), PhotoRequest(emma, "selfie", seed=1))
    assert (error.kind, error.retryable) == (kind, retryable)


def test_sd_slow_server_times_out(fake_image_server: FakeImageServer, emma: Persona) -> None:
    fake_image_server.script(sd="slow", slow_seconds=5)
    started = time.monotonic()
    error = expect_error(sd_provider(fake_image_server, timeout=0.6), PhotoRequest(emma, "selfie", seed=1))
    assert (error.kind, error.retryable) == ("timeout", True)
    assert time.monotonic() - started < 2


def test_sd_connection_refused_is_unavailable(emma: Persona) -> None:
    provider = Automatic1111Provider(base_url=f"http://127.0.0.1:{closed_port()}", poll_interval=0.05, timeout=5)
    error = expect_error(provider, PhotoRequest(emma, "selfie", seed=1))
    assert (error.kind, error.retryable) == ("unavailable", True)


def test_sd_without_api_is_a_config_error(fake_image_server: FakeImageServer, emma: Persona) -> None:
    provider = Automatic1111Provider(base_url=f"{fake_image_server.url}/not-the-web-ui", poll_interval=0.05)
    error = expect_error(provider, PhotoRequest(emma, "selfie", seed=1))
    assert (error.kind, error.retryable) == ("config", False) and "--api" in str(error)


# OpenAI Images API


@pytest.mark.parametrize("outcome", ["b64", "url"])
def test_openai_image_as_base64_or_url(fake_image_server: FakeImageServer, emma: Persona, outcome: str) -> None:
    fake_image_server.script(openai=outcome)
    seen: list[float] = []
    result = openai_provider(fake_image_server, model="gpt-image-1").generate(
        PhotoRequest(emma, "coffee at the café", seed=9), seen.append)
    assert result.mime == "image/png" and decode(result).size == (256, 256) == (result.width, result.height)
    assert "café" in result.caption or "cafe" in result.caption.lower()
    assert seen == [0.0, 1.0]
    [call] = [r for r in fake_image_server.requests if r.path == "/v1/images/generations"]
    assert call.headers.get("authorization") == "Bearer test-key"
    assert (call.body["model"], call.body["size"], call.body["n"]) == ("gpt-image-1", "256x256", 1)
    assert emma.appearance in call.body["prompt"] and "coffee at the café" in call.body["prompt"]
    downloads = [r for r in fake_image_server.requests if r.path.startswith("/files/")]
    assert len(downloads) == (1 if outcome == "url" else 0)


def test_openai_large_image_is_stored_as_webp(fake_image_server: FakeImageServer, emma: Persona) -> None:
    fake_image_server.script(openai="large")
    result = openai_provider(fake_image_server, size="1024x1024").generate(PhotoRequest(emma, "selfie", seed=1))
    assert result.mime == "image/webp" and decode(result).size == (1024, 1024)
    assert len(result.data) < 1_500_000


def test_openai_rate_limited_carries_retry_after(fake_image_server: FakeImageServer, emma: Persona) -> None:
    fake_image_server.script(openai="rate_limited", retry_after="7")
    error = expect_error(openai_provider(fake_image_server), PhotoRequest(emma, "selfie", seed=1))
    assert (error.kind, error.retryable, error.retry_after) == ("rate_limited", True, 7.0)
    assert len(fake_image_server.bodies("/v1/images/generations")) == 1  # the SDK does not retry by itself


@pytest.mark.parametrize(("outcome", "kind", "retryable"), [
    ("quota", "quota", False),
    ("unauthorized", "config", False),
    ("error_500", "server", True),
    ("not_image", "malformed", False),
])
def test_openai_failures(fake_image_server: FakeImageServer, emma: Persona, outcome: str, kind: str,
                         retryable: bool) -> None:
    fake_image_server.script(openai=outcome)
    error = expect_error(openai_provider(fake_image_server), PhotoRequest(emma, "selfie", seed=1))
    assert (error.kind, error.retryable) == (kind, retryable)


def test_openai_slow_server_times_out(fake_image_server: FakeImageServer, emma: Persona) -> None:
    fake_image_server.script(openai="slow", slow_seconds=5)
    started = time.monotonic()
    error = expect_error(openai_provider(fake_image_server, timeout=0.5), PhotoRequest(emma, "selfie", seed=1))
    assert (error.kind, error.retryable) == ("timeout", True)
    assert time.monotonic() - started < 2


def test_openai_unreachable_and_unconfigured(emma: Persona) -> None:
    provider = OpenAIImagesProvider(f"http://127.0.0.1:{closed_port()}/v1", "test-key", timeout=5)
    error = expect_error(provider, PhotoRequest(emma, "selfie", seed=1))
    assert (error.kind, error.retryable) == ("unavailable", True)
    with pytest.raises(ProviderError) as raised:
        OpenAIImagesProvider("http://127.0.0.1:1/v1", "")
    assert raised.value.kind == "config"


# Production conditions: eventlet monkey-patching, the call made from eventlet's native thread pool


def test_sd_under_eventlet_from_the_thread_pool(fake_image_server: FakeImageServer) -> None:
    fake_image_server.script(duration=0.5)
    script = textwrap.dedent(f"""
        import eventlet
        eventlet.monkey_patch()
        from eventlet import tpool
        from dreamchat.companions.persona import load_default_personas
        from dreamchat.photos.automatic1111 import Automatic1111Provider
        from dreamchat.photos.base import PhotoRequest

        provider = Automatic1111Provider(base_url={fake_image_server.sd_url!r}, width=64, height=96,
                                         poll_interval=0.05, timeout=10)
        seen = []
        request = PhotoRequest(load_default_personas()[0], "selfie", 1)
        for result in (provider.generate(request, seen.append), tpool.execute(provider.generate, request, seen.append)):
            assert (result.width, result.height) == (64, 96), result
        assert seen.count(1.0) == 2 and len(seen) > 4, seen
        print("ok")
    """)
    finished = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert finished.returncode == 0 and finished.stdout.strip() == "ok", finished.stderr[-2000:]
