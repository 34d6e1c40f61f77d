"""How far to trust a result: one verdict type for every technique.

Every result's ``to_dict()`` carries ``status`` (``"ok"``, ``"warning"`` or ``"failed"``) and
``reasons`` (``[{"code", "message", "severity"}]``).  A :class:`Verdict` is the worst
severity of its reasons; no reasons means ``ok``.

Where the rules live (one place per kind of evidence):

- fit diagnostics (diverged, undetermined, at bound, correlated, systematic residuals):
  :mod:`sselab.fitting.verdicts`;
- reading notes (rows dropped, values converted, declared counts): :mod:`sselab.io`;
- sanity of derived quantities (negative strain, at.% < 0, CE ≫ 1, t_ion ∉ [0, 1]): beside
  each analysis, as :class:`Reason` objects built here.

Propagation: an analysis computed from other results calls :func:`from_inputs`, which turns
each failed input into a ``failed`` (or, when the input was dropped, ``warning``) reason that
names it, so nothing downstream is computed silently from a failed result.

Reason codes are short snake_case strings, stable across versions (tests and users filter on
them); the message is one sentence for a person.

Examples
--------
>>> v = Verdict.ok().add("undetermined", "R2 is not determined by the data", "warning")
>>> v.status
'warning'
>>> v.add("diverged", "R1 ran to 1e+300 Ohm", "failed").status
'failed'
>>> Verdict.ok().to_dict()
{'status': 'ok', 'reasons': []}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping

Status = Literal["ok", "warning", "failed"]
Severity = Literal["warning", "failed"]

OK: Status = "ok"
WARNING: Status = "warning"
FAILED: Status = "failed"

_RANK = {"ok": 0, "warning": 1, "failed": 2}

#: Exit code of the command line when the asked-for result failed (2 is bad input).
EXIT_FAILED = 3


def worst(*statuses: str) -> Status:
    """The most severe of ``statuses`` (``ok`` when none)."""
    best: Status = "ok"
    for s in statuses:
        if s not in _RANK:
            raise ValueError(f"unknown status {s!r} (expected ok, warning or failed)")
        if _RANK[s] > _RANK[best]:
            best = s  # type: ignore[assignment]
    return best


@dataclass(frozen=True)
class Reason:
    """One reason for a verdict: a stable ``code``, one sentence, and its severity."""

    code: str
    message: str
    severity: Severity = "warning"

    def __post_init__(self) -> None:
        if self.severity not in ("warning", "failed"):
            raise ValueError(f"severity must be 'warning' or 'failed', got {self.severity!r}")

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "severity": self.severity}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Reason":
        return cls(str(d["code"]), str(d.get("message", "")), d.get("severity", "warning"))


@dataclass(frozen=True)
class Verdict:
    """An immutable set of reasons; its status is their worst severity."""

    reasons: tuple[Reason, ...] = ()

    @classmethod
    def ok(cls) -> "Verdict":
        return cls(())

    @classmethod
    def of(cls, reasons: Iterable[Reason]) -> "Verdict":
        out: list[Reason] = []
        seen = set()
        for r in reasons:
            key = (r.code, r.message)
            if key not in seen:
                seen.add(key)
                out.append(r)
        return cls(tuple(out))

    @property
    def status(self) -> Status:
        return worst(*(r.severity for r in self.reasons))

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def add(self, code: str, message: str, severity: Severity = "warning") -> "Verdict":
        """A new verdict with one more reason."""
        return Verdict.of(self.reasons + (Reason(code, message, severity),))

    def merge(self, *others: "Verdict | None") -> "Verdict":
        """A new verdict with the reasons of ``others`` added."""
        rs = list(self.reasons)
        for o in others:
            if o is not None:
                rs.extend(o.reasons)
        return Verdict.of(rs)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reasons": [r.to_dict() for r in self.reasons]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> "Verdict":
        """Read back ``{"status", "reasons"}`` (a dict without them is ``ok``)."""
        if not d:
            return cls.ok()
        v = cls.of(Reason.from_dict(r) for r in d.get("reasons") or ())
        stated = d.get("status")
        if stated in _RANK and _RANK[stated] > _RANK[v.status]:
            # a stored status worse than its reasons (older records): keep it
            v = v.add("stated_" + stated, f"stored status was {stated}", stated)  # type: ignore[arg-type]
        return v

    def summary(self) -> str:
        """``ok`` or ``warning: msg; msg`` — one line for terminals and tables."""
        if not self.reasons:
            return "ok"
        return f"{self.status}: " + "; ".join(r.message for r in self.reasons)


def status_of(result: Any) -> Status:
    """The status of a result object or of its ``to_dict()`` (``ok`` when it carries none)."""
    if result is None:
        return "ok"
    v = getattr(result, "verdict", None)
    if isinstance(v, Verdict):
        return v.status
    if isinstance(result, Mapping):
        s = result.get("status")
        return s if s in _RANK else "ok"  # type: ignore[return-value]
    return "ok"


def verdict_of(result: Any) -> Verdict:
    """The verdict of a result object or of a dict that carries ``status``/``reasons``."""
    v = getattr(result, "verdict", None)
    if isinstance(v, Verdict):
        return v
    if isinstance(result, Mapping):
        return Verdict.from_dict(result)
    return Verdict.ok()


def from_inputs(inputs: Mapping[str, Any], *, dropped: Iterable[str] = (), what: str = "input",
                min_used_fraction: float | None = None) -> Verdict:
    """Reasons an aggregate inherits from its inputs.

    ``inputs`` maps a label (file, sample, temperature) to a result or its dict.  An input
    listed in ``dropped`` was left out of the aggregate: that is a ``warning`` naming it.  A
    failed input that was *not* dropped makes the aggregate ``failed``.  Inputs with warnings
    are summarised in one warning.  ``min_used_fraction``: when fewer than this fraction of
    the inputs are kept, the aggregate is ``failed`` (``most_inputs_dropped``): it no longer
    describes the inputs as a whole (a trend over 3 of 61 spectra is not the series' trend).
    """
    dropped = set(dropped)
    reasons: list[Reason] = []
    n, kept = len(inputs), len([k for k in inputs if k not in dropped])
    if min_used_fraction is not None and n and kept < min_used_fraction * n:
        reasons.append(Reason("most_inputs_dropped", f"only {kept} of the {n} {what} inputs are usable (fewer "
                              f"than {100 * min_used_fraction:.0f} %): the result does not describe them as a whole",
                              "failed"))
    warned = []
    for label, res in inputs.items():
        s = status_of(res)
        if label in dropped:
            why = "; ".join(r.message for r in verdict_of(res).reasons if r.severity == "failed") or "excluded"
            reasons.append(Reason("input_dropped", f"{what} {label} left out ({why})", "warning"))
        elif s == "failed":
            why = "; ".join(r.message for r in verdict_of(res).reasons if r.severity == "failed")
            reasons.append(Reason("input_failed", f"{what} {label} failed" + (f" ({why})" if why else ""), "failed"))
        elif s == "warning":
            warned.append(str(label))
    if warned:
        reasons.append(Reason("input_warning", f"{what}s with warnings: " + ", ".join(warned), "warning"))
    return Verdict.of(reasons)


def with_verdict(d: dict[str, Any], verdict: Verdict) -> dict[str, Any]:
    """``d`` with ``status`` and ``reasons`` set from ``verdict`` (returns ``d``)."""
    d.update(verdict.to_dict())
    return d


def with_reading(result: Any, measurement: Any) -> Any:
    """``result`` (a frozen result with ``extra_reasons``: a circuit fit, a KK test, a DRT) with
    the reasons of how ``measurement`` was read (its ``verdict``: rows dropped, a declared count
    not met) added to its verdict: a partly read file warns in every result made from it.  The
    CLI and the web call it; the study pipeline's eis_fit adds the same reasons with the rest of
    its preparation's (:mod:`sselab.study.analyses`)."""
    from dataclasses import replace

    read = tuple(measurement.verdict.reasons) if measurement is not None else ()
    return replace(result, extra_reasons=tuple(result.extra_reasons) + read) if read else result
