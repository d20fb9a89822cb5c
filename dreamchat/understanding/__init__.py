"""What every engine uses to understand the user's text: safety, language, facts, photo intent."""
from dreamchat.understanding.facts import extract_facts
from dreamchat.understanding.language import detect_language
from dreamchat.understanding.photo_intent import detect_photo_request, photo_requested
from dreamchat.understanding.honesty import HONEST_PREFIX, asks_if_human, claims_human
from dreamchat.understanding.safety import detect_crisis
from dreamchat.understanding.text import fold

__all__ = ["HONEST_PREFIX", "asks_if_human", "claims_human", "detect_crisis", "detect_language",
           "detect_photo_request", "extract_facts", "fold", "photo_requested"]
