"""JSON for Socket.IO packets: the standard library's, except that a packet it cannot decode safely
(malformed, nested past the decoder's stack, an integer over MAX_INT_DIGITS digits) becomes an
event nobody handles, logged at INFO, instead of an exception and a traceback in the server."""
from __future__ import annotations

import json
import logging

log = logging.getLogger(__name__)

MAX_INT_DIGITS = 4000
UNDECODABLE = "undecodable_packet"


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of more than {MAX_INT_DIGITS} digits")
    return int(text)


def loads(text, *args, **kwargs):
    try:
        return json.loads(text, *args, parse_int=_bounded_int, **kwargs)
    except (RecursionError, ValueError) as error:
        log.info("socket packet refused: %s", type(error).__name__)
        return [UNDECODABLE]


def dumps(*args, **kwargs) -> str:
    return json.dumps(*args, **kwargs)
