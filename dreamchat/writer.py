"""Group commit: one writer task runs the writes queued while it worked in one transaction.

The hot path (a user's message, the companion's reading and her reply) hands its writes to
write(job, ...). The writer takes every job queued at that moment, runs them in order in one
transaction and commits once; the after_commit listener (actions/events.py) then emits what they
recorded, and each caller gets its job's result (or its exception). So seq order stays commit order,
and a hundred messages arriving together cost one commit instead of a hundred.

A job runs in the writer's own app context and session (db.session inside it is the writer's): it
reads and writes through db.session, never commits, and returns plain data, not ORM objects. The
caller's session gives its connection back while it waits (release_connection). A batch
that fails is rolled back and its jobs run again one transaction each, so a bad job fails alone and
the others are stored once.

WRITE_BATCH_MAX: at most this many jobs per transaction; 0 turns the writer off (each job then runs
and commits in its caller, as one transaction). The writer task stops after a few idle seconds and
starts again at the next write.
"""
from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from flask import Flask, current_app

from dreamchat.extensions import db, socketio

log = logging.getLogger(__name__)

EXTENSION = "group_writer"
IDLE_EXIT_SECONDS = 5.0


@dataclass
class Job:
    function: Callable[..., Any]
    args: tuple
    kwargs: dict
    done: Any = None
    result: Any = None
    error: BaseException | None = None


class GroupWriter:
    """The app's writer: a queue of jobs and the task that commits them in batches."""

    def __init__(self, app: Flask, batch_max: int) -> None:
        self.app = app
        self.batch_max = batch_max
        self._lock = threading.Lock()
        self._jobs: deque[Job] = deque()
        self._wake = None
        self._running = False
        self._local = threading.local()
        self.batches = 0
        self.jobs_written = 0

    def write(self, function: Callable[..., Any], *args, **kwargs) -> Any:
        """Run function(*args, **kwargs) in the next batch; returns its result once committed."""
        if not self.batch_max or getattr(self._local, "inside", False):
            return self._run_alone(function, args, kwargs)
        release_connection()
        server = socketio.server.eio
        job = Job(function, args, kwargs, done=server.create_event())
        with self._lock:
            self._jobs.append(job)
            if self._wake is None:
                self._wake = server.create_event()
            self._wake.set()
            start = not self._running
            self._running = True
        if start:
            socketio.start_background_task(self._run)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def _run_alone(self, function, args, kwargs):
        """Without the writer (off, or a job that writes again): the job and a commit, here."""
        try:
            result = function(*args, **kwargs)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return result

    def _take_batch(self) -> list[Job] | None:
        """The queued jobs (at most batch_max); None when the writer has been idle long enough to stop."""
        while True:
            with self._lock:
                if self._jobs:
                    count = min(len(self._jobs), self.batch_max)
                    batch = [self._jobs.popleft() for _ in range(count)]
                    if not self._jobs:
                        self._wake.clear()
                    return batch
                self._wake.clear()
            if not self._wake.wait(timeout=IDLE_EXIT_SECONDS):
                with self._lock:
                    if not self._jobs:
                        self._running = False
                        return None

    def _run(self) -> None:
        self._local.inside = True
        with self.app.app_context():
            try:
                while True:
                    batch = self._take_batch()
                    if batch is None:
                        return
                    try:
                        self._commit_batch(batch)
                    finally:
                        db.session.close()  # the connection goes back to the pool; the session is reused
                        for job in batch:
                            job.done.set()
                    socketio.sleep(0)
            finally:
                db.session.remove()

    def _commit_batch(self, batch: list[Job]) -> None:
        session = db.session
        try:
            for job in batch:
                job.result = job.function(*job.args, **job.kwargs)
            session.commit()
            self.batches += 1
            self.jobs_written += len(batch)
            return
        except Exception as error:  # noqa: BLE001 - each job runs again alone and keeps its own error
            session.rollback()
            if len(batch) == 1:
                batch[0].error, batch[0].result = error, None
                return
        for job in batch:
            job.result = None
            try:
                job.result = job.function(*job.args, **job.kwargs)
                session.commit()
                self.batches += 1
                self.jobs_written += 1
            except Exception as error:  # noqa: BLE001 - handed to the caller
                session.rollback()
                job.error, job.result = error, None


def release_connection() -> None:
    """A caller waiting for the writer gives its connection back to the pool first: with many
    callers waiting, their idle connections would otherwise leave none for the writer. Objects it
    loaded stay readable (detached); it must have no unsaved changes."""
    if not db.session.registry.has():
        return  # this context has no session yet: nothing to give back (and none is made)
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("commit or discard changes before handing writes to the writer")
    session.close()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = GroupWriter(app, max(0, int(app.config.get("WRITE_BATCH_MAX", 64) or 0)))


def write(function: Callable[..., Any], *args, **kwargs) -> Any:
    """Run a write job through the app's group-commit writer (see the module docstring)."""
    return current_app.extensions[EXTENSION].write(function, *args, **kwargs)
