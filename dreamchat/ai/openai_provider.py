"""Replies from any OpenAI-compatible chat completions API (OpenAI, vLLM, Ollama, llama.cpp...)."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import openai

from dreamchat.ai.base import Reply, ReplyProvider, ReplyRequest
from dreamchat.understanding import photo_requested
from dreamchat.ai.prompt import build_messages
from dreamchat.ai.resilience import CircuitBreaker, RetryPolicy
from dreamchat.providers import ProviderError, parse_retry_after

log = logging.getLogger(__name__)

QUOTA_CODES = frozenset({"insufficient_quota"})
MAX_CONNECT_TIMEOUT = 10.0


class RequestRejected(ProviderError):
    """The API refused this particular request (HTTP 400, 413, 422...): kind "config", not
    retryable. The backend itself answered, so it does not count against the circuit breaker."""


class OpenAIReplyProvider(ReplyProvider):
    """The companion's replies from a chat completions API, streamed.

    Built once at app start; holds one SDK client (with the SDK's own retries off) and is safe to
    share between threads or green threads. Each attempt goes through the circuit breaker; a failed
    attempt is retried as the retry policy allows, but only while nothing has been yielded yet:
    once text has reached the caller, a failure is raised as a ProviderError and the caller keeps
    the partial text. Errors are ProviderErrors of kind timeout, rate_limited, server, malformed,
    quota, config or unavailable (circuit open).
    """

    name = "openai"
    streams = True

    def __init__(self, base_url: str, api_key: str | None, model: str, *, timeout: float = 60.0,
                 max_tokens: int = 300, temperature: float = 0.9, budget_tokens: int = 3000,
                 retry: RetryPolicy, breaker: CircuitBreaker,
                 sleep: Callable[[float], object] = time.sleep) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.budget_tokens = budget_tokens
        self.retry = retry
        self.breaker = breaker
        self._sleep = sleep
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", max_retries=0,
            timeout=openai.Timeout(timeout, connect=min(timeout, MAX_CONNECT_TIMEOUT)))

    def compose(self, request: ReplyRequest) -> Reply:
        """The whole reply (the pieces of stream() joined), with the photo the user asked for, if any."""
        text = "".join(self.stream(request))
        return Reply(text=text, photo_context=photo_requested(request.new_messages))

    def stream(self, request: ReplyRequest) -> Iterator[str]:
        """Yield the reply text in pieces as the model writes it."""
        messages = build_messages(request, self.budget_tokens)
        attempts_made = 0
        while True:
            attempts_made += 1
            self.breaker.before_call()
            pieces = self._attempt(messages, request.persona.name)
            streamed = False
            try:
                for piece in pieces:
                    streamed = True
                    yield piece
            except ProviderError as error:
                self._record_outcome(error)
                delay = None if streamed else self.retry.retry_delay(attempts_made, error)
                if delay is None or self.breaker.state == "open":
                    raise
                log.warning("AI reply attempt %d failed (%s: %s); retrying in %.2fs",
                            attempts_made, error.kind, error, delay)
                self._sleep(delay)
                continue
            except GeneratorExit:
                if streamed:
                    self.breaker.record_success()
                raise
            finally:
                pieces.close()
            self.breaker.record_success()
            return

    def close(self) -> None:
        """Close the HTTP connections (at shutdown)."""
        self._client.close()

    def _attempt(self, messages: list[dict], persona_name: str) -> Iterator[str]:
        try:
            chunks = self._client.chat.completions.create(
                model=self.model, messages=messages, stream=True,  # type: ignore[arg-type]
                max_tokens=self.max_tokens, temperature=self.temperature)
        except openai.OpenAIError as error:
            raise provider_error(error) from error
        cleaner = _ReplyCleaner(persona_name)
        finish_reason: str | None = None
        with chunks:
            iterator = iter(chunks)
            while (chunk := _next_chunk(iterator)) is not None:
                content, reason = _read_chunk(chunk)
                finish_reason = reason or finish_reason
                piece = cleaner.feed(content) if content else ""
                if piece:
                    yield piece
                if finish_reason is not None:
                    break
        if finish_reason is None:
            raise ProviderError("server", "the reply stream ended before the model finished", retryable=True)
        rest = cleaner.finish()
        if rest:
            yield rest
        if not cleaner.produced_text:
            raise ProviderError("malformed", f"the model sent an empty reply (finish_reason={finish_reason})",
                                retryable=finish_reason != "content_filter")
        if finish_reason == "length":
            log.info("AI reply cut at max_tokens=%d", self.max_tokens)

    def _record_outcome(self, error: ProviderError) -> None:
        if isinstance(error, RequestRejected):
            self.breaker.record_success()
        else:
            self.breaker.record_failure()


def provider_error(error: Exception) -> ProviderError:
    """The ProviderError for an exception raised by the openai SDK (or while reading its stream)."""
    if isinstance(error, ProviderError):
        return error
    if isinstance(error, openai.APITimeoutError):
        return ProviderError("timeout", "the AI backend timed out", retryable=True)
    if isinstance(error, openai.APIConnectionError):
        return ProviderError("server", f"connection to the AI backend failed: {error.__cause__ or error}",
                             retryable=True)
    if isinstance(error, openai.APIStatusError):
        return _status_error(error)
    if isinstance(error, openai.APIResponseValidationError):
        return ProviderError("malformed", "the AI backend sent an unexpected response", retryable=True)
    if isinstance(error, openai.APIError):
        if _is_quota(error):
            return ProviderError("quota", f"AI backend quota exhausted: {error.message}", retryable=False)
        return ProviderError("server", f"the AI backend reported an error mid-stream: {error.message}",
                             retryable=True)
    if isinstance(error, ValueError):
        return ProviderError("malformed", f"the AI backend sent an unreadable chunk: {error}", retryable=True)
    return ProviderError("server", f"AI backend error: {error}", retryable=True)


def _status_error(error: openai.APIStatusError) -> ProviderError:
    status = error.status_code
    message = f"AI backend: {error.message}"
    if status in (403, 429) and _is_quota(error):
        return ProviderError("quota", message, retryable=False)
    if status == 429:
        return ProviderError("rate_limited", message, retryable=True,
                             retry_after=parse_retry_after(error.response.headers))
    if status in (401, 403, 404):
        return ProviderError("config", message, retryable=False)
    if status == 408:
        return ProviderError("timeout", message, retryable=True)
    if status == 409 or status >= 500:
        return ProviderError("server", message, retryable=True,
                             retry_after=parse_retry_after(error.response.headers))
    return RequestRejected("config", message, retryable=False)


def _is_quota(error: openai.APIError) -> bool:
    values = {error.code, error.type}
    if isinstance(error.body, Mapping) and isinstance(error.body.get("error"), Mapping):
        values |= {error.body["error"].get("code"), error.body["error"].get("type")}
    return bool(values & QUOTA_CODES)


def _next_chunk(iterator: Iterator[Any]) -> Any | None:
    try:
        return next(iterator)
    except StopIteration:
        return None
    except (openai.OpenAIError, ValueError) as error:
        raise provider_error(error) from error


def _read_chunk(chunk: Any) -> tuple[str, str | None]:
    """(text delta, finish_reason) of a streamed chunk; ProviderError("malformed") if it is not one."""
    choices = getattr(chunk, "choices", None)
    if not isinstance(choices, list):
        raise ProviderError("malformed", "a reply chunk had no choices list", retryable=True)
    if not choices:
        return "", None
    choice = choices[0]
    delta = getattr(choice, "delta", None)
    content = getattr(delta, "content", None) if delta is not None else None
    reason = getattr(choice, "finish_reason", None)
    if (content is not None and not isinstance(content, str)) or (reason is not None and not isinstance(reason, str)):
        raise ProviderError("malformed", "a reply chunk had content of the wrong type", retryable=True)
    return content or "", reason


class _ReplyCleaner:
    """Turns raw deltas into what the user sees: no leading "<Name>:" prefix and no whitespace at
    either end, so the pieces joined equal the final text. Holds text back only while undecided."""

    def __init__(self, persona_name: str) -> None:
        self._marker = f"{persona_name.strip()}:".casefold() if persona_name.strip() else ""
        self._head = ""
        self._started = False
        self._pending_space = ""
        self.produced_text = False

    def feed(self, text: str) -> str:
        if not self._started:
            self._head += text
            head = self._head.lstrip()
            probe = head[:len(self._marker)].casefold()
            if self._marker and (len(head) < len(self._marker) and self._marker.startswith(probe)):
                return ""
            if self._marker and probe == self._marker:
                head = head[len(self._marker):].lstrip()
            if not head:
                return ""
            self._started = True
            text = head
        text = self._pending_space + text
        visible = text.rstrip()
        self._pending_space = text[len(visible):]
        if visible:
            self.produced_text = True
        return visible

    def finish(self) -> str:
        """What is still held back once the model has finished (a short reply like "Em")."""
        if self._started:
            return ""
        self._started = True
        rest = self._head.strip()
        self.produced_text = self.produced_text or bool(rest)
        return rest
