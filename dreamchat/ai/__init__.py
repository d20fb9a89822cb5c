"""Reply providers: who writes the companion's messages, chosen by AI_PROVIDER."""
from __future__ import annotations

from dreamchat.ai.base import ChatLine, Reply, ReplyProvider, ReplyRequest

__all__ = ["ChatLine", "Reply", "ReplyProvider", "ReplyRequest", "create_reply_provider"]


def create_reply_provider(config) -> ReplyProvider:
    name = config["AI_PROVIDER"]
    if name == "offline":
        from dreamchat.ai.offline import OfflineReplyProvider

        return OfflineReplyProvider()
    raise SystemExit(f"AI_PROVIDER={name!r} is not known; use 'offline'.")
