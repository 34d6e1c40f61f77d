"""The demo's paper-comparison page: every row, its verdict, the inconsistencies and the residuals."""

from sselab.demo_rows import inconsistency_rows
from sselab.report.sections_paper import residual_figure, write_paper_page


def _rows():
    return [
        {"quantity": "σ_ion at 100 °C", "sample": "as-BM", "recovered": 5.5e-4, "stderr": 2e-6, "truth": 5.54e-4,
         "paper": 5.54e-4, "unit": "S/cm", "status": "ok", "reasons": []},
        {"quantity": "GCD cycles", "sample": "SE-polymer", "recovered": None, "stderr": None, "truth": None,
         "paper": 200.0, "unit": "cycles", "status": "not simulated", "reasons": ["not simulated <yet>"]},
    ] + inconsistency_rows()


def test_page_lists_every_row_escaped_with_inconsistencies_and_assumptions(tmp_path):
    page = write_paper_page(_rows(), tmp_path, ["100 µm membrane assumed"])
    text = open(page, encoding="utf-8").read()
    assert text.count("<tr class=") == len(_rows())
    assert "not simulated &lt;yet&gt;" in text and "<yet>" not in text
    assert "0.351 eV" in text and "100 µm membrane assumed" in text
    assert (tmp_path / "paper_residuals.png").stat().st_size > 1000


def test_residual_figure_only_rows_with_truth_and_stderr(tmp_path):
    assert residual_figure(_rows()[1:], tmp_path / "r.png") is None
    assert residual_figure(_rows()[:1], tmp_path / "r.png") == str(tmp_path / "r.png")


def test_a_reason_shared_by_many_rows_is_one_numbered_note(tmp_path):
    """A refinement's warnings stood in full on each of its rows (a 15,000 px page)."""
    long = "Mg3AsN: B(N1) = -8.87 Å² is negative (unphysical)"
    rows = [{"quantity": q, "sample": "as-BM", "recovered": 1.0, "stderr": 0.1, "truth": 1.0, "paper": 1.0,
             "unit": "", "status": "warning", "reasons": [long, "only " + q]} for q in ("a", "D", "ε")]
    text = open(write_paper_page(rows, tmp_path), encoding="utf-8").read()
    assert text.count("B(N1) = -8.87") == 1 and text.count('href="#note1"') == 3
    assert all(f'<li id="note{k}">only {q}</li>' in text for k, q in ((2, "a"), (3, "D"), (4, "ε")))
