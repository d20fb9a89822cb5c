"""SVG avatars for companions, and the palette check shared with the photo providers.

Personas can be imported from user JSON, so every value that ends up in markup is
validated (colours) or XML-escaped (names) here.
"""
from __future__ import annotations

import hashlib
import re
from xml.sax.saxutils import escape

from dreamchat.companions.persona import Persona

DEFAULT_PALETTE: tuple[str, str, str] = ("#ff6f91", "#845ec2", "#ffc75f")
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
ATTRIBUTE_ENTITIES = {'"': "&quot;", "'": "&apos;"}


def safe_palette(colors: object) -> tuple[str, str, str]:
    """Three lower-case '#rrggbb' colours: the valid ones given, then the defaults."""
    given = colors if isinstance(colors, (list, tuple)) else ()
    valid = [c.lower() for c in given if isinstance(c, str) and HEX_COLOR.fullmatch(c)]
    return tuple((valid + list(DEFAULT_PALETTE))[:3])  # type: ignore[return-value]


def _initial(name: str) -> str:
    stripped = name.strip() if isinstance(name, str) else ""
    return stripped[0].upper() if stripped else "?"


def render_avatar_svg(persona: Persona, size: int = 96) -> str:
    """A round avatar: palette gradient, soft head-and-shoulders silhouette, the name's initial."""
    first, second, accent = safe_palette(persona.colors)
    name = persona.name if isinstance(persona.name, str) else ""
    digest = hashlib.sha1(f"{persona.slug}|{name}|{first}{second}{accent}".encode()).hexdigest()[:8]
    gradient_id = f"dc-avatar-{digest}"
    label = escape(name, ATTRIBUTE_ENTITIES)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="{int(size)}" '
        f'height="{int(size)}" role="img" aria-label="{label}">'
        f"<title>{escape(name)}</title>"
        "<defs>"
        f'<linearGradient id="{gradient_id}" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{first}"/><stop offset="1" stop-color="{second}"/>'
        "</linearGradient>"
        "</defs>"
        f'<circle cx="50" cy="50" r="50" fill="url(#{gradient_id})"/>'
        '<ellipse cx="36" cy="24" rx="26" ry="14" fill="#ffffff" fill-opacity="0.16"/>'
        '<g fill="#ffffff" fill-opacity="0.2">'
        '<circle cx="50" cy="44" r="19"/>'
        '<path d="M14 92 C18 70 34 63 50 63 C66 63 82 70 86 92 Z"/>'
        "</g>"
        f'<path d="M77 15 L79.5 21.5 L86 24 L79.5 26.5 L77 33 L74.5 26.5 L68 24 L74.5 21.5 Z" fill="{accent}"/>'
        '<text x="50" y="51" text-anchor="middle" dominant-baseline="central" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="42" '
        f'font-weight="600" fill="#ffffff">{escape(_initial(name))}</text>'
        "</svg>"
    )
