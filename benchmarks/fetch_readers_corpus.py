"""Fill the cache of the reader-coverage corpus: the manifest's ``fetched: true`` files.

Each such entry names ``src: owner/name@commit:path``.  The file is taken with
``git show commit:path`` from a local copy of that repository, looked for as
``CLONES/owner+name/repo`` or ``CLONES/owner+name`` (a bare or a normal clone), and written to
``CACHE/<file>``.  Make the clones with ``git clone https://github.com/owner/name
CLONES/owner+name`` (the commit must be in its history).  Nothing is committed to sselab.

Usage::

    python benchmarks/fetch_readers_corpus.py [--clones /work/.mirror] [--cache benchmarks/.cache/fetched]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", default=str(HERE / "readers_manifest.yaml"))
    ap.add_argument("--clones", default="/work/.mirror", help="folder of owner+name clones")
    ap.add_argument("--cache", default=str(HERE / ".cache" / "fetched"))
    args = ap.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    man = yaml.safe_load(Path(args.manifest).read_text())
    got = missing = 0
    for entry in man["files"]:
        if not entry.get("fetched"):
            continue
        repo, rest = entry["src"].split("@", 1)
        commit, path = rest.split(":", 1)
        base = Path(args.clones) / repo.replace("/", "+")
        gitdir = base / "repo" if (base / "repo").exists() else base
        out = cache / entry["file"]
        proc = subprocess.run(["git", "-C", str(gitdir), "show", f"{commit}:{path}"], capture_output=True)
        if proc.returncode != 0 or not proc.stdout:
            print(f"missing {entry['file']}: {proc.stderr.decode(errors='replace').strip()[:120] or 'empty'}")
            missing += 1
            continue
        out.write_bytes(proc.stdout)
        got += 1
    print(f"{got} files written to {cache}, {missing} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
