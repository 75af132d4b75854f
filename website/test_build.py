"""The build executes lessons through its cache and names the lesson and cell that failed.

Needs the site's tools (website/requirements.txt); run with `pytest website/test_build.py`.
"""

import json

import pytest

from helpers import website


def _write(path, *sources):
    cells = [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# 98 · A test"}] + [
        {"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": s, "outputs": [],
         "execution_count": None}
        for i, s in enumerate(sources)
    ]
    notebook = {"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    path.write_text(json.dumps(notebook))
    return path


def test_a_failing_cell_fails_the_build_with_lesson_and_cell_named(tmp_path):
    good = _write(tmp_path / "97_fine.ipynb", "print(6 * 7)")
    bad = _write(tmp_path / "98_broken.ipynb", "x = 1", "y = x / 0")
    with pytest.raises(website.BuildError) as failure:
        website.execute([good, bad], quick=True, workdir=tmp_path / "work")
    message = str(failure.value)
    assert "Lesson 98_broken.ipynb failed to execute at cell 3" in message
    assert "`y = x / 0`" in message and "ZeroDivisionError" in message
    assert "97_fine" not in message


def test_an_unchanged_lesson_is_taken_from_the_cache(tmp_path):
    lesson = _write(tmp_path / "97_fine.ipynb", "import os\nprint(os.environ['DLCOURSE_QUICK'])")
    first = website.execute([lesson], quick=True, workdir=tmp_path / "work")
    outputs = first["97_fine.ipynb"]["cells"][1]["outputs"]
    assert "".join(outputs[0]["text"]).strip() == "1", "the kernel did not run in QUICK mode"
    cache = tmp_path / "work" / "cache"
    before = sorted(p.name for p in cache.rglob("*.ipynb"))
    again = website.execute([lesson], quick=True, workdir=tmp_path / "work")
    assert again == first
    assert sorted(p.name for p in cache.rglob("*.ipynb")) == before
