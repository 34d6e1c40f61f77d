import pytest

from sselab.store.queries import verdict_counts


def test_verdict_counts_take_the_latest_result_of_each_task_and_name_why_each_failed():
    stored = [
        {"task_id": "eis:a", "result": {"status": "failed", "reasons": [{"severity": "failed", "message": "old"}]}},
        {"task_id": "eis:a", "result": {"status": "ok", "reasons": []}},  # rerun: the latest counts
        {"task_id": "eis:b", "result": {"status": "warning", "reasons": [{"severity": "warning", "message": "w"}]}},
        {"task_id": "dc:c", "result": {"status": "failed", "reasons": [
            {"severity": "warning", "message": "minor"}, {"severity": "failed", "message": "not a DC hold"}]}},
        {"task_id": "xrd:d", "result": None},  # an analysis stored without a verdict counts as ok
    ]
    c = verdict_counts(stored)
    assert (c["ok"], c["warning"], c["failed"]) == (2, 1, 1)
    assert c["failed_results"] == {"dc:c": "not a DC hold"}


def test_store_verdicts_count_as_the_full_results_do(db_url):
    """Store.verdicts reads only status/reasons by the database's JSON functions: the same counts
    and failing reasons as verdict_counts of the fully parsed analyses, on every kind of result."""
    from sselab import store
    from sselab.store import AnalysisKey, AnalysisRecord, MeasurementInfo, SampleInfo

    results = [
        {"status": "failed", "reasons": []},
        {"status": "warning", "reasons": [{"severity": "warning", "message": "w", "code": "c"}]},
        {"status": "failed", "reasons": [{"severity": "warning", "message": "minor"},
                                         {"severity": "failed", "message": "not a DC hold"}], "x": [1.0, 2.0]},
        {"value": 3.0},  # no verdict keys: ok
        None,  # no result
        {"status": "failed"},  # failed without reasons: an empty message
        {"status": "ok"},  # t0 again, later: the latest counts
    ]
    recs = [AnalysisRecord(key=AnalysisKey(f"{i:064x}", "m", "s" * 64, "0.1.0"),
                           sample=SampleInfo("study", "S", None, None, None),
                           measurements=(MeasurementInfo(f"/d/{i}.csv", "dc", f"{i:064x}"),),
                           settings={}, result=r, task_id=f"t{i % 6}") for i, r in enumerate(results)]
    recs.append(AnalysisRecord(key=AnalysisKey(f"{99:064x}", "m", "s" * 64, "0.1.0"),
                               sample=SampleInfo("other", "S", None, None, None), measurements=(),
                               settings={}, result={"status": "failed", "reasons": []}, task_id="o"))
    with store.open(db_url) as db:
        db.record_many(recs)
        for study in ("study", None):
            full = verdict_counts(db.analyses(study=study, status="ok"))
            assert verdict_counts(db.verdicts(study=study, status="ok")) == full
        assert (full["ok"], full["warning"], full["failed"]) == (3, 1, 3)
        assert full["failed_results"] == {"t2": "not a DC hold", "t5": "", "o": ""}
        assert verdict_counts(db.verdicts(study="study"))["failed"] == 2


def test_analyses_are_listed_by_task_id_whatever_order_they_were_written_in(db_url):
    """A run with --jobs N stores tasks in the order they finish; the listing is by task id
    (tasks without one last), each task's reruns oldest first, so every run of a study lists
    its analyses alike and verdict_counts still keeps each task's latest result."""
    from sselab import store
    from sselab.store import AnalysisKey, AnalysisRecord, SampleInfo

    def rec(i: int, task_id: str | None, status: str) -> AnalysisRecord:
        return AnalysisRecord(key=AnalysisKey(f"{i:064x}", "m", "s" * 64, "0.1.0"),
                              sample=SampleInfo("study", "S"), result={"status": status, "reasons": []},
                              task_id=task_id)

    written = [rec(0, "S/eis/b", "ok"), rec(1, None, "ok"), rec(2, "S/dc/z", "ok"), rec(3, "S/eis/a", "ok"),
               rec(4, "S/eis/b", "failed")]  # the last: a later rerun of S/eis/b with other settings
    with store.open(db_url) as db:
        for r in written[:2]:
            db.record(r)
        db.record_many(written[2:])  # one batch, written in the batch's own (key) order
        listed = db.analyses(study="study")
        assert [(a["task_id"], a["input_hash"][-1]) for a in listed] == [
            ("S/dc/z", "2"), ("S/eis/a", "3"), ("S/eis/b", "0"), ("S/eis/b", "4"), (None, "1")]
        assert [v["task_id"] for v in db.verdicts(study="study")] == [a["task_id"] for a in listed]
        assert verdict_counts(db.verdicts(study="study"))["failed_results"] == {"S/eis/b": ""}


def test_task_ids_are_listed_byte_by_byte_whatever_the_database_locale(db_url):
    """SQLite and PostgreSQL list task ids alike: byte order (``B`` before ``a``, ``a-b`` before
    ``a_c``), also in a PostgreSQL database whose default collation is a natural-language one
    (ICU en-US there would give a, a_c, a-b, B)."""
    import contextlib
    import uuid

    from sselab import store
    from sselab.store import AnalysisKey, AnalysisRecord, SampleInfo

    ids = ["S/eis/a_c", "S/eis/B", "S/eis/a-b", "S/eis/a"]
    recs = [AnalysisRecord(key=AnalysisKey(f"{i:064x}", "m", "s" * 64, "0.1.0"), sample=SampleInfo("study", "S"),
                           result={"status": "ok", "reasons": []}, task_id=t) for i, t in enumerate(ids)]
    with contextlib.ExitStack() as stack:
        url = db_url
        if db_url.startswith("postgresql"):  # a database of its own, with an ICU en-US default collation
            import psycopg
            from sqlalchemy.engine import make_url

            u = make_url(db_url)
            admin = u.set(drivername="postgresql").render_as_string(hide_password=False)
            name = f"sselab_icu_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(admin, autocommit=True) as conn:
                try:
                    conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu "
                                 "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'")
                except psycopg.Error as exc:  # a server without ICU: its default (C) collation only
                    pytest.skip(f"no ICU database: {exc}")

            def drop() -> None:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

            stack.callback(drop)
            url = u.set(database=name).render_as_string(hide_password=False)
        with store.open(url) as db:
            db.record_many(recs)
            assert [a["task_id"] for a in db.analyses(study="study")] == sorted(ids)
            assert [v["task_id"] for v in db.verdicts(study="study")] == sorted(ids)
