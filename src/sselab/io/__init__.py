"""Instrument file readers.  ``sselab.io.read(path, kind=None)`` is the entry point."""

from .registry import KINDS, Reader, read, readers, register

__all__ = ["KINDS", "Reader", "read", "readers", "register"]
