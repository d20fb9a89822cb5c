"""The embedded reply engine (AI_PROVIDER=offline): phrase tables, intents and the engine that joins them."""
from dreamchat.ai.offline.engine import OfflineReplyProvider

__all__ = ["OfflineReplyProvider"]
