"""Sign-up, sign-in and sign-out (routes.py), with the forms they show (forms.py); login sessions,
how a cookie loads its user (sessions.py); password hashing off the event loop (passwords.py)."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from dreamchat.auth import routes  # noqa: E402,F401
