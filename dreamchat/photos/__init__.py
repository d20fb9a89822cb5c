"""Photo providers: who makes the companion's pictures, chosen by PHOTO_PROVIDER."""
from __future__ import annotations

from dreamchat.photos.base import PhotoProvider, PhotoRequest, PhotoResult

__all__ = ["PhotoProvider", "PhotoRequest", "PhotoResult", "create_photo_provider"]


def create_photo_provider(config) -> PhotoProvider:
    """Built once at start: `local` (Pillow), `openai` (Images API) or `automatic1111` (SD WebUI)."""
    name = config["PHOTO_PROVIDER"]
    if name == "local":
        from dreamchat.photos.local import LocalPhotoProvider

        return LocalPhotoProvider()
    if name == "openai":
        from dreamchat.providers import ProviderError
        from dreamchat.photos.openai_images import OpenAIImagesProvider

        try:
            return OpenAIImagesProvider(config["PHOTO_BASE_URL"], config["PHOTO_API_KEY"],
                                        model=config["PHOTO_MODEL"], size=config["PHOTO_SIZE"],
                                        timeout=config["PHOTO_TIMEOUT_SECONDS"])
        except ProviderError as error:
            raise SystemExit(f"PHOTO_PROVIDER=openai: {error}")
    if name == "automatic1111":
        from dreamchat.extensions import socketio
        from dreamchat.photos.automatic1111 import Automatic1111Provider

        return Automatic1111Provider(config["SD_URL"], steps=config["SD_STEPS"], width=config["SD_WIDTH"],
                                     height=config["SD_HEIGHT"], sampler=config["SD_SAMPLER"],
                                     timeout=config["PHOTO_TIMEOUT_SECONDS"],
                                     sleep=lambda seconds: socketio.sleep(seconds))
    raise SystemExit(f"PHOTO_PROVIDER={name!r} is not known; use 'local', 'openai' or 'automatic1111'.")
