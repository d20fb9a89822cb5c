"""Companions as the hot path sees them, cached per app for a short while: no query per event.

by_slug() gives what handlers and actions need (id, slug, name); persona() what the reply
pipeline needs. Companions change rarely (seeding, card imports, the admin page): those call
forget() in this process; other processes see the change within CACHE_SECONDS.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from dreamchat.companions.persona import Persona
from dreamchat.extensions import db
from dreamchat.models import Companion

CACHE_SECONDS = 30.0
EXTENSION = "companion_directory"


@dataclass(frozen=True)
class CompanionRef:
    id: int
    slug: str
    name: str


def _cache() -> dict:
    return current_app.extensions.setdefault(EXTENSION, {})


def _cached(key, load):
    cache = _cache()
    now = time.monotonic()
    found = cache.get(key)
    if found is not None and now - found[0] < CACHE_SECONDS:
        return found[1]
    value = load()
    if value is not None:
        cache[key] = (now, value)
    return value


def by_slug(slug: object) -> CompanionRef | None:
    """The companion with this slug, or None (also for anything that cannot be a slug)."""
    if not isinstance(slug, str) or not slug or len(slug) > 40:
        return None
    return _cached(("slug", slug), lambda: _load_ref(Companion.slug == slug))


def by_id(companion_id: int) -> CompanionRef | None:
    return _cached(("id", companion_id), lambda: _load_ref(Companion.id == companion_id))


def _load_ref(where: sa.ColumnElement[bool]) -> CompanionRef | None:
    row = db.session.execute(sa.select(Companion.id, Companion.slug, Companion.name).where(where)).first()
    return CompanionRef(*row) if row else None


def persona(companion_id: int) -> Persona | None:
    def load() -> Persona | None:
        companion = db.session.get(Companion, companion_id)
        return companion.to_persona() if companion else None

    return _cached(("persona", companion_id), load)


def forget() -> None:
    """After companions were added or changed in this process."""
    _cache().clear()
