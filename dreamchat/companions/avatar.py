"""The palette check shared by companion portraits and the photo providers.

Personas can be imported from user JSON, so every colour is validated here before anything draws with it.
Her avatar itself is her portrait: dreamchat/photos/local/portrait.py, served by companions/routes.py.
"""
from __future__ import annotations

import re

DEFAULT_PALETTE: tuple[str, str, str] = ("#ff6f91", "#845ec2", "#ffc75f")
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def safe_palette(colors: object) -> tuple[str, str, str]:
    """Three lower-case '#rrggbb' colours: the valid ones given, then the defaults."""
    given = colors if isinstance(colors, (list, tuple)) else ()
    valid = [c.lower() for c in given if isinstance(c, str) and HEX_COLOR.fullmatch(c)]
    return tuple((valid + list(DEFAULT_PALETTE))[:3])  # type: ignore[return-value]
