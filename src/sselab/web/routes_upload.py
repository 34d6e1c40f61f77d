"""Upload route: instrument files into ``<study>/uploads/<sample>/``, read by the same readers.

Checks, in order: ``Content-Length`` present and under the limit (before the body is read),
one file, a bare file name with an extension some reader reads (:mod:`sselab.web.security`),
the byte count while copying, then :func:`sselab.io.read`.  A file no reader can read is
deleted again and the reader's one-line message is returned (with the file's name, as the
CLI prints it).

Example
-------
>>> [r.path for r in router.routes]
['/api/upload']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ..exceptions import ReaderError
from ..io import KINDS, read, readers
from .context import Workbench, clean, workbench
from .security import UploadError, check_sample_name, check_upload_name, safe_upload_path, sanitize_filename

router = APIRouter()
_CHUNK = 1 << 16
#: Bytes allowed on top of the file for the multipart envelope and form fields.
_ENVELOPE = 64 * 1024


def allowed_suffixes() -> set[str]:
    """Every extension a registered reader reads (``.mpt``, ``.csv.gz``...)."""
    return {e for r in readers() for e in r.extensions}


def _folder(wb: Workbench, sample: str) -> Path:
    root = wb.config.root.resolve()
    folder = wb.config.upload_root / sanitize_filename(sample)
    for p in (wb.config.upload_root, folder):
        if p.is_symlink():
            raise UploadError(f"{p} is a symbolic link; uploads never write through links", 403)
    folder.mkdir(parents=True, exist_ok=True)
    if not folder.resolve().is_relative_to(root):
        raise UploadError("the upload folder lies outside the study folder", 403)
    return folder


async def _copy(upload: UploadFile, target: Path, limit: int) -> int:
    size = 0
    with open(target, "wb") as out:
        while chunk := await upload.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise UploadError(f"file is larger than the upload limit of {limit // (1024 * 1024)} MB", 413)
            out.write(chunk)
    return size


@router.post("/api/upload")
async def upload(request: Request, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Add one instrument file to the study (form fields: ``file``, ``sample``, ``kind``)."""
    limit = wb.config.max_upload_bytes
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise HTTPException(411, "uploads need a Content-Length header")
    if int(length) > limit + _ENVELOPE:
        raise HTTPException(413, f"file is larger than the upload limit of {limit // (1024 * 1024)} MB")
    form = await request.form(max_files=1, max_fields=10)
    try:
        upload_file = form.get("file")
        if not isinstance(upload_file, UploadFile):
            raise HTTPException(400, "no file in the upload (form field 'file')")
        try:
            sample = check_sample_name(str(form.get("sample") or "uploads"))
        except UploadError as exc:
            raise HTTPException(exc.status_code, str(exc)) from None
        kind = str(form.get("kind") or "") or None
        if kind is not None and kind not in KINDS:
            raise HTTPException(400, f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        try:
            name = check_upload_name(upload_file.filename, allowed_suffixes())
            target = safe_upload_path(_folder(wb, sample), name)
        except UploadError as exc:
            raise HTTPException(exc.status_code, str(exc)) from None
        try:
            await _copy(upload_file, target, limit)
            items = await run_in_threadpool(read, target, kind)
        except UploadError as exc:
            target.unlink(missing_ok=True)
            raise HTTPException(exc.status_code, str(exc)) from None
        except ReaderError as exc:
            target.unlink(missing_ok=True)
            raise HTTPException(400, f"{upload_file.filename}: {exc.problem}".splitlines()[0]) from None
        except (ValueError, TypeError, IndexError, KeyError, OverflowError, UnicodeError, MemoryError) as exc:
            # a reader that fails on a malformed file without a ReaderError: still the file's fault
            target.unlink(missing_ok=True)
            raise HTTPException(400, f"{upload_file.filename}: unreadable file ({type(exc).__name__})") from None
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    finally:
        await form.close()
    reader_kind = kind or _kind_of(items[0])
    ids = await run_in_threadpool(wb.data.import_file, target, sample, items, reader_kind)
    rel = target.relative_to(wb.config.root.resolve()).as_posix()
    return clean({
        "file": rel, "sample": sample, "kind": reader_kind,
        "measurements": [{"id": i, "item": k, "n_points": _points(m), "reader": getattr(m, "instrument", ""),
                          "reading": (m.metadata.get("reading_verdict") if hasattr(m, "metadata") else None)}
                         for k, (i, m) in enumerate(zip(ids, items))],
    })


def _kind_of(m: Any) -> str:
    from ..measurements import (
        CurrentTransient,
        DiffractionPattern,
        GalvanostaticRecord,
        PotentialRecord,
        Spectrum,
        Voltammogram,
    )

    for cls, kind in ((Spectrum, "spectrum"), (CurrentTransient, "transient"),
                      (GalvanostaticRecord, "galvanostatic"), (Voltammogram, "voltammogram"),
                      (PotentialRecord, "potential"), (DiffractionPattern, "diffraction")):
        if isinstance(m, cls):
            return kind
    from ..eds.spectrum import EDSMap, EDSSpectrum
    from ..microscopy.image import SEMImage

    if isinstance(m, SEMImage):
        return "sem_image"
    if isinstance(m, (EDSSpectrum, EDSMap)):
        return "eds"
    return "xps"


def _points(m: Any) -> int | None:
    n = getattr(m, "n_points", None)
    return int(n) if isinstance(n, int) else None
