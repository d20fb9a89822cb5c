"""Checks for socket payloads: each failure becomes an error ack, never an exception upstream."""
from __future__ import annotations

import re
import uuid

from dreamchat.models import Companion

CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_IDS_PER_CALL = 200


class InputError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def require_companion(payload: dict) -> Companion:
    slug = payload.get("girl_id")
    if not isinstance(slug, str) or not slug:
        raise InputError("invalid", "girl_id is required.")
    companion = Companion.by_slug(slug)
    if companion is None:
        raise InputError("not_found", "No such companion.")
    return companion


def require_text(payload: dict, key: str, max_length: int) -> str:
    value = payload.get(key)
    if not isinstance(value, str):
        raise InputError("invalid", f"{key} must be a string.")
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
    if not isinstance(value, str) or not CLIENT_ID_PATTERN.match(value):
        raise InputError("invalid", f"{key} must be 8 to 64 letters, digits, dashes or underscores.")
    return value


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
    if not all(isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in value):
        raise InputError("invalid", f"{key} must hold positive integer ids.")
    return list(dict.fromkeys(value))
