"""Photos from an OpenAI-compatible Images API (OpenAI itself, or a self-hosted server that speaks it)."""
from __future__ import annotations

import openai
import requests

from dreamchat.photos.base import PhotoProvider, PhotoRequest, PhotoResult, ProgressCallback
from dreamchat.photos.prompt import checked_image, decode_base64_image, photo_caption, photo_prompt, report_progress
from dreamchat.providers import ProviderError, parse_retry_after

MAX_DOWNLOAD_BYTES = 25_000_000
QUOTA_CODES = {"insufficient_quota", "billing_hard_limit_reached", "billing_not_active"}


def _error_from_status(error: openai.APIStatusError) -> ProviderError:
    status, code = error.status_code, (error.code or "")
    retry_after = parse_retry_after(error.response.headers)
    message = f"images API {status}: {error.message}"
    if code in QUOTA_CODES or status == 402:
        return ProviderError("quota", message, retryable=False)
    if status == 429:
        return ProviderError("rate_limited", message, retryable=True, retry_after=retry_after)
    if status == 408:
        return ProviderError("timeout", message, retryable=True)
    if status >= 500 or status == 409:
        return ProviderError("server", message, retryable=True, retry_after=retry_after)
    return ProviderError("config", message, retryable=False)


def provider_error(error: openai.OpenAIError) -> ProviderError:
    """The ProviderError for an exception of the openai SDK."""
    if isinstance(error, openai.APITimeoutError):
        return ProviderError("timeout", "the images API did not answer in time", retryable=True)
    if isinstance(error, openai.APIConnectionError):
        return ProviderError("unavailable", f"cannot reach the images API: {error}", retryable=True)
    if isinstance(error, openai.APIStatusError):
        return _error_from_status(error)
    if isinstance(error, openai.APIResponseValidationError):
        return ProviderError("malformed", f"unexpected images API response: {error}", retryable=False)
    return ProviderError("config", f"images API client error: {error}", retryable=False)


class OpenAIImagesProvider(PhotoProvider):
    """Generates the photo with the Images API (`POST {base_url}/images/generations`).

    Built once at start; the SDK client never retries by itself, so the caller's retry policy
    (from ProviderError.retryable and retry_after) is the only one. The image arrives as base64
    or as a URL that is downloaded; it is checked with Pillow and stored as PNG, JPEG or WebP.
    """

    name = "openai"

    def __init__(self, base_url: str | None, api_key: str, model: str = "gpt-image-1", size: str = "1024x1024",
                 timeout: float = 120) -> None:
        if not api_key:
            raise ProviderError("config", "the images API needs an API key (PHOTO_API_KEY)", retryable=False)
        self.model = model
        self.size = size
        self.timeout = timeout
        self._client = openai.OpenAI(base_url=base_url or None, api_key=api_key, timeout=timeout, max_retries=0)
        self._downloads = requests.Session()

    def generate(self, request: PhotoRequest, on_progress: ProgressCallback | None = None) -> PhotoResult:
        report_progress(on_progress, 0.0)
        prompt = photo_prompt(request.persona, request.context)
        try:
            response = self._client.images.generate(model=self.model, prompt=prompt, size=self.size, n=1)
        except openai.OpenAIError as error:
            raise provider_error(error) from error
        first = response.data[0] if response.data else None
        if first is not None and first.b64_json:
            data = decode_base64_image(first.b64_json)
        elif first is not None and first.url:
            data = self._download(first.url)
        else:
            raise ProviderError("malformed", "the images API returned no image", retryable=False)
        image = checked_image(data)
        report_progress(on_progress, 1.0)
        return PhotoResult(image.data, image.mime, image.width, image.height,
                           photo_caption(request.persona, request.context, request.seed))

    def _download(self, url: str) -> bytes:
        if not url.startswith(("https://", "http://")):
            raise ProviderError("malformed", f"the images API returned an unusable URL: {url[:80]!r}",
                                retryable=False)
        try:
            with self._downloads.get(url, timeout=(min(10.0, self.timeout), self.timeout), stream=True) as response:
                if response.status_code >= 500:
                    raise ProviderError("server", f"image download failed: HTTP {response.status_code}",
                                        retryable=True)
                if response.status_code != 200:
                    raise ProviderError("malformed", f"image download failed: HTTP {response.status_code}",
                                        retryable=False)
                data = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > MAX_DOWNLOAD_BYTES:
                        raise ProviderError("malformed", "the image download is too large", retryable=False)
                return bytes(data)
        except requests.Timeout as error:
            raise ProviderError("timeout", "the image download timed out", retryable=True) from error
        except requests.RequestException as error:
            raise ProviderError("unavailable", f"image download failed: {error}", retryable=True) from error

