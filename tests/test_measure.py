"""The results-table tool finds lessons by number and summarises seeds correctly."""

import pytest

from tools import measure


def test_find_notebook_by_number():
    assert measure.find_notebook("00").name == "00_setup.ipynb"


def test_unknown_lesson_lists_the_known_ones():
    with pytest.raises(ValueError, match="00_setup"):
        measure.find_notebook("99")


def test_summarise_mean_and_sd():
    rows = [
        {"lesson": "08", "seed": 0, "quick": False, "accuracy": 0.80},
        {"lesson": "08", "seed": 1, "quick": False, "accuracy": 0.82},
        {"lesson": "08", "seed": 2, "quick": False, "accuracy": 0.84},
    ]
    table = measure.summarise(rows, {"08/full": [100.0, 110.0, 120.0]})
    assert "| 08 | full | 0,1,2 | accuracy 0.820 ± 0.020 | 110 |" in table


def test_summarise_takes_every_metric_a_lesson_recorded():
    """A lesson may record its parts in several calls: no metric is dropped."""
    rows = [
        {"lesson": "12", "seed": 0, "quick": False, "gain": 0.06},
        {"lesson": "12", "seed": 0, "quick": False, "mobilenet": 0.8},
        {"lesson": "12", "seed": 1, "quick": False, "gain": 0.08},
    ]
    table = measure.summarise(rows, {})
    assert "| 12 | full | 0,1 | gain 0.070 ± 0.014; mobilenet 0.800 ± 0.000 | n/a |" in table


def test_summarise_shows_tiny_numbers_instead_of_zeros():
    rows = [
        {"lesson": "16", "seed": s, "quick": False, "gap": g} for s, g in ((0, 1e-8), (1, 3e-8))
    ]
    assert "gap 2.00e-08 ± 1.4e-08 (max 3.00e-08)" in measure.summarise(rows, {})
