"""Notebooks are stored clean, named consistently, paired with their jupytext source,
open with the same set-up cell, and pass ruff."""

import ast
import functools
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
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
        # jupytext notes where `ruff format` puts two blank lines between cells (before the
        # markdown cell above a def): its own bookkeeping, which no learner sees. Nothing else.
        metadata = {k: v for k, v in cell.get("metadata", {}).items() if k != "lines_to_next_cell"}
        assert not metadata, (
            f"{path.name} cell {number} has metadata {cell['metadata']}: clear it (Jupyter's"
            " cell tags, collapsed states, ...) and run `jupytext --sync` again"
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
    (folder / "helpers" / "__init__.py").write_text("def setup():\n    return 'fake course', 42\n")
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


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_is_clean(command):
    """Everything git keeps (helpers, tools, tests, website, notebooks) passes ruff and is
    formatted by it (`ruff check . && ruff format .` fixes most of it)."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run([ruff, *command, "."], cwd=ROOT, capture_output=True, text=True)
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


# --- The lesson skeleton of CONTRIBUTING.md ------------------------------------------------
# Every notebook is a lesson (00 included) and is held to the same skeleton: the title cell
# "# NN · Title" with its goals; numbered sections "## 1. Title", "## 2. Title", ...; the
# "> **Common mistakes**" box closing the last of them; "## Exercises"; "## Solutions" last.
# A lesson without exercises (none yet) is exempt from the last two. These tests read the
# jupytext sources (.py, kept identical to the .ipynb by the test above) to give line numbers.

MAX_CODE_LINES = 60  # a longer cell is split where it changes task (define / run / plot)
BOX = "> **Common mistakes**"
NUMBERED_SECTION = re.compile(r"(\d+)\. (\S.*)")
NUMBERED_SUBSECTION = re.compile(r"(\d+)\.(\d+) (\S.*)")
PLACEHOLDER = re.compile(r"\.\.\.|\bNone\b|NotImplementedError")
CHECKER_CALL = re.compile(r"\b(checks|exercises)\.check_\w+\(")


@dataclass(frozen=True)
class _Cell:
    kind: str  # "markdown" or "code"
    source: str
    line: int  # the line of its "# %%" marker in the .py source


@dataclass(frozen=True)
class _Heading:
    cell: int
    level: int
    text: str
    line: int  # in the .py source


@functools.cache
def _cells(path: Path) -> tuple[_Cell, ...]:
    source = path.with_suffix(".py")
    cells = jupytext.read(source).cells
    markers = [
        number
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1)
        if line.startswith("# %%")
    ]
    if len(markers) != len(cells):  # a cell without a marker: give no line rather than a wrong one
        markers = [0] * len(cells)
    return tuple(_Cell(c.cell_type, c.source, m) for c, m in zip(cells, markers, strict=True))


@functools.cache
def _headings(path: Path) -> tuple[_Heading, ...]:
    """Every Markdown heading line (fenced code blocks skipped), malformed ones included."""
    found = []
    for index, cell in enumerate(_cells(path)):
        if cell.kind != "markdown":
            continue
        fenced = False
        for offset, line in enumerate(cell.source.splitlines(), 1):
            if line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
            match = re.match(r"(#+)(.*)", line)
            if match and not fenced:
                text = match.group(2).strip().rstrip("#").strip()
                if match.group(2) and not match.group(2).startswith(" "):
                    text = "\0" + match.group(2)  # "#Title": not a heading in Markdown; flagged
                found.append(_Heading(index, len(match.group(1)), text, cell.line + offset))
    return tuple(found)


def _where(path: Path, line: int) -> str:
    return f"{path.with_suffix('.py').name}:{line}"


def _index_of(path: Path, heading: str) -> int | None:
    """The index of the cell holding a closing heading ("Exercises", "Solutions"), if any."""
    return next((h.cell for h in _headings(path) if h.level == 2 and h.text == heading), None)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_headings_are_well_formed(path):
    """No empty heading, no "#Title" without its space, no level beyond "###"."""
    for heading in _headings(path):
        where = _where(path, heading.line)
        assert not heading.text.startswith("\0"), (
            f"{where}: '{heading.text[1:]}' is not a heading: put a space after the #s"
        )
        assert re.search(r"\w", heading.text), f"{where}: an empty heading: give it a title"
        assert heading.level <= 3, f"{where}: '{heading.text}': headings go down to ### only"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_title_cell(path):
    """The first cell is Markdown: the badges, then the one title "# NN · Title" whose number is
    the file's, then the lesson's **Goals.**"""
    first = _cells(path)[0]
    assert first.kind == "markdown", f"{path.name}: the first cell is the title cell (Markdown)"
    titles = [h for h in _headings(path) if h.level == 1]
    found = ", ".join(f"'{h.text}' ({_where(path, h.line)})" for h in titles)
    assert len(titles) == 1, f"{path.name}: one '# ' title expected, found {found}"
    title = titles[0]
    assert title.cell == 0 and first.source.splitlines()[1].startswith("# "), (
        f"{_where(path, title.line)}: the title is the second line of the first cell, after the"
        " badges line"
    )
    assert re.fullmatch(rf"{path.name[:2]} · \S.*", title.text), (
        f"{_where(path, title.line)}: the title must read '# {path.name[:2]} · Title', got"
        f" '# {title.text}'"
    )
    assert "**Goals.**" in first.source, f"{path.name}: the title cell states the **Goals.**"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_sections_are_numbered_then_exercises_then_solutions(path):
    """Sections "## 1. Title", "## 2. Title", ... in order, then "## Exercises" and "## Solutions"
    (a lesson without exercises ends with its last numbered section); nothing else at level 2."""
    sections = [h for h in _headings(path) if h.level == 2]
    numbered = [h for h in sections if NUMBERED_SECTION.fullmatch(h.text)]
    assert numbered, f"{path.name}: no numbered section ('## 1. Title')"
    for expected, heading in enumerate(numbered, 1):
        number = int(NUMBERED_SECTION.fullmatch(heading.text).group(1))
        assert number == expected, (
            f"{_where(path, heading.line)}: '## {heading.text}' should be section {expected}"
        )
    closing = [h.text for h in sections[len(numbered) :]]
    for heading in sections[: len(numbered)]:
        assert NUMBERED_SECTION.fullmatch(heading.text), (
            f"{_where(path, heading.line)}: '## {heading.text}' among the numbered sections:"
            " number it '## N. Title' (a dot, not '·'), or make it a '###' subsection"
        )
    assert closing in ([], ["Exercises", "Solutions"]), (
        f"{path.name}: after the numbered sections come '## Exercises' then '## Solutions'"
        f" (the last), found {closing}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_subsections_sit_inside_numbered_sections(path):
    """Subsections ("###") belong to a numbered section; numbered ones read "### N.M Title", N
    being their section's number and M counting from 1."""
    section, last_sub = 0, 0
    for heading in _headings(path):
        where = _where(path, heading.line)
        if heading.level == 2:
            match = NUMBERED_SECTION.fullmatch(heading.text)
            section, last_sub = (int(match.group(1)) if match else None), 0
        elif heading.level == 3:
            assert section, (
                f"{where}: '### {heading.text}' is outside the numbered sections (none in the"
                " title cell, the exercises or the solutions)"
            )
            match = NUMBERED_SUBSECTION.fullmatch(heading.text)
            if match:
                assert (int(match.group(1)), int(match.group(2))) == (section, last_sub + 1), (
                    f"{where}: '### {heading.text}' should be numbered {section}.{last_sub + 1}"
                )
                last_sub += 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_common_mistakes_box_closes_the_last_section(path):
    """One "> **Common mistakes**" box, a Markdown cell of its own (it may go on with the
    "## Exercises" heading), at the end of the last numbered section."""
    cells = _cells(path)
    boxes = [i for i, c in enumerate(cells) if c.kind == "markdown" and BOX in c.source]
    assert len(boxes) == 1, f"{path.name}: one '{BOX}' box expected, found {len(boxes)}"
    box = cells[boxes[0]]
    assert box.source.startswith(BOX), (
        f"{_where(path, box.line)}: the box starts its own Markdown cell: put '# %% [markdown]'"
        f" before '# {BOX}'"
    )
    last_section = max(
        (h.cell for h in _headings(path) if h.level == 2 and NUMBERED_SECTION.fullmatch(h.text)),
        default=-1,
    )
    exercises = _index_of(path, "Exercises")
    assert boxes[0] > last_section and (exercises is None or boxes[0] <= exercises), (
        f"{_where(path, box.line)}: the box closes the last numbered section, before '## Exercises'"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_results_are_recorded_at_the_end_of_the_lesson_body(path):
    """`helpers.record` runs in the code cell right before the Common mistakes box, so that the
    numbers come from the lesson itself (never from exercise or solution cells) and are kept even
    if a later cell fails. A lesson whose later part cannot run everywhere (CIFAR-10 data,
    ImageNet weights) may also record the part before it, in a cell that closes that numbered
    section (the next cell opens the next one)."""
    cells = _cells(path)
    records = [i for i, c in enumerate(cells) if c.kind == "code" and "helpers.record(" in c.source]
    if not records:
        return
    box = next(
        (i for i, c in enumerate(cells) if c.kind == "markdown" and c.source.startswith(BOX)), None
    )
    assert box is not None, f"{path.name}: helpers.record goes right before the '{BOX}' box: add it"
    for index in records:
        where = _where(path, cells[index].line)
        following = cells[index + 1] if index + 1 < len(cells) else None
        opens_section = (
            following is not None
            and following.kind == "markdown"
            and NUMBERED_SECTION.match(following.source.removeprefix("## "))
            and following.source.startswith("## ")
        )
        assert index + 1 == box or (index < box and opens_section), (
            f"{where}: helpers.record belongs in the code cell right before the '{BOX}' box"
            " (or, for a part recorded early, in the cell that closes its numbered section);"
            " move this cell there, and drop any '## Results' heading"
        )
    assert records[-1] + 1 == box, (
        f"{_where(path, cells[records[-1]].line)}: the last helpers.record cell goes right"
        f" before the '{BOX}' box"
    )


def _exercise_cells(path: Path) -> tuple[list[int], list[int]]:
    """The code cells between "## Exercises" and "## Solutions", and those after it (a
    misplaced `helpers.record` cell left out: the test of the results cell reports it)."""
    cells = _cells(path)
    exercises, solutions = _index_of(path, "Exercises"), _index_of(path, "Solutions")
    code = [
        i for i, c in enumerate(cells) if c.kind == "code" and "helpers.record(" not in c.source
    ]
    tasks = [i for i in code if exercises < i < solutions]
    answers = [i for i in code if i > solutions]
    return tasks, answers


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_each_exercise_is_a_task_and_a_cell_that_checks_it(path):
    """Exercise k: a Markdown task "**Exercise k." (or "**Exercise k: title.**"), then one code
    cell with the placeholders the learner replaces (`...`, `None`, `raise NotImplementedError`)
    and the checker call that gives feedback; its solution is the k-th code cell after
    "## Solutions", opening with the comment "# Exercise k"."""
    if _index_of(path, "Exercises") is None:
        return  # a lesson without exercises
    cells = _cells(path)
    assert _index_of(path, "Solutions") is not None, f"{path.name}: '## Solutions' is missing"
    tasks, answers = _exercise_cells(path)
    assert tasks, f"{path.name}: '## Exercises' has no exercise cell"
    for number, index in enumerate(tasks, 1):
        cell, task = cells[index], cells[index - 1]
        where = _where(path, cell.line)
        assert task.kind == "markdown" and re.search(
            rf"^\*\*Exercise {number}[.:]", task.source, re.M
        ), f"{where}: exercise cell {number} must follow its task '**Exercise {number}. ...**'"
        assert PLACEHOLDER.search(cell.source), (
            f"{where}: exercise {number}'s cell has no placeholder (`...`, None or"
            " NotImplementedError) for the learner to replace"
        )
        assert CHECKER_CALL.search(cell.source), (
            f"{where}: exercise {number}'s cell must end by calling a checker"
            " (checks.check_* or exercises.check_*)"
        )
    assert len(answers) == len(tasks), (
        f"{path.name}: {len(tasks)} exercises but {len(answers)} solution cells: one each"
    )
    for number, index in enumerate(answers, 1):
        lines = [line for line in cells[index].source.splitlines() if not line.startswith("%%")]
        assert re.match(rf"# Exercise {number}\b", lines[0]), (
            f"{_where(path, cells[index].line)}: solution cell {number} opens with the comment"
            f" '# Exercise {number}' (and, after a colon, the reasoning in brief)"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_hints_are_named_constants(path):
    """A checker's hint is a constant (`HINT_2 = "..."` in the exercise cell) that its
    solution passes again, never a string repeated or replaced by "see above"."""
    source = path.with_suffix(".py").read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        for keyword in getattr(node, "keywords", []) if isinstance(node, ast.Call) else []:
            if keyword.arg != "hint":
                continue
            value = keyword.value
            name = value.value if isinstance(value, ast.Subscript) else value
            assert isinstance(name, ast.Name) and name.id.startswith("HINT"), (
                f"{path.with_suffix('.py').name}:{node.lineno}: pass the hint as a constant"
                " defined in the exercise cell (HINT_<k> = '...'; hint=HINT_<k>), in the"
                " solution too"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_code_cells_are_short(path):
    """A code cell of more than MAX_CODE_LINES lines does several things: split it where it
    changes task (define, run, check, plot), with a sentence of Markdown between if it helps."""
    for cell in _cells(path):
        lines = len(cell.source.splitlines())
        assert cell.kind != "code" or lines <= MAX_CODE_LINES, (
            f"{_where(path, cell.line)}: a code cell of {lines} lines (at most {MAX_CODE_LINES})"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_source_is_ruff_formatted(path):
    """The .py source is as `ruff format` writes it (one test per lesson: its id names the file
    to format; the message shows what would change)."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    source = f"notebooks/{path.with_suffix('.py').name}"
    result = subprocess.run(
        [ruff, "format", "--diff", source], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert result.returncode == 0, (
        f"{source} is not ruff-formatted: run `ruff format {source}` and then"
        f" `jupytext --sync {source}`. It would change:\n{result.stdout[:2000]}"
    )
