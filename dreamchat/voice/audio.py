"""Reading an uploaded voice note: which container it is (by its magic bytes) and how long it lasts.

Accepted: Opus in WebM (what Chromium and Firefox's MediaRecorder make) or in Ogg (Safari, Firefox).
The length comes from the container, and the client writes the container, so a file never counts as
shorter than its own contents say: for Ogg the largest granule position over all pages (48 kHz
samples for Opus, minus the OpusHead pre-skip); for WebM the larger of the Duration element and the
timestamp of its last block plus one Opus frame (live recorders write no Duration). None when the
container does not say (then the route uses the length the client sent). Whatever the container
says, a note is at least as long as its size at Opus's highest bitrate (min_duration_ms): the route
counts that floor too. The WebM walk stops after MAX_WEBM_ELEMENTS elements (a file of tiny
elements would otherwise keep a thread busy).
Pure functions of bytes, no database: the route runs them off the event loop (offload.run_blocking).
"""
from __future__ import annotations

import struct

WEBM_MAGIC = b"\x1a\x45\xdf\xa3"
OGG_MAGIC = b"OggS"
MIME_TYPES = {"webm": "audio/webm", "ogg": "audio/ogg"}
OPUS_RATE = 48000
OPUS_FRAME_MS = 20
# Opus never exceeds 510 kbit/s (63,750 bytes a second): counted at 64 KiB a second, a margin for the
# container's own bytes, a note lasts at least this long.
MAX_OPUS_BYTES_PER_SECOND = 64 * 1024
# Real notes have one block a 20 ms frame (a few elements each): 100,000 elements are over half an hour.
MAX_WEBM_ELEMENTS = 100_000

# EBML element ids (as read, with their length marker bits).
SEGMENT, INFO, TRACKS, CLUSTER, BLOCK_GROUP = 0x18538067, 0x1549A966, 0x1654AE6B, 0x1F43B675, 0xA0
TIMECODE_SCALE, DURATION, CLUSTER_TIMECODE, SIMPLE_BLOCK, BLOCK = 0x2AD7B1, 0x4489, 0xE7, 0xA3, 0xA1
DESCEND = {SEGMENT, INFO, CLUSTER, BLOCK_GROUP}


def container_of(data: bytes) -> str | None:
    """"webm", "ogg", or None for anything else."""
    if data.startswith(WEBM_MAGIC):
        return "webm"
    if data.startswith(OGG_MAGIC):
        return "ogg"
    return None


def duration_ms(data: bytes, container: str) -> int | None:
    """The note's length in milliseconds as its container tells it, or None."""
    try:
        return ogg_duration_ms(data) if container == "ogg" else webm_duration_ms(data)
    except (IndexError, ValueError, OverflowError, struct.error):
        return None


def min_duration_ms(size: int) -> int:
    """The shortest a note of `size` bytes can be: its size at Opus's highest bitrate (with a margin)."""
    return size * 1000 // MAX_OPUS_BYTES_PER_SECOND


def ogg_pages(data: bytes):
    """(offset, granule position) of each Ogg page, walked by the pages' own sizes; where that breaks
    (a damaged or crafted file), the walk goes on from the next capture pattern."""
    position = data.find(OGG_MAGIC)
    while 0 <= position and position + 27 <= len(data):
        granule = struct.unpack_from("<q", data, position + 6)[0]
        segments = data[position + 27:position + 27 + data[position + 26]]
        yield position, granule
        following = position + 27 + len(segments) + sum(segments)
        if data[following:following + 4] != OGG_MAGIC:
            following = data.find(OGG_MAGIC, position + 4)
        position = following


def ogg_duration_ms(data: bytes) -> int | None:
    """The largest granule position of any page in 48 kHz samples, less the pre-skip of OpusHead."""
    granule = max((g for _, g in ogg_pages(data)), default=0)
    head = data.find(b"OpusHead")
    pre_skip = struct.unpack_from("<H", data, head + 10)[0] if 0 <= head and head + 12 <= len(data) else 0
    if granule <= 0:
        return None
    return max(0, round((granule - pre_skip) * 1000 / OPUS_RATE))


def _vint(data: bytes, position: int, keep_marker: bool) -> tuple[int, int, bool]:
    """An EBML variable-length integer at position: (value, next position, all ones = unknown size)."""
    first = data[position]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise ValueError("bad EBML length")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[position + 1:position + length]:
        value = (value << 8) | byte
    if position + length > len(data):
        raise ValueError("truncated")
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, position + length, unknown


def webm_duration_ms(data: bytes) -> int | None:
    """The larger of Duration and the last block's time plus one Opus frame, x TimecodeScale (a
    Duration the client wrote does not make a longer recording shorter). Segment, Info, Cluster and
    BlockGroup are entered (their size may be unknown, as live recorders write them); every other
    element is skipped by its size; at most MAX_WEBM_ELEMENTS elements are read."""
    position, scale, declared, cluster_time, last_block = 0, 1_000_000, None, 0, None
    end, elements = len(data), 0
    while position < end and elements < MAX_WEBM_ELEMENTS:
        elements += 1
        element, position, _ = _vint(data, position, keep_marker=True)
        size, position, unknown = _vint(data, position, keep_marker=False)
        if element in DESCEND:
            continue
        if unknown or position + size > end:
            break
        payload = data[position:position + size]
        if element == TIMECODE_SCALE:
            scale = int.from_bytes(payload, "big") or scale
        elif element == DURATION and size in (4, 8):
            declared = struct.unpack(">f" if size == 4 else ">d", payload)[0]
        elif element == CLUSTER_TIMECODE:
            cluster_time = int.from_bytes(payload, "big")
        elif element in (SIMPLE_BLOCK, BLOCK):
            _, after_track, _ = _vint(payload, 0, keep_marker=False)
            relative = struct.unpack_from(">h", payload, after_track)[0]
            last_block = max(last_block or 0, cluster_time + relative)
        position += size
    lengths = []
    if declared and declared > 0:
        lengths.append(round(declared * scale / 1_000_000))
    if last_block is not None:
        lengths.append(round(last_block * scale / 1_000_000) + OPUS_FRAME_MS)
    return max(lengths) if lengths else None


def read_note(data: bytes) -> tuple[str | None, int | None]:
    """(container, duration in ms) of an upload; (None, None) when it is neither WebM nor Ogg."""
    container = container_of(data)
    return (container, duration_ms(data, container)) if container else (None, None)
