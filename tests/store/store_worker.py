"""Writes records into a results database from a separate process (used by the store tests).

    python store_worker.py URL write START COUNT      records START..START+COUNT-1
    python store_worker.py URL crash START COUNT      the same, then dies (os._exit) inside
                                                      the transaction of record START+COUNT
    python store_worker.py URL batch START COUNT      the same records with Store.record_many,
                                                      7 at a time (batch-reversed: last first)
    python store_worker.py URL crash-batch START COUNT  batches, then dies inside the
                                                      transaction of the next 7 records

Record ``i`` is deterministic (:func:`make_record`), so two processes writing overlapping
ranges write the same keys.
"""

from __future__ import annotations

import os
import sys


def make_record(i: int, version: str = "0.1.0"):
    """Record number ``i``: one measurement, three values (R_i = 100 + i), one figure."""
    from sselab.store import AnalysisKey, AnalysisRecord, MeasurementInfo, SampleInfo

    sample = SampleInfo("crash-study", f"S{i % 3}", treatment="annealed", thickness_m=6.5e-4, area_m2=1.327e-4)
    meas = MeasurementInfo(f"/data/spec_{i}.mpt", "eis", f"{i:064x}", cell_stack="Au|SE|Au",
                           temperature_K=300.0 + i, reader="biologic_mpt")
    result = {"chi2": 0.5 + i, "parameters": {
        "R0": {"value": 10.0 + i, "stderr": 0.1, "unit": "Ohm"},
        "R1": {"value": 100.0 + i, "stderr": 1.0, "unit": "Ohm"}}}
    return AnalysisRecord(key=AnalysisKey(f"{i:064x}", "eis_fit", "s" * 64, version), sample=sample,
                          measurements=(meas,), settings={"circuit": "R0-p(R1,CPE1)"}, result=result,
                          figures=(("nyquist", f"/figs/{i}.png"),), task_id=f"task-{i}")


def main(url: str, mode: str, start: int, count: int) -> None:
    from sselab import store
    from sselab.store import writer
    from sselab.store.connect import write_transaction

    with store.open(url) as db:
        numbers = list(range(start, start + count))
        if mode.startswith("batch") or mode == "crash-batch":
            if mode == "batch-reversed":
                numbers.reverse()
            for k in range(0, len(numbers), 7):
                db.record_many([make_record(i) for i in numbers[k:k + 7]])
        else:
            for i in numbers:
                db.record(make_record(i))
        if mode == "crash":
            with write_transaction(db.engine) as conn:
                writer.write_record(conn, make_record(start + count))
                os._exit(3)  # dies with the transaction open: nothing of it may remain
        if mode == "crash-batch":
            with write_transaction(db.engine) as conn:
                writer.write_records(conn, [make_record(i) for i in range(start + count, start + count + 7)])
                os._exit(3)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
