"""Loading a file through the API: the write endpoints. They need the X-API-Key header and
are off when the server has no GNLC_API_KEY.

``POST /load`` loads within the request; ``POST /loads`` starts the same load as a job to
watch (``GET /loads/{id}``) and cancel (``DELETE /loads/{id}``). Both run as jobs
(:mod:`gnlc.api.jobs`): a client that leaves ``POST /load``, or whose answer would come
after the time budget per request, cancels its load.
"""

from __future__ import annotations

import asyncio
import re
from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from gnlc.api.deps import ServicesDep, require_api_key
from gnlc.api.jobs import LoadJob, LoadJobPublic, TooLateToCancel, Upload, check_readable
from gnlc.errors import InputError
from gnlc.loaders.fields import KINDS
from gnlc.schemas import ErrorBody

router = APIRouter(tags=["load (needs the API key)"], dependencies=[Depends(require_api_key)])
_SAFE_NAME = re.compile(r"^[\w.-]{1,100}\.(csv|tsv|txt|json|jsonl|xlsx)$")
EXAMPLE = {
    "dry_run": False,
    "files": [{"file": "links.csv", "kind": "links", "rows": 4, "loaded": 4, "duplicates": 0, "rejected": []}],
    "changes": [{"what": "relationship", "name": "LINKED_TO", "created": 4, "updated": 0, "unchanged": 0}],
    "decisions": ["links.csv row 2: 'Koeln' -> matched de-cologne by gazetteer"],
}
JOB_EXAMPLE = {
    "id": "3f2a9c0d6b1e4a57",
    "state": "finished",
    "cancellable": False,
    "filename": "links.csv",
    "kind": "links",
    "dry_run": False,
    "submitted_at": "2026-12-02T07:02:11.204+00:00",
    "started_at": "2026-12-02T07:02:11.206+00:00",
    "ended_at": "2026-12-02T07:02:11.871+00:00",
    "progress": {"phase": "done", "rows_read": 4, "rows_validated": 4, "rows_written": 4},
    "result": EXAMPLE,
    "error": None,
}
KEY_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "wrong or missing X-API-Key"},
    403: {"model": ErrorBody, "description": "write endpoints are off (no GNLC_API_KEY)"},
}
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **KEY_ERRORS,
    413: {
        "model": ErrorBody,
        "description": "a body over 5 MB, or a file that holds (or unzips "
        "to) more rows, cells or bytes than GNLC_UPLOAD_MAX_ROWS, _CELLS or _BYTES",
    },
    429: {"model": ErrorBody, "description": "8 loads are queued or running already: retry when one has ended"},
}
JOB_ERRORS: dict[int | str, dict[str, Any]] = {
    **KEY_ERRORS,
    404: {"model": ErrorBody, "description": "no load with that id on this server (the last 50 ended are kept)"},
}
BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "city_a,country_a,city_b,country_b,kind,since,source_url\n"
                "Turin,Italy,Cologne,Germany,twinning,1958,https://example.org/twins\n",
            }
        },
    }
}
KindQuery = Annotated[
    str | None,
    Query(description="what the rows are; told from the columns when absent", examples=["links"], max_length=30),
]
FilenameQuery = Annotated[
    str, Query(description="file name recorded as the source of each row", examples=["links.csv"], max_length=100)
]
DryRunQuery = Annotated[bool, Query(description="report what would change, write nothing")]
JobId = Annotated[str, Path(description="the id POST /loads answered", max_length=64, examples=["3f2a..."])]


async def _upload(request: Request, kind: str | None, filename: str, dry_run: bool) -> Upload:
    if kind is not None and kind not in KINDS:
        raise InputError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    if not _SAFE_NAME.match(filename):
        raise InputError("filename: expected a plain file name ending in .csv, .tsv, .txt, .json, .jsonl or .xlsx")
    body = await request.body()
    if not body:
        raise InputError("request body: expected the file's content, got nothing")
    return Upload(body, filename, kind, dry_run)


@router.post(
    "/load",
    responses={200: {"content": {"application/json": {"example": EXAMPLE}}}, **UPLOAD_ERRORS},
    openapi_extra=BODY,
    summary="Load one file (CSV, TSV, JSON, JSONL or XLSX in the body): all rows or nothing",
    description="The load runs within the request. A client that disconnects cancels it, and so does the "
    "time budget per request (GNLC_REQUEST_BUDGET_MS), whose 503 would drop its answer; unless it is "
    "writing row by row already (then it finishes). For long loads: POST /loads.",
)
async def load(
    request: Request,
    svc: ServicesDep,
    kind: KindQuery = None,
    filename: FilenameQuery = "upload.csv",
    dry_run: DryRunQuery = False,
) -> dict[str, Any]:
    job = svc.load_jobs().submit(await _upload(request, kind, filename, dry_run))
    await _until_ended(job, request, budget_s=svc.settings.request_budget_ms / 1000)
    if job.exception is not None:
        raise job.exception
    assert job.result is not None
    return job.result


async def _until_ended(job: LoadJob, request: Request, *, budget_s: float) -> None:
    """Wait for the job; cancel it when the client leaves or the budget is spent."""
    loop = asyncio.get_running_loop()
    ended: asyncio.Future[None] = loop.create_future()

    def end() -> None:
        if not ended.done():
            ended.set_result(None)

    def wake() -> None:  # in the job's thread
        if not loop.is_closed():
            loop.call_soon_threadsafe(end)

    job.on_end(wake)
    gone = asyncio.ensure_future(_disconnected(request))
    try:
        done, _ = await asyncio.wait({ended, gone}, timeout=budget_s, return_when=asyncio.FIRST_COMPLETED)
        if ended not in done:
            why = (
                "its client left"
                if gone in done
                else f"POST /load's time budget of {budget_s * 1000:,.0f} ms (GNLC_REQUEST_BUDGET_MS) was spent"
            )
            with suppress(TooLateToCancel):  # it writes row by row: it finishes
                job.cancel(why)
            await ended
    finally:
        gone.cancel()


async def _disconnected(request: Request) -> None:
    """Returns when the client has gone (the body is read: nothing else can come)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


@router.post(
    "/loads",
    status_code=202,
    responses={202: {"description": "the job, queued; its URL in Location"}, **UPLOAD_ERRORS},
    openapi_extra=BODY,
    summary="Start loading one file as a job to watch and cancel (the body and parameters of POST /load)",
    description="The file is read and its kind told before the job is queued: a file over the bounds is a 413, "
    "one that cannot be read a 422, at once. Validating, comparing and writing run in the job.",
)
async def start_load(
    request: Request,
    response: Response,
    svc: ServicesDep,
    kind: KindQuery = None,
    filename: FilenameQuery = "upload.csv",
    dry_run: DryRunQuery = False,
) -> LoadJobPublic:
    upload = await _upload(request, kind, filename, dry_run)
    await run_in_threadpool(check_readable, svc, upload)
    job = svc.load_jobs().submit(upload)
    response.headers["Location"] = f"/loads/{job.id}"
    return job.public()


@router.get(
    "/loads",
    responses={200: {"content": {"application/json": {"example": [JOB_EXAMPLE]}}}, **KEY_ERRORS},
    summary="The load jobs: running, queued and the last 50 ended, newest first",
)
def loads(svc: ServicesDep) -> list[LoadJobPublic]:
    return [job.public() for job in svc.load_jobs().all()]


@router.get("/loads/{job_id}", responses=JOB_ERRORS, summary="A load job: state, progress, result or error")
def load_job(svc: ServicesDep, job_id: JobId) -> LoadJobPublic:
    return svc.load_jobs().get(job_id).public()


@router.delete(
    "/loads/{job_id}",
    status_code=202,
    responses={
        202: {"description": "cancelled (queued), or cancelling: it stops at its next check, the graph as it was"},
        409: {"model": ErrorBody, "description": "too late: it has ended, or it is writing row by row"},
        **JOB_ERRORS,
    },
    summary="Cancel a load job: it stops with the graph exactly as it was before",
)
def cancel_load(svc: ServicesDep, job_id: JobId) -> LoadJobPublic:
    job = svc.load_jobs().get(job_id)
    job.cancel()
    return job.public()
