"""Instrument file readers.  ``sselab.io.read(path, kind=None)`` is the entry point."""

from .registry import KINDS, Reader, read, read_one, readers, register

__all__ = ["KINDS", "Reader", "read", "read_one", "readers", "register"]
