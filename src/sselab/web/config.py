"""What the workbench serves: the results database, the study folder, the token and limits.

``STUDY_OR_DB`` may be a study folder (holding ``study.yaml``), a manifest file, an SQLite
file or a database URL.  Uploads are written under ``<study folder>/uploads/`` and nowhere
else; with a bare database the study folder is the database file's folder (or ``root``).

Example
-------
>>> import tempfile
>>> cfg = WorkbenchConfig.from_target(tempfile.mkdtemp())
>>> cfg.db_url.startswith("sqlite:///"), cfg.host
(True, '127.0.0.1')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..exceptions import SselabError
from ..store import resolve_url

#: Largest upload accepted [bytes].
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Manifest file names looked for in a study folder.
MANIFEST_NAMES = ("study.yaml", "study.yml", "sselab.yaml", "manifest.yaml")


@dataclass(frozen=True)
class WorkbenchConfig:
    """Settings of one workbench server.

    Attributes
    ----------
    db_url : str
        SQLAlchemy URL of the results database.
    root : Path
        The study folder: measurement paths in the database are relative to it, and uploads
        go to ``root / upload_dir``.
    study : str
        Study name given to uploaded measurements' samples.
    host : str
        Interface the server binds to (checked by :func:`sselab.web.security.check_bind`).
    token : str or None
        Required on every request when set (always set when ``host`` is not loopback).
    max_upload_bytes : int
    upload_dir : str
    workers : int
        Threads running fit jobs.
    """

    db_url: str
    root: Path
    study: str = "study"
    host: str = "127.0.0.1"
    token: str | None = None
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    upload_dir: str = "uploads"
    workers: int = 2

    @property
    def upload_root(self) -> Path:
        return self.root / self.upload_dir

    @classmethod
    def from_target(cls, target: str | Path | None = None, *, root: str | Path | None = None,
                    **kwargs: object) -> WorkbenchConfig:
        """Resolve ``STUDY_OR_DB`` (default: the current folder) into a configuration."""
        text = str(target) if target is not None else "."
        study = "study"
        if "://" in text:
            if root is None:
                root = Path.cwd()
            return cls(db_url=resolve_url(text), root=Path(root).resolve(), study=study, **kwargs)  # type: ignore[arg-type]
        path = Path(text).expanduser().resolve()
        manifest = None
        if path.is_dir():
            manifest = next((path / n for n in MANIFEST_NAMES if (path / n).is_file()), None)
        elif path.suffix.lower() in (".yaml", ".yml"):
            manifest = path
        if manifest is not None:
            from ..study.manifest import load_manifest

            loaded = load_manifest(manifest)
            db = loaded.db_path
            if not isinstance(db, str):
                db.parent.mkdir(parents=True, exist_ok=True)
            return cls(db_url=resolve_url(db), root=Path(root or loaded.root).resolve(),
                       study=loaded.manifest.study, **kwargs)  # type: ignore[arg-type]
        if path.is_dir():
            from ..study.manifest import DEFAULT_DB

            db_path = path / DEFAULT_DB
            db_path.parent.mkdir(parents=True, exist_ok=True)
            return cls(db_url=resolve_url(db_path), root=Path(root or path).resolve(), study=path.name or study,
                       **kwargs)  # type: ignore[arg-type]
        if not path.parent.is_dir():
            raise SselabError(f"{path}: neither a study folder nor a database in an existing folder")
        return cls(db_url=resolve_url(path), root=Path(root or path.parent).resolve(),
                   study=path.parent.name or study, **kwargs)  # type: ignore[arg-type]
