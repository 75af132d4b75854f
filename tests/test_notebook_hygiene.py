"""Notebooks are stored clean, named consistently, paired with their jupytext source,
open with the same set-up cell, and pass ruff."""

import ast
import json
import os
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


def _course_repo() -> str:
    """The course's public address, from pyproject.toml's [project.urls] (its one home)."""
    match = re.search(
        r'^Repository\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE
    )
    assert match, "pyproject.toml has no [project.urls] Repository line"
    return match.group(1)


def test_setup_cell_clones_the_address_in_pyproject():
    cell = _first_code_cell(_load(NOTEBOOKS[0]))
    assert f'COURSE_REPO = "{_course_repo()}"' in cell, (
        "the set-up cell's COURSE_REPO must be pyproject.toml's [project.urls] Repository"
    )


def _run_setup_cell(
    cwd: Path,
    *,
    colab: bool = False,
    kaggle: bool = False,
    repo: str | None = None,
    then: str = "",
    env: dict[str, str] | None = None,
):
    """Run the set-up cell (and ``then``) in a fresh Python without site-packages (so no
    installed helpers). ``colab`` fakes Colab's module, ``kaggle`` the variable every Kaggle
    notebook has, ``env`` adds variables."""
    code = _first_code_cell(_load(NOTEBOOKS[0])) + then
    if repo is not None:
        code = code.replace(_course_repo(), repo)
    if colab:
        code = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('colab')\n" + code
    env = {k: v for k, v in os.environ.items() if k != "KAGGLE_KERNEL_RUN_TYPE"} | (env or {})
    if kaggle:
        env["KAGGLE_KERNEL_RUN_TYPE"] = "Interactive"
    return subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def _fake_course(folder: Path, name: str = "dlcourse-helpers") -> None:
    (folder / "helpers").mkdir(parents=True)
    (folder / "helpers" / "environment.py").write_text("")
    (folder / "helpers" / "__init__.py").write_text("def setup():\n    return 'fake course'\n")
    (folder / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n')


def test_setup_cell_finds_the_course_above_the_notebook(tmp_path):
    _fake_course(tmp_path / "course")
    (tmp_path / "course" / "notebooks").mkdir()
    code = _first_code_cell(_load(NOTEBOOKS[0])) + "\nprint(QUICK)"
    result = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=tmp_path / "course" / "notebooks",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("fake course")


def test_setup_cell_ignores_other_helpers_folders(tmp_path):
    (tmp_path / "helpers").mkdir()  # somebody else's package called helpers
    (tmp_path / "helpers" / "__init__.py").write_text("")
    _fake_course(tmp_path / "other", name="not-the-course")
    (tmp_path / "notebooks").mkdir()
    result = _run_setup_cell(tmp_path / "notebooks")
    assert result.returncode != 0
    assert "ModuleNotFoundError" in result.stderr and "no attribute" not in result.stderr


def test_setup_cell_without_the_package_says_how_to_install(tmp_path):
    result = _run_setup_cell(tmp_path)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "pip install -r requirements.txt" in last and "course folder" in last, last


@pytest.mark.parametrize("platform", ["colab", "kaggle"])
def test_setup_cell_on_a_hosted_platform_clones_and_explains_a_failed_clone(tmp_path, platform):
    """On Colab and Kaggle the cell clones the course; a clone that fails says what to check
    (the address, a fork's address, and on Kaggle the notebook's Internet setting)."""
    missing = tmp_path / "no-such-repository"
    result = _run_setup_cell(tmp_path, repo=str(missing), **{platform: True})
    assert result.returncode != 0
    assert "fatal:" in result.stderr  # git itself ran and its own message is passed on
    last = result.stderr.strip().splitlines()
    text = "\n".join(last[-6:])
    assert str(missing) in text and "COURSE_REPO" in text and "fork" in text, text
    assert "Internet" in text
    assert "CalledProcessError" not in result.stderr


def test_setup_cell_on_a_hosted_platform_uses_a_course_already_cloned(tmp_path):
    """Run twice on Colab or Kaggle (a second lesson, say), the cell reuses its clone."""
    _fake_course(tmp_path / "dl-course")
    result = _run_setup_cell(tmp_path, kaggle=True, then="\nprint(QUICK)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("fake course")


def test_setup_cell_on_binder_finds_the_course_it_starts_in(tmp_path):
    """Binder opens the repository itself (notebooks/ inside it), with nothing to clone."""
    _fake_course(tmp_path / "repo")
    (tmp_path / "repo" / "notebooks").mkdir()
    result = _run_setup_cell(
        tmp_path / "repo" / "notebooks",
        then="\nprint(QUICK)",
        env={"BINDER_LAUNCH_HOST": "https://mybinder.org/"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("fake course")
    assert not (tmp_path / "repo" / "notebooks" / "dl-course").exists()


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_exercises_are_followed_by_a_solutions_heading(path):
    """A lesson with exercises keeps its answers under a Markdown "## Solutions" heading, after
    every exercise, so that a learner scrolling through the exercises meets no answer first."""
    cells = _load(path)["cells"]
    markdown = [
        (i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "markdown"
    ]
    exercises = [i for i, text in markdown if re.search(r"^## Exercises\b", text, re.M)]
    if not exercises:
        return
    solutions = [i for i, text in markdown if re.search(r"^## Solutions\b", text, re.M)]
    assert len(solutions) == 1, f"{path.name}: one Markdown '## Solutions' heading expected"
    assert solutions[0] > exercises[0], f"{path.name}: the solutions come after the exercises"
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            assert "## Solutions" not in "".join(cell["source"]), (
                f"{path.name} cell {i}: the Solutions heading is a code comment, make it Markdown"
            )


def _digest_checks(path: Path) -> list[tuple[int, str, str, tuple[str, ...]]]:
    """(line, answer expression, exercise id, digests) of every check_digest call in a lesson."""
    source = path.with_suffix(".py").read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "check_digest":
            keywords = {k.arg: k.value for k in node.keywords}
            exercise = keywords.get("exercise")
            exercise = exercise.value if isinstance(exercise, ast.Constant) else None
            digest = node.args[1]
            items = [digest] if isinstance(digest, ast.Constant) else getattr(digest, "elts", [])
            digests = tuple(d.value for d in items if isinstance(d, ast.Constant))
            answer = ast.get_source_segment(source, node.args[0])
            found.append((node.lineno, answer, exercise, digests))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_digests_are_salted_with_their_own_exercise(path):
    """Every hidden-answer check names its exercise as "NN.k" of this lesson, in the learner's
    cell and in the solution alike, with literal digests (so the test can compare them)."""
    by_answer: dict[str, tuple[str, tuple[str, ...]]] = {}
    for line, answer, exercise, digests in _digest_checks(path):
        where = f"{path.with_suffix('.py').name}:{line}"
        assert exercise and re.fullmatch(rf"{path.name[:2]}\.\d+", exercise), (
            f"{where}: check_digest needs exercise='{path.name[:2]}.<number>', got {exercise!r}"
        )
        assert digests, f"{where}: write the digests as string literals"
        if answer.isidentifier():  # the learner's variable: same id and digests in the solution
            first = by_answer.setdefault(answer, (exercise, digests))
            assert first == (exercise, digests), f"{where}: {answer} is checked two ways"


def test_no_digest_serves_two_exercises():
    """Salting by exercise makes equal answers ("b", 8) of different exercises look different."""
    owner: dict[str, str] = {}
    for path in NOTEBOOKS:
        for _, _, exercise, digests in _digest_checks(path):
            for digest in digests:
                assert owner.setdefault(digest, exercise) == exercise, (
                    f"digest {digest} serves exercises {owner[digest]} and {exercise}"
                )
