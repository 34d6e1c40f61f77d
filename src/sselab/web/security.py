"""Safety of the workbench: who may call it and where uploads may be written.

- **Binding**: loopback (127.0.0.1, ::1, localhost) by default; any other interface needs a
  token (:func:`check_bind`).
- **Token**: when set, every request must carry it in the ``X-Sselab-Token`` header or a
  ``?token=`` query parameter, compared in constant time (:func:`hmac.compare_digest`).  The
  page itself (``/``) accepts ``?token=`` and sets a ``SameSite=Strict`` cookie so the static
  assets load; API routes ignore that cookie, so a foreign page cannot ride on it.
- **Host / Origin**: without a token the server only answers ``Host: localhost/127.0.0.1``
  (defeats DNS rebinding), and any state-changing request whose ``Origin`` is another site
  is refused (defeats cross-site form posts).
- **Uploads**: :func:`safe_upload_path` rejects traversal, absolute paths, hidden names and
  symlinks, and returns a fresh path inside the upload folder.

Example
-------
>>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0")
(True, False)
>>> sanitize_filename("my spectrum (1).mpt")
'my_spectrum_1_.mpt'
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import urlsplit

from ..exceptions import SselabError

TOKEN_HEADER = "X-Sselab-Token"
TOKEN_COOKIE = "sselab_token"
_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


class UploadError(SselabError):
    """An upload was refused (size, type or name)."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is a loopback interface."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve a non-loopback interface without a token."""
    if not is_loopback(host) and not token:
        raise SselabError(
            f"binding to {host} exposes the workbench to the network: give --token (a long random string)"
        )
    if token is not None and len(token) < 8:
        raise SselabError("the token must be at least 8 characters long")


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented token with the expected one."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def host_allowed(host_header: str | None) -> bool:
    """Whether a ``Host`` header names this machine's loopback (DNS-rebinding guard)."""
    if not host_header:
        return False
    name = urlsplit("//" + host_header).hostname or ""
    return name.lower() in _LOCAL_NAMES or is_loopback(name)


def origin_allowed(origin: str | None, host_header: str | None) -> bool:
    """Whether a request's ``Origin`` (if any) is this server itself."""
    if origin is None or origin == "":
        return True
    if origin == "null" or host_header is None:
        return False
    return urlsplit(origin).netloc.lower() == host_header.lower()


def sanitize_filename(name: str) -> str:
    """Keep letters, digits, ``.``, ``-`` and ``_``; everything else becomes ``_``."""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    return clean.strip("_ ") or "upload"


#: Longest upload file name / sample name accepted [characters] (file systems allow 255 bytes).
MAX_NAME_CHARS = 200


def check_sample_name(raw: str | None) -> str:
    """A sample name usable as an upload folder: 1–100 characters, not only dots, not hidden,
    no path separators or control characters.

    >>> check_sample_name("HP600")
    'HP600'
    >>> check_sample_name("..")
    Traceback (most recent call last):
    ...
    sselab.web.security.UploadError: sample name '..' is not allowed: use letters, digits, '-', '_' or '.' (not first)
    """
    name = (raw or "").strip()
    bad = (not name or len(name) > 100 or name.startswith(".") or set(name) <= {"."}
           or any(c in name for c in "/\\") or any(ord(c) < 32 or ord(c) == 127 for c in name))
    if bad or sanitize_filename(name) in ("", ".", ".."):
        raise UploadError(f"sample name {name[:60]!r} is not allowed: use letters, digits, '-', '_' or '.' (not first)")
    return name


def check_upload_name(raw: str | None, allowed_suffixes: set[str]) -> str:
    """Validate an uploaded file's name and return its sanitised form.

    Raises
    ------
    UploadError
        For an empty name, a path (``../x``, ``/etc/x``, ``C:\\x``, ``a/b``), a hidden name,
        or an extension no reader reads.
    """
    if not raw or not raw.strip():
        raise UploadError("the upload has no file name")
    if "\x00" in raw:
        raise UploadError("file name contains a NUL character")
    if len(raw) > MAX_NAME_CHARS or len(raw.encode("utf-8", "replace")) > MAX_NAME_CHARS:
        raise UploadError(f"file name is {len(raw)} characters long; at most {MAX_NAME_CHARS}")
    posix, windows = PurePosixPath(raw), PureWindowsPath(raw)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or raw.startswith(("/", "\\")):
        raise UploadError(f"file name {raw!r} is an absolute path; send a bare file name")
    if ".." in posix.parts or ".." in windows.parts:
        raise UploadError(f"file name {raw!r} tries to leave the upload folder")
    if len(posix.parts) != 1 or len(windows.parts) != 1:
        raise UploadError(f"file name {raw!r} contains a folder; send a bare file name")
    if raw.startswith("."):
        raise UploadError(f"file name {raw!r} is hidden; rename it")
    name = sanitize_filename(raw)
    lower = name.lower()
    if not any(lower.endswith(s) for s in allowed_suffixes):
        raise UploadError(
            f"{raw}: file type not accepted; readable types are {', '.join(sorted(allowed_suffixes))}",
            status_code=415,
        )
    return name


def safe_upload_path(folder: Path, name: str) -> Path:
    """A new file path for ``name`` inside ``folder`` (``name-1.ext``... if taken).

    The folder is created if needed; it must not be (or lie under) a symlink that leads
    outside the study root, and the returned path is created exclusively (``O_EXCL`` and
    ``O_NOFOLLOW``), so a symlink planted at that name is never followed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if folder.is_symlink():
        raise UploadError(f"upload folder {folder} is a symbolic link; refusing to write through it", 403)
    real = folder.resolve()
    stem, dot, ext = name.partition(".")
    for i in range(1000):
        candidate = real / (name if i == 0 else f"{stem}-{i}{dot}{ext}")
        if candidate.parent != real:
            raise UploadError(f"file name {name!r} leaves the upload folder", 403)
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise UploadError(f"too many files called {name} in {folder}", 409)
