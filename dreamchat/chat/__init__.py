from flask import Blueprint

bp = Blueprint("chat", __name__)

from dreamchat.chat import events, routes  # noqa: E402,F401
