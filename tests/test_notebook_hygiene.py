"""Notebooks are stored clean, named consistently, paired with their jupytext source,
open with the same set-up cell, and pass ruff."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ALLOWED_METADATA = {"jupytext", "kernelspec"}


def _ids(paths):
    return [p.name for p in paths]


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _first_code_cell(nb: dict) -> str:
    return next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"
    assert NOTEBOOKS[0].name == "00_setup.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_name_is_numbered_snake_case(path):
    assert re.fullmatch(r"\d\d_[a-z0-9]+(_[a-z0-9]+)*\.ipynb", path.name), (
        f"{path.name}: notebooks are named NN_snake_case.ipynb"
    )


def test_lesson_numbers_are_unique():
    numbers = [p.name[:2] for p in NOTEBOOKS]
    assert len(numbers) == len(set(numbers)), f"two notebooks share a number: {numbers}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_outputs_and_counts_are_stripped(path):
    for number, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name} cell {number} has stored outputs"
            assert cell["execution_count"] is None, f"{path.name} cell {number} has a count"
        assert not cell.get("metadata"), (
            f"{path.name} cell {number} has metadata {cell['metadata']}: jupytext records"
            " 'lines_to_next_cell' when the blank lines after a cell of the .py source are not"
            " what it expects (one; two after or before a def or class); fix the blank lines"
            " and run `jupytext --sync` again"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_no_empty_cells(path):
    for number, cell in enumerate(_load(path)["cells"]):
        assert "".join(cell["source"]).strip(), f"{path.name} cell {number} is empty: remove it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_metadata_is_normalised(path):
    meta = _load(path)["metadata"]
    assert set(meta) <= ALLOWED_METADATA, (
        f"{path.name}: unexpected metadata {set(meta) - ALLOWED_METADATA}"
    )
    assert meta["kernelspec"]["name"] == "python3"
    assert meta["jupytext"]["formats"] == "ipynb,py:percent"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_paired_source_is_in_sync(path):
    source = path.with_suffix(".py")
    assert source.is_file(), f"{path.name} has no jupytext source {source.name}"
    from_py = jupytext.read(source)
    stored = jupytext.read(path)
    pairs = zip(from_py.cells, stored.cells, strict=False)
    assert len(from_py.cells) == len(stored.cells), (
        f"{path.name} and {source.name} differ in cell count: run `jupytext --sync {source}`"
    )
    for number, (a, b) in enumerate(pairs):
        assert (a.cell_type, a.source) == (b.cell_type, b.source), (
            f"{path.name} cell {number} differs from {source.name}: run `jupytext --sync {source}`"
        )


def test_setup_cell_is_identical_everywhere():
    reference = _first_code_cell(_load(NOTEBOOKS[0]))
    assert "helpers.setup()" in reference
    for path in NOTEBOOKS[1:]:
        assert _first_code_cell(_load(path)) == reference, (
            f"{path.name}: its first code cell must be the set-up cell of {NOTEBOOKS[0].name}"
        )


def test_every_lesson_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"notebooks/{path.name}" in readme, f"README's lesson table misses {path.name}"


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run(
        [ruff, "check", "helpers", "tests", "notebooks", "conftest.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_readme_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in ("pip install -r requirements.txt", "pytest"):
        assert command in readme, f"README does not show `{command}`"
        assert any(line.strip().startswith(command) for line in ci.splitlines()), (
            f".ci/run does not run `{command}`"
        )
