"""Background work, seen from outside: ask for a reply or a photo later, and read what is running now.

Actions and handlers call these functions; the app's scheduler (tasks.scheduler.TaskScheduler,
registered by create_app through init_app) does the work. Importing this module imports neither the
scheduler nor the pipelines, so actions schedule work without depending on the code that runs it
(which imports actions), and calls go one way: handlers -> actions -> models, tasks -> actions.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from dreamchat.tasks.reply import ActiveStream
    from dreamchat.tasks.scheduler import TaskScheduler

EXTENSION = "companion_worker"


def init_app(app: Flask) -> None:
    from dreamchat.tasks.scheduler import TaskScheduler

    app.extensions[EXTENSION] = TaskScheduler(app)


def app_scheduler() -> TaskScheduler:
    return current_app.extensions[EXTENSION]


def reply_later(user_id: int, companion_id: int, avoid: str | None = None) -> None:
    """After a user message is committed: the companion answers it (with the others waiting) soon.
    avoid: a reply the user rejected (regenerate); the next one should differ."""
    app_scheduler().reply_later(user_id, companion_id, avoid=avoid)


def group_reply_later(user_id: int, group_id: int) -> None:
    """After a user message of a group chat is committed: the group's turn runs soon (once)."""
    app_scheduler().group_reply_later(user_id, group_id)


def make_photo_later(photo_id: int) -> None:
    """After a photo request is committed: make the picture in the background."""
    app_scheduler().make_photo_later(photo_id)


def note_user_typing(user_id: int, companion_id: int, is_typing: bool) -> None:
    """The companion waits for the user to finish typing before she answers."""
    app_scheduler().note_user_typing(user_id, companion_id, is_typing)


def note_group_typing(user_id: int, group_id: int, is_typing: bool) -> None:
    """The group's companions wait for the user to finish typing before the turn is answered."""
    app_scheduler().note_group_typing(group_id, is_typing)


def event_started() -> None:
    """A socket event is being handled: replies' CPU work waits for its ack (briefly)."""
    app_scheduler().event_started()


def event_finished() -> None:
    app_scheduler().event_finished()


def resume_unfinished() -> None:
    """Once per process: answer the messages and make the photos a stopped process left undone."""
    app_scheduler().resume_unfinished()


def reply_running(user_id: int, companion_id: int) -> bool:
    return app_scheduler().reply_running(user_id, companion_id)


def active_stream(user_id: int, companion_id: int) -> ActiveStream | None:
    """The reply being streamed in this conversation right now, if any (this process only)."""
    return app_scheduler().active_stream(user_id, companion_id)


def active_streams(user_id: int) -> list[ActiveStream]:
    return app_scheduler().active_streams(user_id)
