"""The photo pipeline: one pending photo, claimed by this process, made by the provider (off the event
loop when it is CPU-bound)."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from dreamchat.actions import photos
from dreamchat.extensions import db
from dreamchat.offload import run_blocking
from dreamchat.models import Companion, Photo
from dreamchat.photos import PhotoRequest
from dreamchat.tasks import claims

if TYPE_CHECKING:
    from dreamchat.tasks.scheduler import TaskScheduler

log = logging.getLogger(__name__)


def make_photo(scheduler: TaskScheduler, photo_id: int) -> None:
    """Make the photo if it is still pending, then store it (or mark it failed) through actions."""
    app = scheduler.app
    with app.app_context():
        if not claims.claim_photo(photo_id, scheduler.worker_id, scheduler.photo_lease):
            db.session.remove()
            return  # done, failed, or being made by another process
        try:
            photo = db.session.get(Photo, photo_id)
            if photo is None or photo.status != "pending":
                return
            companion = db.session.get(Companion, photo.companion_id)
            request = PhotoRequest(persona=companion.to_persona(), context=photo.context or "selfie", seed=photo.id)
            progress = ProgressReporter(photo.user_id, companion.slug, photo.request_id)
            progress.silent = photo.group_id is not None  # the group page shows the photo once made
            db.session.remove()
            provider = app.extensions["photo_provider"]
            if provider.cpu_bound:
                scheduler.pause(2.5)
                result = run_blocking(provider.generate, request)
            else:
                result = provider.generate(request, progress)
            photos.complete_photo(photo_id, result.data, result.mime, result.width, result.height, result.caption)
        except Exception:
            log.exception("photo %s failed", photo_id)
            db.session.rollback()
            photos.fail_photo(photo_id)


class ProgressReporter:
    """Passes a photo provider's progress to the user's tabs as photo_progress, at most every 2 %."""

    def __init__(self, user_id: int, companion_slug: str, request_id: str) -> None:
        self.user_id, self.companion_slug, self.request_id = user_id, companion_slug, request_id
        self.last = -1.0
        self.silent = False

    def __call__(self, progress: float) -> None:
        progress = max(0.0, min(1.0, float(progress)))
        if not self.silent and (progress - self.last >= 0.02 or (progress == 1.0 and self.last < 1.0)):
            self.last = progress
            photos.report_photo_progress(self.user_id, self.companion_slug, self.request_id, progress)
