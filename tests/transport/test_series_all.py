"""``sselab eis series --all``: every spectrum of a multi-spectrum file in the series."""

from __future__ import annotations

import json

import pytest

CIRCUIT = "R0-p(R1,CPE1)"


def test_series_all_uses_every_spectrum_of_geis(shared_data, cli):
    from sselab.eis import fit_circuit
    from sselab.io import read

    path = shared_data / "biologic" / "geis.mpr"
    spectra = read(path, kind="spectrum")
    assert len(spectra) == 61
    temps = [a for i in range(61) for a in ("--temperature", str(20 + i))]
    base = ["eis", "series", str(path), "--circuit", CIRCUIT, "--thickness", "1 mm", "--area", "1 cm2", *temps]
    rc, out, err = cli(*base, "--json")  # without --all: the first spectrum only, 61 temperatures for 1
    assert rc == 2 and "61 temperatures given for 1 spectra" in err
    rc, out, err = cli(*base, "--all", "--json")
    d = json.loads(out)
    rows = d["table"]
    assert len(rows) == 61
    assert [r["source"] for r in rows] == [f"{path}[{k}]" for k in range(61)]
    assert [r["temperature_C"] for r in rows] == pytest.approx([20 + k for k in range(61)])
    first = fit_circuit(spectra[0], CIRCUIT)  # the first row is not seeded: the plain fit of spectrum 0
    assert not rows[0]["seeded_from_neighbour"]
    assert rows[0]["R_b_ohm"] == pytest.approx(first.values["R0"], rel=1e-6)
    # spectrum 30 really is spectrum 30 of the file: its plain fit agrees with the seeded one
    mid = fit_circuit(spectra[30], CIRCUIT)
    assert rows[30]["R_b_ohm"] == pytest.approx(mid.values["R0"], rel=0.05)
