"""Loading a file through the API: the one write endpoint. It needs the X-API-Key header
and is off when the server has no GNLC_API_KEY."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from gnlc.api.deps import ServicesDep, require_api_key
from gnlc.errors import InputError
from gnlc.loaders.fields import KINDS
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.pipeline import load_files
from gnlc.loaders.upload import UploadLimits, check_upload
from gnlc.schemas import ErrorBody

router = APIRouter(tags=["load (needs the API key)"])
_SAFE_NAME = re.compile(r"^[\w.-]{1,100}\.(csv|tsv|txt|json|jsonl|xlsx)$")
EXAMPLE = {
    "dry_run": False,
    "files": [{"file": "links.csv", "kind": "links", "rows": 4, "loaded": 4, "duplicates": 0, "rejected": []}],
    "changes": [{"what": "relationship", "name": "LINKED_TO", "created": 4, "updated": 0, "unchanged": 0}],
    "decisions": ["links.csv row 2: 'Koeln' -> matched de-cologne by gazetteer"],
}


@router.post(
    "/load",
    dependencies=[Depends(require_api_key)],
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        413: {
            "model": ErrorBody,
            "description": "a body over 5 MB, or a file that holds (or unzips "
            "to) more rows, cells or bytes than GNLC_UPLOAD_MAX_ROWS, _CELLS or _BYTES",
        },
        401: {"model": ErrorBody, "description": "wrong or missing X-API-Key"},
        403: {"model": ErrorBody, "description": "write endpoints are off (no GNLC_API_KEY)"},
    },
    openapi_extra={
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
    },
    summary="Load one file (CSV, TSV, JSON, JSONL or XLSX in the body): all rows or nothing",
)
async def load(
    request: Request,
    svc: ServicesDep,
    kind: Annotated[
        str | None,
        Query(description="what the rows are; told from the columns when absent", examples=["links"], max_length=30),
    ] = None,
    filename: Annotated[
        str, Query(description="file name recorded as the source of each row", examples=["links.csv"], max_length=100)
    ] = "upload.csv",
    dry_run: Annotated[bool, Query(description="report what would change, write nothing")] = False,
) -> dict[str, Any]:
    if kind is not None and kind not in KINDS:
        raise InputError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    if not _SAFE_NAME.match(filename):
        raise InputError("filename: expected a plain file name ending in .csv, .tsv, .txt, .json, .jsonl or .xlsx")
    body = await request.body()
    if not body:
        raise InputError("request body: expected the file's content, got nothing")
    store = svc.explorer().store
    limits = UploadLimits(
        max_bytes=svc.settings.upload_max_bytes,
        max_rows=svc.settings.upload_max_rows,
        max_cells=svc.settings.upload_max_cells,
    )

    def run() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="gnlc-upload-") as tmp:
            path = Path(tmp) / filename
            path.write_bytes(body)
            check_upload(path, limits)  # what the body expands to, before it is read
            report = load_files(store, [path], mapping=Mapping(kind=kind), dry_run=dry_run)
        svc.analytics().invalidate()
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
                {"what": w, "name": n, "created": c, "updated": u, "unchanged": k}
                for w, n, c, u, k in report.write.table()
            ],
            "decisions": report.decisions,
        }

    return await run_in_threadpool(run)
