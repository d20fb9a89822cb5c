"""Photos from a Stable Diffusion server with the AUTOMATIC1111 web UI API (started with --api)."""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from dreamchat.photos.base import PhotoProvider, PhotoRequest, PhotoResult, ProgressCallback
from dreamchat.photos.prompt import (NEGATIVE_PROMPT, checked_image, decode_base64_image, photo_caption, photo_prompt,
                                     report_progress)
from dreamchat.providers import ProviderError

CONNECT_TIMEOUT = 10.0
PROGRESS_TIMEOUT = 5.0
LAST_PROGRESS_BELOW_DONE = 0.99


@dataclass
class _Call:
    """What the txt2img thread hands back: the response or the exception."""

    response: requests.Response | None = None
    error: BaseException | None = None


class Automatic1111Provider(PhotoProvider):
    """Generates the photo with `POST /sdapi/v1/txt2img` and reports the sampler's progress.

    The txt2img call runs in a thread (a green thread under eventlet) while the calling thread
    polls `GET /sdapi/v1/progress` every poll_interval seconds and passes each higher value to
    on_progress. The whole call is bounded by `timeout` seconds. The web UI runs one job at a time
    and its progress endpoint reports the running job, which may be another photo's.
    """

    name = "automatic1111"

    def __init__(self, base_url: str = "http://127.0.0.1:7860", steps: int = 25, width: int = 512,
                 height: int = 768, sampler: str = "DPM++ 2M", timeout: float = 180, poll_interval: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.steps = steps
        self.width = width
        self.height = height
        self.sampler = sampler
        self.timeout = timeout
        self.poll_interval = poll_interval
        self._sleep = sleep
        self._session = requests.Session()

    def generate(self, request: PhotoRequest, on_progress: ProgressCallback | None = None) -> PhotoResult:
        payload = {
            "prompt": photo_prompt(request.persona, request.context),
            "negative_prompt": NEGATIVE_PROMPT,
            "steps": self.steps,
            "width": self.width,
            "height": self.height,
            "sampler_name": self.sampler,
            "seed": request.seed,
            "n_iter": 1,
            "batch_size": 1,
            "save_images": False,
            "send_images": True,
        }
        report_progress(on_progress, 0.0)
        call = _Call()
        worker = threading.Thread(target=self._txt2img, args=(payload, call), name="automatic1111-txt2img",
                                  daemon=True)
        deadline = time.monotonic() + self.timeout
        worker.start()
        reported = 0.0
        while worker.is_alive():
            self._sleep(self.poll_interval)
            if not worker.is_alive():
                break
            if time.monotonic() >= deadline:
                raise ProviderError("timeout", f"Stable Diffusion took more than {self.timeout:g} s",
                                    retryable=True)
            fraction = self._progress() if on_progress is not None else None
            if fraction is not None and fraction > reported:
                reported = fraction
                report_progress(on_progress, fraction)
        worker.join()
        image = checked_image(decode_base64_image(self._first_image(call)))
        report_progress(on_progress, 1.0)
        return PhotoResult(image.data, image.mime, image.width, image.height,
                           photo_caption(request.persona, request.context, request.seed))

    def _txt2img(self, payload: dict, call: _Call) -> None:
        try:
            call.response = self._session.post(f"{self.base_url}/sdapi/v1/txt2img", json=payload,
                                               timeout=(min(CONNECT_TIMEOUT, self.timeout), self.timeout))
        except BaseException as error:
            call.error = error

    def _progress(self) -> float | None:
        """The running job's progress, kept below 1.0 (reported once the image is in); None when unknown."""
        limit = min(PROGRESS_TIMEOUT, self.timeout)
        try:
            response = self._session.get(f"{self.base_url}/sdapi/v1/progress",
                                         params={"skip_current_image": "true"}, timeout=(limit, limit))
            fraction = float(response.json()["progress"]) if response.status_code == 200 else math.nan
        except (requests.RequestException, ValueError, TypeError, KeyError):
            return None
        if not math.isfinite(fraction) or fraction <= 0:
            return None
        return min(fraction, LAST_PROGRESS_BELOW_DONE)

    def _first_image(self, call: _Call) -> str:
        if isinstance(call.error, requests.Timeout):
            raise ProviderError("timeout", f"Stable Diffusion took more than {self.timeout:g} s",
                                retryable=True) from call.error
        if isinstance(call.error, requests.RequestException):
            raise ProviderError("unavailable", f"cannot reach Stable Diffusion at {self.base_url}: {call.error}",
                                retryable=True) from call.error
        if call.error is not None:
            raise call.error
        response = call.response
        assert response is not None
        if response.status_code != 200:
            raise _status_error(response, self.base_url)
        try:
            body = response.json()
        except ValueError as error:
            raise ProviderError("malformed", "Stable Diffusion returned invalid JSON", retryable=False) from error
        images = body.get("images") if isinstance(body, dict) else None
        if not isinstance(images, list) or not images or not isinstance(images[0], str):
            raise ProviderError("malformed", "Stable Diffusion returned no image", retryable=False)
        return images[0]


def _status_error(response: requests.Response, base_url: str) -> ProviderError:
    status = response.status_code
    detail = " ".join(response.text[:300].split())
    if status >= 500:
        return ProviderError("server", f"Stable Diffusion failed (HTTP {status}): {detail}", retryable=True)
    if status == 404:
        return ProviderError("config", f"no txt2img API at {base_url}: start the web UI with --api",
                             retryable=False)
    return ProviderError("config", f"Stable Diffusion refused the request (HTTP {status}): {detail}",
                         retryable=False)
