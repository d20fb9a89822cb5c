"""What every engine uses to understand the user's text: safety first."""
from dreamchat.understanding.safety import HONEST_PREFIX, asks_if_human, claims_human, detect_crisis
from dreamchat.understanding.text import fold

__all__ = ["HONEST_PREFIX", "asks_if_human", "claims_human", "detect_crisis", "fold"]
