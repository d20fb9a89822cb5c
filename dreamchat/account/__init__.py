"""The user's control over their account: password, sessions, a copy of their data, deletion."""
from dreamchat.account.routes import bp

__all__ = ["bp"]
