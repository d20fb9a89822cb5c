"""Companions over HTTP and the CLI: avatars, `flask companions seed|import|import-card|portraits`, validation."""
from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
from collections import OrderedDict
from pathlib import Path

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, Response, abort, current_app, redirect, request, url_for

from dreamchat.companions import directory
from dreamchat.companions.cards import MAX_CARD_BYTES, CardError, ParsedCard, parse_card
from dreamchat.companions.cards.spec import MAX_FIELD_BYTES, MAX_INFLATED_BYTES, PARSE_TIMEOUT_SECONDS
from dreamchat.companions.persona import Persona, load_default_personas
from dreamchat.extensions import db
from dreamchat.models import Companion
from dreamchat.photos.local.portrait import (DEFAULT_PORTRAIT_SIZE, contact_sheet, nearest_size, portrait_version,
                                              render_portrait)

bp = Blueprint("companions", __name__, cli_group="companions")

HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
SLUG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


@bp.get("/companions/<slug>/avatar")
def avatar(slug: str):
    """The companion's imported picture (PNG), else her portrait (PNG, ?size=64|128|256, default 128)."""
    companion = Companion.by_slug(slug, so.undefer(Companion.avatar_png))
    if companion is None:
        abort(404)
    if companion.avatar_png:
        response = Response(companion.avatar_png, mimetype="image/png")
        response.set_etag(hashlib.sha256(companion.avatar_png).hexdigest()[:32])
        return _cached_publicly(response).make_conditional(request)
    persona = companion.to_persona()
    size = nearest_size(request.args.get("size", DEFAULT_PORTRAIT_SIZE))
    etag = f"{portrait_version(persona)}-{size}"
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return _cached_publicly(response)
    db.session.close()  # no connection held while a worker thread draws
    response = Response(portraits.get(persona, size), mimetype="image/png")
    response.set_etag(etag)
    return _cached_publicly(response)


@bp.get("/companions/<slug>/avatar.svg")
def avatar_svg(slug: str):
    """The old SVG avatar's address: a redirect to her avatar, so old links show her portrait."""
    if Companion.by_slug(slug) is None:
        abort(404)
    size = nearest_size(request.args.get("size", DEFAULT_PORTRAIT_SIZE))
    return _cached_publicly(redirect(url_for("companions.avatar", slug=slug, size=size)))


def _cached_publicly(response: Response) -> Response:
    max_age = int(current_app.config.get("AVATAR_MAX_AGE_SECONDS", 86400))
    response.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age > 0 else "public, no-cache"
    return response


class PortraitCache:
    """Portraits drawn by this process, by look version and size; the least recently used go first.

    Drawing is CPU work, so it runs in a worker thread (run_blocking), never on the event loop.
    """

    def __init__(self) -> None:
        self._portraits: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, persona: Persona, size: int) -> bytes:
        from dreamchat.offload import run_blocking

        key = (portrait_version(persona), size)
        with self._lock:
            if key in self._portraits:
                self._portraits.move_to_end(key)
                return self._portraits[key]
        data = run_blocking(render_portrait, persona, size)
        limit = int(current_app.config.get("PORTRAIT_CACHE_SIZE", 64))
        with self._lock:
            if limit > 0:
                self._portraits[key] = data
                while len(self._portraits) > limit:
                    self._portraits.popitem(last=False)
        return data

    def __len__(self) -> int:
        return len(self._portraits)

    def clear(self) -> None:
        with self._lock:
            self._portraits.clear()


portraits = PortraitCache()


class PersonaError(ValueError):
    pass


def validate_persona(data: object) -> Persona:
    """A persona from untrusted JSON: required fields, types, lengths and an adult age."""
    if not isinstance(data, dict):
        raise PersonaError("each companion must be a JSON object")
    required = {"slug": str, "name": str, "age": int, "tagline": str, "personality": str, "greeting": str}
    for key, kind in required.items():
        if not isinstance(data.get(key), kind) or (kind is str and not data[key].strip()):
            raise PersonaError(f"{key!r} is required ({kind.__name__})")
    slug = data["slug"]
    if len(slug) > 40 or not set(slug) <= SLUG_CHARS:
        raise PersonaError(f"slug {slug!r} must be lowercase letters, digits or dashes (40 at most)")
    if data["age"] < 18:
        raise PersonaError(f"{slug}: companions must be adults (18+)")
    colors = data.get("colors", [])
    if isinstance(colors, list) and not all(isinstance(c, str) and HEX_COLOR.fullmatch(c) for c in colors):
        raise PersonaError(f"{slug}: colors must be #rrggbb strings")
    for key in ("interests", "colors", "traits"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise PersonaError(f"{slug}: {key!r} must be a list of strings")
    return Persona.from_dict(data)


def upsert_personas(personas: list[Persona]) -> tuple[int, int]:
    """Create or update companions by slug; returns (created, updated)."""
    created = updated = 0
    existing = {c.slug: c for c in db.session.scalars(sa.select(Companion))}
    next_position = max((c.position for c in existing.values()), default=-1) + 1
    for persona in personas:
        companion = existing.get(persona.slug)
        if companion is None:
            companion = Companion(position=next_position)
            next_position += 1
            db.session.add(companion)
            created += 1
        else:
            updated += 1
        companion.update_from_persona(persona)
    db.session.commit()
    directory.forget()
    return created, updated


@bp.cli.command("seed")
def seed_command() -> None:
    """Create or refresh the default companions (emma, luna, sofia, zoe)."""
    created, updated = upsert_personas(load_default_personas())
    click.echo(f"companions: {created} created, {updated} updated")


@bp.cli.command("portraits")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def portraits_command(path: Path) -> None:
    """Write a contact sheet (PNG) of every companion's portrait above one of her selfies."""
    companions = db.session.scalars(sa.select(Companion).order_by(Companion.position)).all()
    contact_sheet([companion.to_persona() for companion in companions]).save(path, "PNG", optimize=True)
    click.echo(f"{path}: {len(companions)} companions")


@bp.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Import companions from a JSON file: one object or a list, in the default_companions.json shape."""
    try:
        data = json.loads(path.read_text("utf-8"))
        items = data if isinstance(data, list) else [data]
        personas = [validate_persona(item) for item in items]
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{path} is not valid JSON: {error}")
    except PersonaError as error:
        raise click.ClickException(str(error))
    created, updated = upsert_personas(personas)
    click.echo(f"companions: {created} created, {updated} updated")


def free_slug(base: str) -> str:
    """base, or base-2, base-3...: the first slug no companion has (40 characters at most)."""
    taken = set(db.session.scalars(sa.select(Companion.slug)))
    if base not in taken:
        return base
    for number in itertools.count(2):
        candidate = f"{base[:40 - len(str(number)) - 1].rstrip('-')}-{number}"
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")


_PARSING = threading.Semaphore(1)  # green under eventlet (app.py patches before importing this)


def parse_card_off_loop(data: bytes, filename: str) -> ParsedCard:
    """parse_card (text, PNG chunks, avatar decoding) in a worker thread under eventlet, so the event
    loop keeps serving everyone else; refused after CARD_PARSE_TIMEOUT_SECONDS whatever the file."""
    from dreamchat.extensions import socketio
    from dreamchat.offload import run_blocking

    config = current_app.config
    timeout = float(config.get("CARD_PARSE_TIMEOUT_SECONDS", PARSE_TIMEOUT_SECONDS))
    options = {"max_field_bytes": int(config.get("CARD_MAX_FIELD_BYTES", MAX_FIELD_BYTES)),
               "max_inflated_bytes": int(config.get("CARD_MAX_INFLATED_BYTES", MAX_INFLATED_BYTES)),
               "timeout": timeout or None}

    def parse() -> ParsedCard:
        return parse_card(data, filename, **options)

    def one_at_a_time() -> ParsedCard:
        # a 25-megapixel avatar takes ~100 MB while decoded: one card at a time bounds the memory
        with _PARSING:
            return run_blocking(parse)

    if socketio.async_mode != "eventlet" or not timeout:
        return one_at_a_time()
    import eventlet

    # parse_card also stops itself at the deadline; this bounds the wait (for the card before it too,
    # and even if one step overruns).
    try:
        with eventlet.Timeout(timeout + 0.5):
            return one_at_a_time()
    except eventlet.Timeout:
        raise CardError(f"{filename or 'the card'} took too long to read "
                        f"(more than {timeout:g} s, CARD_PARSE_TIMEOUT_SECONDS)") from None


def import_card(data: bytes, filename: str, slug: str | None = None,
                update: bool = False) -> tuple[Companion, bool, ParsedCard]:
    """Create (or with update, overwrite) a companion from a Character Card V1/V2/V3, JSON or PNG.

    Raises CardError or PersonaError for files that cannot become a companion; nothing is stored then.
    """
    if len(data) > MAX_CARD_BYTES:
        raise CardError(f"the card is too large (at most {MAX_CARD_BYTES // 1024 // 1024} MB)")
    parsed = parse_card_off_loop(data, filename)
    wanted = slug or parsed.persona.slug
    persona = validate_persona({**parsed.persona_dict(), "slug": wanted if update else free_slug(wanted)})
    companion = Companion.by_slug(persona.slug)
    created = companion is None
    if created:
        last = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Companion.position), -1)))
        companion = Companion(position=last + 1)
        db.session.add(companion)
    companion.update_from_persona(persona)
    companion.avatar_png = parsed.avatar_png
    db.session.commit()
    directory.forget()
    return companion, created, parsed


@bp.cli.command("import-card")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="Slug for the companion (default: from the card's name).")
@click.option("--update", is_flag=True, help="Overwrite the companion with this slug instead of picking a free one.")
def import_card_command(path: Path, slug: str | None, update: bool) -> None:
    """Import a companion from a character card: SillyTavern PNG (chara/ccv3 chunk) or V1/V2/V3 JSON."""
    if path.stat().st_size > MAX_CARD_BYTES:
        raise click.ClickException(f"{path} is too large (at most {MAX_CARD_BYTES // 1024 // 1024} MB)")
    try:
        companion, created, parsed = import_card(path.read_bytes(), path.name, slug, update)
    except (CardError, PersonaError) as error:
        raise click.ClickException(str(error))
    for warning in parsed.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"companion {companion.slug!r} ({companion.name}, {companion.age}) "
               f"{'created' if created else 'updated'} from a {parsed.spec} card"
               f"{', with its avatar' if parsed.avatar_png else ''}")
