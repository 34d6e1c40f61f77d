"""An EC-Lab PEIS text export (realfiles/hybriddrt__PEIS_LPSCl_IonBlocking_-25C.txt: an LPSCl
ion-blocking spectrum, SOURCES.md) given to `dc tion` gave "t_ion = 1.00 ± 0.02", exit 0: its
<I>/<Ewe> columns (the DC level under each frequency) were read as a transient."""

from __future__ import annotations

import pytest

from sselab.exceptions import SselabError
from sselab.io import read

PEIS = ("realfiles/hybriddrt__PEIS_LPSCl_IonBlocking_-25C.txt", "biologic/peis.mpt")


@pytest.mark.parametrize("name", PEIS)
def test_an_eis_export_holds_no_transient(shared_data, cli, name):
    f = shared_data / name
    for kind in ("transient", "voltammogram", "galvanostatic"):
        with pytest.raises(SselabError, match="impedance"):
            read(f, kind)
    rc, out, err = cli("dc", "tion", f)
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and "kind='spectrum'" in err
    assert len(read(f, "spectrum")[0].frequency_Hz) > 30  # still read as what it is


def test_a_real_chronoamperometry_export_is_still_a_transient(shared_data):
    t = read(shared_data / "biologic" / "ca.mpt", "transient")[0]
    assert len(t.time_s) == 721  # 12 h at 60 s sampling, as the .mpr
