"""Loads through the API as jobs: queued, run one after another in a thread of their own,
watched and cancelled while they run.

Every API load is a job, the synchronous ``POST /load`` too (it waits for its job and
answers its result). A job reports its phase and row counts from its
:class:`~gnlc.loaders.control.LoadControl`, and a cancel stops it at the load's next check,
with the graph as it was (see :mod:`gnlc.loaders.control` for when it is too late). At most
``MAX_UNFINISHED`` jobs wait or run (each holds its body, at most 5 MB); the last
``KEEP_FINISHED`` finished ones are kept for ``GET /loads``.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gnlc.errors import GnlcError, LoadCancelled
from gnlc.loaders.control import LoadControl, Phase
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.upload import UploadLimits, check_upload

if TYPE_CHECKING:
    from gnlc.api.deps import Services
    from gnlc.loaders.pipeline import LoadReport

KEEP_FINISHED = 50
MAX_UNFINISHED = 8
JobState = Literal["queued", "running", "cancelling", "finished", "failed", "cancelled"]
ENDED = ("finished", "failed", "cancelled")
log = logging.getLogger("gnlc.api.jobs")


class UnknownLoad(GnlcError):
    """No load job with that id on this server (never submitted, or finished long ago)."""

    http_status = 404


class TooLateToCancel(GnlcError):
    """The load has ended, or writes what cannot be undone (row by row): it cannot be cancelled."""

    http_status = 409


class TooManyLoads(GnlcError):
    """The queue of loads is full."""

    http_status = 429


@dataclass(frozen=True)
class Upload:
    """A file sent to be loaded, with how to load it."""

    body: bytes
    filename: str
    kind: str | None
    dry_run: bool


Runner = Callable[[Upload, LoadControl], dict[str, Any]]


class LoadProgress(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phase: Phase = Field(
        description="queued, waiting (for another load), reading, validating, comparing, writing, done"
    )
    rows_read: int = Field(description="rows read from the file")
    rows_validated: int = Field(description="rows checked and resolved (row by row)")
    rows_written: int = Field(description="nodes and relationships written")


class LoadError(BaseModel):
    model_config = ConfigDict(extra="forbid")
    error: str = Field(description="the kind of error, as in every error answer")
    message: str
    status: int = Field(description="the HTTP status POST /load answers for it")


class LoadJobPublic(BaseModel):
    """A load job: its state, progress and, once ended, its result or error."""

    model_config = ConfigDict(extra="forbid")
    id: str
    state: JobState = Field(
        description="queued, running, cancelling (asked, not yet stopped), finished, failed, cancelled"
    )
    cancellable: bool = Field(description="whether DELETE /loads/{id} can still stop it with the graph as it was")
    filename: str
    kind: str | None
    dry_run: bool
    submitted_at: str
    started_at: str | None
    ended_at: str | None
    progress: LoadProgress
    result: dict[str, Any] | None = Field(description="finished: what POST /load answers (files, changes, decisions)")
    error: LoadError | None = Field(description="failed or cancelled: why")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class LoadJob:
    """One load: its upload until it runs, then its outcome."""

    def __init__(self, upload: Upload) -> None:
        self.id = uuid.uuid4().hex
        self.upload: Upload | None = upload
        self.filename, self.kind, self.dry_run = upload.filename, upload.kind, upload.dry_run
        self.control = LoadControl()
        self.state: JobState = "queued"
        self.submitted_at = _now()
        self.started_at: str | None = None
        self.ended_at: str | None = None
        self.result: dict[str, Any] | None = None
        self.exception: BaseException | None = None
        self._lock = threading.Lock()
        self._on_end: list[Callable[[], None]] = []

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    def on_end(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from the job's thread) when the job ends; at once if it has."""
        with self._lock:
            if not self.ended:
                self._on_end.append(callback)
                return
        callback()

    def cancel(self, why: str | None = None) -> None:
        """Stop a queued job now, a running one at its next check; TooLateToCancel otherwise.
        ``why`` (its client left, its time budget was spent) is said in the job's error."""
        with self._lock:
            if self.state == "cancelled":
                return
            if self.state == "queued":
                self.control.cancel(why)
                self._end("cancelled", self.control.cancelled("before it started"))
                callbacks = self._take_callbacks()
            elif self.ended or not self.control.cancel(why):
                too_late = (
                    "it has ended"
                    if self.ended
                    else "it is writing row by row, and stopping would leave it half-written"
                )
                raise TooLateToCancel(f"load {self.id} cannot be cancelled: {too_late} (state {self.state})")
            else:
                return
        for callback in callbacks:
            callback()

    def run(self, runner: Runner) -> None:
        with self._lock:
            if self.state != "queued" or self.upload is None:
                return
            self.state, self.started_at, upload = "running", _now(), self.upload
        outcome: JobState = "failed"
        try:
            self.result = runner(upload, self.control)
            outcome = "finished"
        except LoadCancelled as exc:
            outcome, self.exception = "cancelled", exc
        except Exception as exc:
            self.exception = exc
            if not isinstance(exc, GnlcError):
                log.exception("load %s failed", self.id)
        with self._lock:
            self._end(outcome, self.exception)
            callbacks = self._take_callbacks()
        for callback in callbacks:
            callback()

    def _end(self, state: JobState, exception: BaseException | None) -> None:
        self.state, self.exception, self.ended_at, self.upload = state, exception, _now(), None
        self.control.end()

    def _take_callbacks(self) -> list[Callable[[], None]]:
        callbacks, self._on_end = self._on_end, []
        return callbacks

    def public(self) -> LoadJobPublic:
        c, exc = self.control, self.exception
        state: JobState = "cancelling" if self.state == "running" and c.cancel_requested else self.state
        error = None
        if exc is not None:
            known = isinstance(exc, GnlcError)
            error = LoadError(
                error=type(exc).__name__ if known else "InternalError",
                message=str(exc) if known else "the load failed unexpectedly: see the server's log",
                status=exc.http_status if isinstance(exc, GnlcError) else 500,
            )
        return LoadJobPublic(
            id=self.id,
            state=state,
            cancellable=not self.ended and c.cancellable,
            filename=self.filename,
            kind=self.kind,
            dry_run=self.dry_run,
            submitted_at=self.submitted_at,
            started_at=self.started_at,
            ended_at=self.ended_at,
            progress=LoadProgress(
                phase=c.phase, rows_read=c.rows_read, rows_validated=c.rows_validated, rows_written=c.rows_written
            ),
            result=self.result,
            error=error,
        )


class LoadJobs:
    """The jobs of one API: run one after another by a thread that lives while there is work."""

    def __init__(self, runner: Runner) -> None:
        self._runner = runner
        self._lock = threading.Lock()
        self._jobs: dict[str, LoadJob] = {}  # in the order submitted
        self._queue: deque[LoadJob] = deque()
        self._worker: threading.Thread | None = None

    def submit(self, upload: Upload) -> LoadJob:
        job = LoadJob(upload)
        with self._lock:
            if sum(not j.ended for j in self._jobs.values()) >= MAX_UNFINISHED:
                raise TooManyLoads(
                    f"{MAX_UNFINISHED} loads are queued or running on this server, the most it takes: "
                    "retry when one has ended (GET /loads)"
                )
            self._jobs[job.id] = job
            self._queue.append(job)
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="gnlc-loads", daemon=True)
                self._worker.start()
        return job

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._worker = None
                    return
                job = self._queue.popleft()
            job.run(self._runner)
            self._forget_old()

    def _forget_old(self) -> None:
        with self._lock:
            ended = sorted((j for j in self._jobs.values() if j.ended), key=lambda j: j.ended_at or "")
            for job in ended[: max(0, len(ended) - KEEP_FINISHED)]:
                del self._jobs[job.id]

    def get(self, job_id: str) -> LoadJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise UnknownLoad(f"no load {job_id!r} on this server: see GET /loads (the last {KEEP_FINISHED} are kept)")
        return job

    def all(self) -> list[LoadJob]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))

    def close(self, *, wait_s: float) -> None:
        """At shutdown: cancel every job that can be, and give the running one ``wait_s`` to stop."""
        for job in self.all():
            try:
                job.cancel()
            except TooLateToCancel:
                pass
        with self._lock:
            worker = self._worker
        if worker is not None:
            worker.join(wait_s)


def _limits(svc: Services) -> UploadLimits:
    s = svc.settings
    return UploadLimits(max_bytes=s.upload_max_bytes, max_rows=s.upload_max_rows, max_cells=s.upload_max_cells)


def check_readable(svc: Services, upload: Upload) -> None:
    """What POST /loads checks before it queues a job: the file within the bounds, readable, and
    its kind told (an InputError or UploadTooLarge at once, not in the job). Bounded by the limits:
    reading 5 MB of CSV takes well under a second."""
    with tempfile.TemporaryDirectory(prefix="gnlc-upload-") as tmp:
        path = Path(tmp) / upload.filename
        path.write_bytes(upload.body)
        check_upload(path, _limits(svc))
        from gnlc.loaders.readers import read_tables  # here: the readers and the pipeline bring pandas
        from gnlc.loaders.rows import parse_table  # (about 45 MiB in every API process that never loads)

        for table in read_tables(path):
            parse_table(table, Mapping(kind=upload.kind))


def run_upload(svc: Services, upload: Upload, control: LoadControl) -> dict[str, Any]:
    """Load one uploaded file, bounded by what it expands to; the answer of POST /load."""
    store = svc.explorer().store
    with tempfile.TemporaryDirectory(prefix="gnlc-upload-") as tmp:
        path = Path(tmp) / upload.filename
        path.write_bytes(upload.body)
        check_upload(path, _limits(svc))  # what the body expands to, before it is read
        from gnlc.loaders.pipeline import load_files  # here: see check_readable

        report = load_files(store, [path], mapping=Mapping(kind=upload.kind), dry_run=upload.dry_run, control=control)
    svc.analytics().invalidate()
    return answer(report, dry_run=upload.dry_run)


def answer(report: LoadReport, *, dry_run: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "files": [
            {
                "file": f.label,
                "kind": f.kind,
                "rows": f.rows,
                "loaded": f.loaded,
                "duplicates": f.duplicates,
                "rejected": [str(e) for e in f.rejected],
            }
            for f in report.files
        ],
        "changes": [
            {"what": w, "name": n, "created": c, "updated": u, "unchanged": k} for w, n, c, u, k in report.write.table()
        ],
        "decisions": report.decisions,
    }
