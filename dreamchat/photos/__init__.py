"""Photo providers: who makes the companion's pictures, chosen by PHOTO_PROVIDER."""
from __future__ import annotations

from dreamchat.photos.base import PhotoProvider, PhotoRequest, PhotoResult

__all__ = ["PhotoProvider", "PhotoRequest", "PhotoResult", "create_photo_provider"]


def create_photo_provider(config) -> PhotoProvider:
    name = config["PHOTO_PROVIDER"]
    if name == "local":
        from dreamchat.photos.local import LocalPhotoProvider

        return LocalPhotoProvider()
    raise SystemExit(f"PHOTO_PROVIDER={name!r} is not known; use 'local'.")
