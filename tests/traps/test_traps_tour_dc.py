"""Traps found by a new-user tour of the CLI on the real files (../shared/data, see SOURCES.md):
each once printed a number with exit 0; now a refusal (exit 2, one line) or a failed verdict."""

from __future__ import annotations

import json

import pytest

from sselab.exceptions import SselabError
from sselab.io import read

@pytest.mark.parametrize("name, spread", [("biologic/geis.mpr", "0.0075 %"), ("realfiles/yadg__cp.mpr", "0.096 %")])
def test_t_ion_of_a_galvanostatic_record_is_refused(shared_data, one_line_refusal, name, spread):
    """geis.mpr (GEIS on 0.38 mA DC) gave t_ion = 2.5e-06 and cp.mpr (chronopotentiometry at
    -0.1 mA) 3.4e-05, each a 'warning' with exit 0: the current was the controlled quantity."""
    from sselab.dc.transference import transference

    with pytest.raises(SselabError, match="galvanostatic"):
        transference(read(shared_data / name, "transient")[0])
    err = one_line_refusal("dc", "tion", shared_data / name, match="current is held constant")
    assert spread in err


def test_a_real_hold_still_gives_t_ion(shared_data, cli):
    rc, out, err = cli("dc", "tion", shared_data / "biologic" / "ca.mpr", "--json")
    assert rc == 0, err
    assert json.loads(out)["t_ion"] == pytest.approx(0.921, abs=0.002)
