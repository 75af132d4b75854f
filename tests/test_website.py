"""The Colab links and the page preparation of the website (no site tools needed here)."""

import json
import re
from pathlib import Path

import pytest

from helpers import website

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = website.lesson_notebooks()
COLAB = "https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/"


def _project(tmp_path: Path, urls: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\n\n{urls}\n[tool.x]\na = 1\n')
    return tmp_path


def _notebook(*cells: tuple[str, str, list]) -> dict:
    return {
        "cells": [
            {"cell_type": kind, "source": source, "metadata": {}}
            | ({"outputs": outputs, "execution_count": None} if kind == "code" else {})
            for kind, source, outputs in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


# --- the public address and the links made from it


def test_repository_url_is_read_from_pyproject():
    assert website.repository_url() == "https://github.com/dl-course/dl-course"


def test_colab_url_has_colabs_github_form():
    assert website.colab_url("06_mnist_dense.ipynb") == COLAB + "06_mnist_dense.ipynb"


def test_colab_url_follows_the_public_address(tmp_path):
    root = _project(tmp_path, '[project.urls]\nRepository = "https://github.com/someone/course/"')
    expected = "https://colab.research.google.com/github/someone/course/blob/main/notebooks/"
    assert website.colab_url("00_setup.ipynb", root) == expected + "00_setup.ipynb"


@pytest.mark.parametrize("urls", [
    "[project.urls]\nHomepage = \"https://github.com/a/b\"",
    "[project.urls]\nRepository = \"https://gitlab.com/a/b\"",
    "",
])
def test_a_missing_or_foreign_public_address_is_a_clear_error(tmp_path, urls):
    with pytest.raises(ValueError, match="Repository"):
        website.repository_url(_project(tmp_path, urls))


@pytest.mark.parametrize("name", ["notebooks/00_setup.ipynb", "00_setup.py", "setup.ipynb", 6])
def test_colab_url_rejects_what_is_not_a_lesson_file_name(name):
    with pytest.raises(ValueError, match="NN_snake_case"):
        website.colab_url(name)


def test_badge_is_markdown_image_link():
    badge = website.colab_badge("00_setup.ipynb")
    assert badge == (f"[![Open In Colab]({website.COLAB_BADGE_IMAGE})]({COLAB}00_setup.ipynb)")


def test_every_notebook_opens_with_its_colab_badge():
    """Kept in sync: a new lesson gets its badge with `python -m helpers.website badges --fix`."""
    problems = website.badge_problems()
    assert not problems, "\n".join(problems)


def test_readme_lesson_table_has_every_colab_badge():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(
        r"^\|.*?\(notebooks/(\d\d_\w+\.ipynb)\).*$", readme, re.M)}
    for path in NOTEBOOKS:
        assert path.name in rows, f"README's lesson table has no row for {path.name}"
        assert website.colab_badge(path.name) in rows[path.name], (
            f"README's row of {path.name} needs its Colab badge: {website.colab_badge(path.name)}"
        )


SITE_COMMANDS = (
    "pip install -r website/requirements.txt",
    "python -m helpers.website build --quick",
    "pytest website",
)


def test_ci_builds_and_tests_the_site_as_the_readme_says():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in SITE_COMMANDS:
        assert command in readme, f"README does not show `{command}`"
        assert any(line.strip().startswith(command) for line in ci.splitlines()), (
            f".ci/run does not run `{command}`"
        )


def test_setup_cell_clones_the_public_address():
    cell = next(
        "".join(c["source"])
        for c in json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))["cells"]
        if c["cell_type"] == "code"
    )
    clone = re.search(r'COURSE_REPO = "([^"]+)"', cell)
    assert clone and clone.group(1).removesuffix(".git") == website.repository_url()


def test_add_badge_inserts_once_and_corrects_an_old_one(tmp_path):
    source = tmp_path / "07_new_lesson.py"
    source.write_text("# ---\n# header\n# ---\n\n# %% [markdown]\n# # 07 · New\n\n# %%\nx = 1\n")
    assert website.add_badge(source, ROOT)
    assert not website.add_badge(source, ROOT)
    lines = source.read_text().splitlines()
    assert lines[5] == f"# {website.colab_badge('07_new_lesson.ipynb')}"
    assert lines[6] == "# # 07 · New"
    lines[5] = "# [![Open In Colab](x)](https://colab.research.google.com/github/old/old)"
    source.write_text("\n".join(lines) + "\n")
    assert website.add_badge(source, ROOT)
    assert source.read_text().count("colab.research.google.com/github/") == 1


def test_add_badge_needs_a_markdown_cell(tmp_path):
    source = tmp_path / "07_new_lesson.py"
    source.write_text("# %%\nx = 1\n")
    with pytest.raises(ValueError, match="no Markdown cell"):
        website.add_badge(source, ROOT)


# --- pages from executed notebooks

BANNER = {"output_type": "stream", "name": "stdout",
          "text": ["!!!!\n", "QUICK mode uses a GENERATED STAND-IN of the same shapes\n"]}
WARNING = {"output_type": "stream", "name": "stderr",
           "text": "datasets.py:533: StandInWarning: CIFAR-10 could not be had\n"}
RESULT = {"output_type": "stream", "name": "stdout", "text": "Result: accuracy = 0.5\n"}


@pytest.mark.parametrize("outputs", [[BANNER], [WARNING]])
def test_a_stand_in_is_found_in_the_outputs(outputs):
    assert website.used_stand_in(_notebook(("code", "load()", outputs)))


def test_no_stand_in_without_its_banner():
    assert not website.used_stand_in(_notebook(("code", "x", [RESULT]), ("markdown", "stand", [])))


def test_page_of_a_stand_in_lesson_says_so_at_the_top_and_where_the_numbers_are():
    badge = website.colab_badge("07_x.ipynb")
    notebook = _notebook(("markdown", f"{badge}\n# 07 · X", []), ("code", "load()", [BANNER]),
                         ("code", 'helpers.record("07", accuracy=a)', [RESULT]))
    page = website.prepare_page(notebook, quick=True)
    sources = ["".join(c["source"]) for c in page["cells"]]
    assert website.COLAB_BADGE_IMAGE not in sources[0]
    assert website.LOCAL_BADGE_IMAGE in sources[0]
    assert website.STAND_IN_NOTE in sources[1]
    assert website.STAND_IN_NOTE in sources[3] and website.QUICK_NOTE in sources[4]
    assert sources[5].startswith("helpers.record")
    assert notebook["cells"][0]["source"] == f"{badge}\n# 07 · X", "the input was changed"


def test_page_in_full_mode_without_stand_in_has_no_notes():
    notebook = _notebook(("markdown", "# 08", []), ("code", "helpers.record('08', a=1)", []))
    page = website.prepare_page(notebook, quick=False)
    assert [c["source"] for c in page["cells"]] == [c["source"] for c in notebook["cells"]]


def test_home_page_links_lessons_to_their_pages_and_other_files_to_github():
    readme = (
        "# Course\n\nSee [data](data/README.md), [web](https://x.org) and [here](#lessons).\n\n"
        "| # | notebook |\n|---|---|\n| 00 | [notebooks/00_setup.ipynb](notebooks/00_setup.ipynb) |"
        "\n\n## Repository layout\n\n    tests/\n"
    )
    page = website.home_page(readme, ["00_setup.ipynb"])
    assert "](https://github.com/dl-course/dl-course/blob/main/data/README.md)" in page
    assert "](https://x.org)" in page and "](#lessons)" in page
    assert "[notebooks/00_setup.ipynb](00_setup.ipynb)" in page
    assert f"]({COLAB}00_setup.ipynb)" in page, "the lesson row needs its Colab badge"
    assert f"({website.LOCAL_BADGE_IMAGE})" in page, "the badge image must be served locally"
    assert "Repository layout" not in page
    assert page.rstrip().endswith("```") and "\n00_setup\n" in page


def test_failure_names_the_lesson_and_the_cell():
    notebook = _notebook(("markdown", "# 03", []), ("code", "import helpers", []),
                         ("code", "x = 1\ny = 1 / 0", []))
    traceback = (
        "Traceback...\nnbclient.exceptions.CellExecutionError: An error occurred while executing"
        " the following cell:\n------------------\nx = 1\ny = 1 / 0\n------------------\n\n"
        "ZeroDivisionError: division by zero\n"
    )
    message = website.failure_message("03_loss_functions.ipynb", notebook, traceback)
    assert message.startswith("Lesson 03_loss_functions.ipynb failed to execute at cell 3 ")
    assert "`x = 1`" in message and "ZeroDivisionError" in message


# --- pages from the lessons that the test suite executed


def test_executed_lessons_are_taken_only_when_their_code_is_current(tmp_path):
    lesson = tmp_path / "97_fine.ipynb"
    lesson.write_text(json.dumps(_notebook(("markdown", "# 97", []), ("code", "x = 1", []))))
    ran = tmp_path / "ran"
    ran.mkdir()
    output = {"output_type": "stream", "name": "stdout", "text": "1\n"}
    (ran / lesson.name).write_text(
        json.dumps(_notebook(("markdown", "# 97", []), ("code", "x = 1", [output])))
    )
    taken = website.already_executed([lesson], ran)
    assert taken["97_fine.ipynb"]["cells"][1]["outputs"] == [output]

    lesson.write_text(json.dumps(_notebook(("markdown", "# 97", []), ("code", "x = 2", []))))
    with pytest.raises(website.BuildError, match="97_fine.ipynb: its code changed"):
        website.already_executed([lesson], ran)
    with pytest.raises(website.BuildError, match="98_gone.ipynb: not in"):
        website.already_executed([tmp_path / "98_gone.ipynb"], ran)
