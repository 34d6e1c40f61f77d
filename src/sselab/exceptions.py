"""The exceptions sselab raises.

Every error a user can cause is a :class:`SselabError`; the command line turns it into one
readable line and a non-zero exit.  Messages say what was expected and where (file, line,
column, parameter).
"""

from __future__ import annotations


class SselabError(Exception):
    """Base class of every error sselab raises on purpose."""


class ReaderError(SselabError):
    """A file could not be read: wrong type, empty, truncated, non-numeric, ...

    The message always starts with the file's path.
    """

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class CircuitSyntaxError(SselabError):
    """A circuit string is malformed; ``position`` is the 0-based column of the problem."""

    def __init__(self, circuit: str, position: int, message: str) -> None:
        self.circuit = circuit
        self.position = position
        self.message = message
        pointer = " " * position + "^"
        super().__init__(
            f"circuit {circuit!r}, column {position + 1}: {message}\n  {circuit}\n  {pointer}"
        )


class ParameterError(SselabError):
    """A parameter name, value or bound is invalid."""


class FitError(SselabError):
    """A fit could not be carried out (too few points, no free parameters, ...)."""


class UnitError(SselabError):
    """A quantity with a unit could not be parsed or converted."""


class AnalysisError(SselabError):
    """An analysis cannot be done on the given data (e.g. one temperature for Arrhenius)."""


class ManifestError(SselabError):
    """A study manifest is invalid."""


class StoreError(SselabError):
    """The results database could not be opened or written."""
