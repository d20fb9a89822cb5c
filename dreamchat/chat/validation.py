"""Checks for socket payloads and HTTP arguments, in one place: each failure becomes an error ack
(InputError) or a 4xx, never an exception upstream.

Ids are integers within 1..2**63-1 (what the database holds); over HTTP they are ASCII digits only.
Strings are valid Unicode without lone surrogates or NUL. A socket payload is a flat object (see
check_payload_shape).
"""
from __future__ import annotations

import re
import uuid

from flask import abort, request

from dreamchat.companions import directory
from dreamchat.companions.directory import CompanionRef

CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
ASCII_DIGITS = re.compile(r"[0-9]{1,10}")
MAX_ID = 2**31 - 1  # the id columns are INTEGER (int4 on PostgreSQL)
MAX_IDS_PER_CALL = 200
MAX_LIST_ITEMS = MAX_IDS_PER_CALL
MAX_PAYLOAD_KEYS = 32
MAX_KEY_LENGTH = 64


class InputError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def clean_text_field(_form, field) -> None:
    """A WTForms validator: is_clean_text for form fields (names, passwords, memory values)."""
    from wtforms.validators import ValidationError

    if isinstance(field.data, str) and not is_clean_text(field.data):
        raise ValidationError("The text holds characters that cannot be stored.")


def is_clean_text(value: str) -> bool:
    """Valid Unicode the database and JSON take: no lone surrogate, no NUL."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_id(value: object, *, allow_zero: bool = False) -> bool:
    """An int (not a bool) within 1..MAX_ID (0..MAX_ID with allow_zero)."""
    return (isinstance(value, int) and not isinstance(value, bool)
            and (0 if allow_zero else 1) <= value <= MAX_ID)


def parse_id(raw: object, *, allow_zero: bool = False) -> int | None:
    """An id from a URL or query string: ASCII digits only (no sign, no spaces, no "²" or "٣"),
    within 1..MAX_ID; None for anything else."""
    if not isinstance(raw, str) or not ASCII_DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if is_id(value, allow_zero=allow_zero) else None


def id_arg(name: str) -> int | None:
    """For HTTP routes: a query argument that is an id or a count (ASCII digits within
    1..2^63-1); None when absent, 400 for anything else."""
    raw = request.args.get(name)
    if raw is None:
        return None
    value = parse_id(raw)
    if value is None:
        abort(400, description=f"{name} must be a whole number from 1 to 2^63-1.")
    return value


def id_or_404(raw: str) -> int:
    """For HTTP routes: an id from the URL path (routes take it as a string); anything but ASCII
    digits within 1..2^63-1 is not found."""
    value = parse_id(raw)
    if value is None:
        abort(404)
    return value


def check_payload_shape(payload: object) -> dict:
    """A socket payload is a flat object: at most MAX_PAYLOAD_KEYS keys (short clean strings), each
    value null, a boolean, a number, a clean string, or a list of at most MAX_LIST_ITEMS of those.
    Unknown keys are ignored by the handlers but held to the same shape."""
    if not isinstance(payload, dict):
        raise InputError("invalid", "The payload must be an object.")
    if len(payload) > MAX_PAYLOAD_KEYS:
        raise InputError("invalid", f"The payload has more than {MAX_PAYLOAD_KEYS} fields.")
    for key, value in payload.items():
        if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not is_clean_text(key):
            raise InputError("invalid", "The payload has a malformed field name.")
        if isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                raise InputError("too_long", f"{key} has more than {MAX_LIST_ITEMS} items.")
            if not all(_is_scalar(item) for item in value):
                raise InputError("invalid", f"{key} must not hold objects, lists or malformed text.")
        elif not _is_scalar(value):
            raise InputError("invalid", f"{key} must not be an object or malformed text.")
    return payload


def _is_scalar(value: object) -> bool:
    if isinstance(value, str):
        return is_clean_text(value)
    return value is None or isinstance(value, (bool, int, float))


def require_companion(payload: dict) -> CompanionRef:
    slug = payload.get("girl_id")
    if not isinstance(slug, str) or not slug:
        raise InputError("invalid", "girl_id is required.")
    if not is_clean_text(slug):
        raise InputError("invalid", "girl_id must be valid text (no NUL, no lone surrogates).")
    companion = directory.by_slug(slug)
    if companion is None:
        raise InputError("not_found", "No such companion.")
    return companion


def require_text(payload: dict, key: str, max_length: int) -> str:
    value = payload.get(key)
    if not isinstance(value, str):
        raise InputError("invalid", f"{key} must be a string.")
    if not is_clean_text(value):
        raise InputError("invalid", f"{key} must be valid text (no NUL, no lone surrogates).")
    value = value.strip()
    if not value:
        raise InputError("invalid", f"{key} must not be empty.")
    if len(value) > max_length:
        raise InputError("too_long", f"{key} is longer than {max_length} characters.")
    return value


def optional_text(payload: dict, key: str, max_length: int, default: str = "") -> str:
    if payload.get(key) in (None, ""):
        return default
    return require_text(payload, key, max_length)


def optional_client_id(payload: dict, key: str = "client_id") -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not CLIENT_ID_PATTERN.fullmatch(value):
        raise InputError("invalid", f"{key} must be 8 to 64 letters, digits, dashes or underscores.")
    return value


def require_choice_or_null(payload: dict, key: str, choices: tuple[str, ...]) -> str | None:
    """A key that must be present: one of choices exactly, or null."""
    if key not in payload:
        raise InputError("invalid", f"{key} is required (null to remove).")
    value = payload[key]
    if value is not None and (not isinstance(value, str) or value not in choices):
        raise InputError("invalid", f"{key} must be one of {' '.join(choices)}, or null.")
    return value


def optional_id(payload: dict, key: str) -> int | None:
    return None if payload.get(key) is None else require_id(payload, key)


def new_request_id() -> str:
    return uuid.uuid4().hex


def require_bool(payload: dict, key: str) -> bool:
    value = payload.get(key)
    if not isinstance(value, bool):
        raise InputError("invalid", f"{key} must be true or false.")
    return value


def require_id_list(payload: dict, key: str) -> list[int]:
    value = payload.get(key)
    if not isinstance(value, list) or not value:
        raise InputError("invalid", f"{key} must be a non-empty list of message ids.")
    if len(value) > MAX_IDS_PER_CALL:
        raise InputError("too_long", f"At most {MAX_IDS_PER_CALL} ids per call.")
    if not all(is_id(item) for item in value):
        raise InputError("invalid", f"{key} must hold message ids (integers from 1 to 2^63-1).")
    return list(dict.fromkeys(value))


def require_id(payload: dict, key: str, *, allow_zero: bool = False) -> int:
    value = payload.get(key)
    if not is_id(value, allow_zero=allow_zero):
        low = 0 if allow_zero else 1
        raise InputError("invalid", f"{key} must be an integer from {low} to 2^63-1.")
    return value
