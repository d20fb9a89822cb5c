"""The local photo maker (PHOTO_PROVIDER=local): drawing primitives, what a request asks for, scenes, the figure."""
from dreamchat.photos.local.look import scene_for_context, time_of_day
from dreamchat.photos.local.provider import LocalPhotoProvider, caption_for

__all__ = ["LocalPhotoProvider", "caption_for", "scene_for_context", "time_of_day"]
