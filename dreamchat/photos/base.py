"""The photo provider interface: who makes the companion's pictures."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from dreamchat.companions.persona import Persona


ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class PhotoRequest:
    persona: Persona
    context: str
    seed: int


@dataclass(frozen=True)
class PhotoResult:
    data: bytes
    mime: str
    width: int
    height: int
    caption: str


class PhotoProvider(ABC):
    """Makes one picture. Called from a background task with no database transaction open."""

    name: str = "base"
    # True for providers that compute locally: they run off the event loop (eventlet's thread pool).
    cpu_bound: bool = False

    @abstractmethod
    def generate(self, request: PhotoRequest, on_progress: ProgressCallback | None = None) -> PhotoResult:
        """Return the encoded image and a short caption in the companion's voice.
        Providers that can tell call on_progress(fraction) with 0.0..1.0 while they work."""
