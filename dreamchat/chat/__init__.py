"""The chat: its pages and HTTP reads (routes.py) and its Socket.IO handlers (events.py)."""
from flask import Blueprint

bp = Blueprint("chat", __name__)

from dreamchat.chat import events, groups, routes  # noqa: E402,F401
