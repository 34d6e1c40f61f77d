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
