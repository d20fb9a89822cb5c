"""Message search: a full-text index over the user's messages, the /api/search endpoint and the /search page."""
from dreamchat.search.routes import bp  # noqa: F401
