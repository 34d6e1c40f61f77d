"""SEM TIFFs (Zeiss, FEI/Thermo, TESCAN, JEOL) and EDS files (EMSA/MSA, Bruker SPX/BCF, Ripple RPL/RAW).

The readers live in :mod:`sselab.microscopy.image` and :mod:`sselab.eds.spectrum`; this module
only registers them.
"""

from __future__ import annotations

from pathlib import Path

from ..registry import register


def _is_tiff(path: Path, head: bytes) -> bool:
    return head[:4] in (b"II*\x00", b"MM\x00*")


def _is_emsa(path: Path, head: bytes) -> bool:
    text = head[:400].upper()
    return b"#FORMAT" in text and b"EMSA" in text


@register("sem_tiff", [".tif", ".tiff"], ["sem_image"], sniff=_is_tiff)
def read_sem(path: Path, kind: str) -> list:
    from ...microscopy.image import read_sem_image

    return [read_sem_image(path)]


@register("eds_rsciio", [".msa", ".emsa", ".spx", ".bcf", ".rpl"], ["eds"], sniff=_is_emsa)
def read_eds_file(path: Path, kind: str) -> list:
    from ...eds.spectrum import read_eds

    return read_eds(path)
