"""The badges' links (Colab, Kaggle, Binder), the Binder set-up and the page preparation of
the website, by ``tools.website``: none of it needs the site tools (website/requirements.txt)."""

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import website

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = website.lesson_notebooks()
COLAB = "https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/"
KAGGLE = (
    "https://kaggle.com/kernels/welcome?src="
    "https://github.com/dl-course/dl-course/blob/main/notebooks/"
)
BINDER = "https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F"


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


@pytest.mark.parametrize(
    "urls",
    [
        '[project.urls]\nHomepage = "https://github.com/a/b"',
        '[project.urls]\nRepository = "https://gitlab.com/a/b"',
        "",
    ],
)
def test_a_missing_or_foreign_public_address_is_a_clear_error(tmp_path, urls):
    with pytest.raises(ValueError, match="Repository"):
        website.repository_url(_project(tmp_path, urls))


@pytest.mark.parametrize("name", ["notebooks/00_setup.ipynb", "00_setup.py", "setup.ipynb", 6])
def test_colab_url_rejects_what_is_not_a_lesson_file_name(name):
    with pytest.raises(ValueError, match="NN_snake_case"):
        website.colab_url(name)


def test_kaggle_and_binder_urls_have_their_services_forms():
    assert website.kaggle_url("06_mnist_dense.ipynb") == KAGGLE + "06_mnist_dense.ipynb"
    assert website.binder_url("06_mnist_dense.ipynb") == BINDER + "06_mnist_dense.ipynb"


def test_kaggle_and_binder_urls_follow_the_public_address(tmp_path):
    root = _project(tmp_path, '[project.urls]\nRepository = "https://github.com/someone/course"')
    assert website.kaggle_url("00_setup.ipynb", root) == (
        "https://kaggle.com/kernels/welcome?src="
        "https://github.com/someone/course/blob/main/notebooks/00_setup.ipynb"
    )
    assert website.binder_url("00_setup.ipynb", root) == (
        "https://mybinder.org/v2/gh/someone/course/HEAD?labpath=notebooks%2F00_setup.ipynb"
    )


@pytest.mark.parametrize("url", ["kaggle_url", "binder_url"])
def test_kaggle_and_binder_urls_reject_what_is_not_a_lesson_file_name(url):
    with pytest.raises(ValueError, match="NN_snake_case"):
        getattr(website, url)("notebooks/00_setup.ipynb")


def test_badges_are_three_markdown_image_links():
    badge = website.badges("00_setup.ipynb")
    assert badge == (
        f"[![Open In Colab]({website.COLAB_BADGE_IMAGE})]({COLAB}00_setup.ipynb)"
        f" [![Open In Kaggle]({website.KAGGLE_BADGE_IMAGE})]({KAGGLE}00_setup.ipynb)"
        f" [![Launch Binder]({website.BINDER_BADGE_IMAGE})]({BINDER}00_setup.ipynb)"
    )
    assert website.colab_badge("00_setup.ipynb") == badge.split(" [")[0]


def test_every_notebook_and_readme_row_carries_its_badges():
    """Kept in sync: `python -m tools.website badges --fix` writes them all."""
    problems = website.badge_problems()
    assert not problems, "\n".join(problems)


def test_the_site_has_a_local_copy_of_every_badge_image():
    for local in website.LOCAL_BADGE_IMAGES.values():
        svg = (ROOT / "website" / local).read_text(encoding="utf-8")
        assert svg.startswith("<svg") and 'role="img"' in svg and "<title>" in svg, local
    assert set(website.LOCAL_BADGE_IMAGES) == {
        website.COLAB_BADGE_IMAGE,
        website.KAGGLE_BADGE_IMAGE,
        website.BINDER_BADGE_IMAGE,
    }


SITE_COMMANDS = (
    "pip install -r website/requirements.txt",
    "python -m tools.website build --quick",
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
    assert lines[5] == f"# {website.badges('07_new_lesson.ipynb')}"
    assert lines[6] == "# # 07 · New"
    lines[5] = "# [![Open In Colab](x)](https://colab.research.google.com/github/old/old)"
    source.write_text("\n".join(lines) + "\n")
    assert website.add_badge(source, ROOT)
    text = source.read_text()
    assert text.count("colab.research.google.com/github/") == 1
    assert text.count("kaggle.com/kernels") == 1 and text.count("mybinder.org/v2") == 1


def test_add_badge_needs_a_markdown_cell(tmp_path):
    source = tmp_path / "07_new_lesson.py"
    source.write_text("# %%\nx = 1\n")
    with pytest.raises(ValueError, match="no Markdown cell"):
        website.add_badge(source, ROOT)


OLD_ROW = (
    "| 07 | [notebooks/07_x.ipynb](notebooks/07_x.ipynb) [![Open In Colab](https://colab."
    "research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/old/old"
    "/blob/main/notebooks/07_x.ipynb) | what it teaches |"
)


def test_readme_rows_get_all_three_badges_once():
    readme = f"# Course\n\n| # | notebook | what |\n|---|---|---|\n{OLD_ROW}\n" + (
        "| 08 | [notebooks/08_y.ipynb](notebooks/08_y.ipynb) | more |\n\nText [a](b).\n"
    )
    fixed = website.readme_with_badges(readme)
    rows = fixed.splitlines()
    assert rows[4] == (
        f"| 07 | [notebooks/07_x.ipynb](notebooks/07_x.ipynb) {website.badges('07_x.ipynb')}"
        " | what it teaches |"
    )
    badges = website.badges("08_y.ipynb")
    assert rows[5].startswith(f"| 08 | [notebooks/08_y.ipynb](notebooks/08_y.ipynb) {badges} |")
    assert "github/old/old" not in fixed and fixed.endswith("Text [a](b).\n")
    assert website.readme_with_badges(fixed) == fixed


LESSON_SOURCE = """\
# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/07_new_lesson.ipynb)
# # 07 · New

# %%
x = 1
"""


def _course_copy(tmp_path: Path) -> Path:
    """A course folder with one lesson, a README and the public address: for `badges --fix`."""
    (tmp_path / "notebooks").mkdir()
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    source = tmp_path / "notebooks" / "07_new_lesson.py"
    source.write_text(LESSON_SOURCE, encoding="utf-8")
    command = [sys.executable, "-m", "jupytext", "--to", "ipynb", str(source)]
    subprocess.run(command, check=True, capture_output=True)
    row = OLD_ROW.replace("07_x", "07_new_lesson").replace("old/old", "dl-course/dl-course")
    readme = f"# Course\n\n| # | notebook | what |\n|---|---|---|\n{row}\n"
    (tmp_path / "README.md").write_text(readme)
    return tmp_path


def test_badges_fix_writes_all_three_into_the_lessons_and_the_readme(tmp_path, capsys):
    root = _course_copy(tmp_path)
    problems = website.badge_problems(root)
    assert len(problems) == 2, problems  # the lesson's first line and its README row
    assert "07_new_lesson.ipynb: the first line" in problems[0] and "README.md" in problems[1]
    assert website.main(["badges"], root=root) == 1
    assert website.main(["badges", "--fix"], root=root) == 0
    assert "wrote the badges into notebooks/07_new_lesson.py" in capsys.readouterr().out
    assert website.badge_problems(root) == []
    notebook = json.loads((root / "notebooks" / "07_new_lesson.ipynb").read_text())
    first, code = notebook["cells"][0], notebook["cells"][1]
    expected = [website.badges("07_new_lesson.ipynb"), "# 07 · New"]
    assert "".join(first["source"]).splitlines() == expected
    assert "".join(code["source"]) == "x = 1", "the lesson's code must stay as it was"
    assert website.fix_badges(root) == [], "a second run changes nothing"


def test_badge_problems_name_a_lesson_missing_from_the_readme(tmp_path):
    root = _course_copy(tmp_path)
    (root / "README.md").write_text("# Course\n")
    assert any("no row linking to 07_new_lesson.ipynb" in p for p in website.badge_problems(root))


# --- Binder builds the course's environment as the README installs it


def test_binder_installs_the_courses_requirements():
    binder = ROOT / "binder"
    lines = (binder / "requirements.txt").read_text(encoding="utf-8").splitlines()
    included = [line.split(maxsplit=1)[1] for line in lines if line.startswith("-r ")]
    assert included == ["../requirements.txt"], "binder/requirements.txt must include the course's"
    # pip reads an included file relative to the including one: the README's requirements.txt
    assert (binder / included[0]).resolve() == (ROOT / "requirements.txt").resolve()
    assert "-e ." in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()


def test_binder_python_is_one_the_course_supports():
    runtime = (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert match, f"binder/runtime.txt must read python-3.X, not {runtime!r}"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    low, high = re.search(r'requires-python = ">=3\.(\d+),<3\.(\d+)"', pyproject).groups()
    assert int(low) <= int(match.group(1)) < int(high)


# --- pages from executed notebooks

BANNER = {
    "output_type": "stream",
    "name": "stdout",
    "text": ["!!!!\n", "QUICK mode uses a GENERATED STAND-IN of the same shapes\n"],
}
WARNING = {
    "output_type": "stream",
    "name": "stderr",
    "text": "datasets.py:533: StandInWarning: CIFAR-10 could not be had\n",
}
RESULT = {"output_type": "stream", "name": "stdout", "text": "Result: accuracy = 0.5\n"}


@pytest.mark.parametrize("outputs", [[BANNER], [WARNING]])
def test_a_stand_in_is_found_in_the_outputs(outputs):
    assert website.used_stand_in(_notebook(("code", "load()", outputs)))


def test_no_stand_in_without_its_banner():
    assert not website.used_stand_in(_notebook(("code", "x", [RESULT]), ("markdown", "stand", [])))


def test_page_of_a_stand_in_lesson_says_so_at_the_top_and_where_the_numbers_are():
    badge = website.badges("07_x.ipynb")
    notebook = _notebook(
        ("markdown", f"{badge}\n# 07 · X", []),
        ("code", "load()", [BANNER]),
        ("code", 'helpers.record("07", accuracy=a)', [RESULT]),
    )
    page = website.prepare_page(notebook, quick=True)
    sources = ["".join(c["source"]) for c in page["cells"]]
    for remote, local in website.LOCAL_BADGE_IMAGES.items():
        assert remote not in sources[0] and f"]({local})" in sources[0], "served from the site"
    assert website.STAND_IN_NOTE in sources[1]
    assert website.STAND_IN_NOTE in sources[3] and website.QUICK_NOTE in sources[4]
    assert sources[5].startswith("helpers.record")
    assert notebook["cells"][0]["source"] == f"{badge}\n# 07 · X", "the input was changed"


def test_page_in_full_mode_without_stand_in_has_no_notes():
    notebook = _notebook(("markdown", "# 08", []), ("code", "helpers.record('08', a=1)", []))
    page = website.prepare_page(notebook, quick=False)
    assert [c["source"] for c in page["cells"]] == [c["source"] for c in notebook["cells"]]


SETUP = f"{website.SETUP_CELL_START}: make the course's `helpers` importable ...\nimport helpers"


def test_the_set_up_cell_is_folded_away_on_the_page():
    notebook = _notebook(("markdown", "# 07", []), ("code", SETUP, []), ("code", "x = 1", []))
    page = website.prepare_page(notebook, quick=False)
    setup, other = page["cells"][1], page["cells"][2]
    assert setup["metadata"]["tags"] == ["hide-input"]
    assert setup["metadata"]["mystnb"]["code_prompt_show"] == website.SETUP_SHOW
    assert "tags" not in other["metadata"]
    assert notebook["cells"][1]["metadata"] == {}, "the input was changed"


def test_only_the_set_up_cell_is_folded_away():
    """A lesson whose first code cell is not the set-up cell keeps all its code in view."""
    notebook = _notebook(("markdown", "# 07", []), ("code", "x = 1", []), ("code", SETUP, []))
    page = website.prepare_page(notebook, quick=False)
    assert all("tags" not in cell["metadata"] for cell in page["cells"])


def _image_output(png: bytes, alt: str | None) -> dict:
    metadata = {"image/png": {"alt": alt}} if alt else {}
    data = {"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"}
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def test_alt_texts_are_found_by_the_digest_of_their_image():
    outputs = [_image_output(b"first", "Figure: line plot."), _image_output(b"second", None)]
    notebook = _notebook(("markdown", "# 07", []), ("code", "plot()", outputs))
    texts = website.image_alt_texts(notebook)
    assert texts == {hashlib.sha256(b"first").hexdigest(): "Figure: line plot."}


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
    for url in (COLAB, KAGGLE, BINDER):
        assert f"]({url}00_setup.ipynb)" in page, f"the lesson row needs its badge for {url}"
    for remote, local in website.LOCAL_BADGE_IMAGES.items():
        assert remote not in page and f"]({local})" in page, "badge images are served locally"
    assert "Repository layout" not in page
    assert page.rstrip().endswith("```") and "\n00_setup\n" in page


def test_failure_names_the_lesson_and_the_cell():
    notebook = _notebook(
        ("markdown", "# 03", []), ("code", "import helpers", []), ("code", "x = 1\ny = 1 / 0", [])
    )
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
