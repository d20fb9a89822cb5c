"""Reply providers: who writes the companion's messages, chosen by AI_PROVIDER."""
from __future__ import annotations

from dreamchat.ai.base import ChatLine, Reply, ReplyProvider, ReplyRequest

__all__ = ["ChatLine", "Reply", "ReplyProvider", "ReplyRequest", "create_reply_provider",
           "create_fallback_provider"]


def create_reply_provider(config) -> ReplyProvider:
    """Built once at start: `offline` (the embedded engine) or `openai` (any OpenAI-compatible API)."""
    name = config["AI_PROVIDER"]
    if name == "offline":
        from dreamchat.ai.offline import OfflineReplyProvider

        return OfflineReplyProvider()
    if name == "openai":
        from dreamchat.ai.openai_provider import OpenAIReplyProvider
        from dreamchat.ai.resilience import CircuitBreaker, RetryPolicy
        from dreamchat.extensions import socketio

        if not config["AI_MODEL"]:
            raise SystemExit("AI_PROVIDER=openai needs AI_MODEL (and AI_BASE_URL, AI_API_KEY as the server wants).")
        return OpenAIReplyProvider(
            config["AI_BASE_URL"], config["AI_API_KEY"], config["AI_MODEL"],
            timeout=config["AI_TIMEOUT_SECONDS"], max_tokens=config["AI_MAX_TOKENS"],
            temperature=config["AI_TEMPERATURE"], budget_tokens=config["AI_CONTEXT_BUDGET_TOKENS"],
            retry=RetryPolicy(max_attempts=max(0, config["AI_MAX_RETRIES"]) + 1),
            breaker=CircuitBreaker(failure_threshold=config["AI_BREAKER_FAILURES"],
                                   reset_seconds=config["AI_BREAKER_RESET_SECONDS"]),
            sleep=lambda seconds: socketio.sleep(seconds))
    raise SystemExit(f"AI_PROVIDER={name!r} is not known; use 'offline' or 'openai'.")


def create_fallback_provider(config) -> ReplyProvider | None:
    """AI_FALLBACK=offline answers with the embedded engine when the model cannot."""
    if config["AI_FALLBACK"] == "offline" and config["AI_PROVIDER"] != "offline":
        from dreamchat.ai.offline import OfflineReplyProvider

        return OfflineReplyProvider()
    return None
