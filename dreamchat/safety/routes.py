"""The published safety protocol: SAFETY.md and the crisis lines this server is configured with."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import markdown
from flask import Blueprint, current_app, render_template
from markupsafe import Markup

bp = Blueprint("safety", __name__)

PROTOCOL_FILE = Path(__file__).resolve().parents[2] / "SAFETY.md"


@lru_cache(maxsize=1)
def protocol_html() -> Markup:
    """SAFETY.md rendered once; it is our own text, so its HTML is trusted."""
    return Markup(markdown.markdown(PROTOCOL_FILE.read_text(encoding="utf-8"), extensions=["tables"]))


@bp.get("/safety")
def protocol():
    """Open to everyone, signed in or not."""
    resources = current_app.extensions["crisis_resources"]
    return render_template("safety/protocol.html", protocol=protocol_html(), resources=resources)
