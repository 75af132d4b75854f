"""The build executes lessons through its cache and names the lesson and cell that failed.

Needs the site's tools (website/requirements.txt); run with `pytest website/test_build.py`.
"""

import json

import pytest

from tools import website


def _write(path, *sources):
    cells = [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# 98 · A test"}] + [
        {
            "cell_type": "code",
            "id": f"c{i}",
            "metadata": {},
            "source": s,
            "outputs": [],
            "execution_count": None,
        }
        for i, s in enumerate(sources)
    ]
    notebook = {
        "cells": cells,
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    }
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


def test_each_figure_gets_its_alt_text_on_the_page(tmp_path):
    """myst-nb names an output image by its SHA-256 and drops its alt text; the build adds it."""
    import base64
    import hashlib
    from types import SimpleNamespace

    from docutils import nodes
    from docutils.utils import new_document

    png = b"not really a png"
    output = {
        "output_type": "display_data",
        "data": {"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"},
        "metadata": {"image/png": {"alt": "Figure: line plot."}},
    }
    page = _write(tmp_path / "97_page.ipynb", "plot()")
    notebook = json.loads(page.read_text())
    notebook["cells"][1]["outputs"] = [output]
    page.write_text(json.dumps(notebook))
    doctree = new_document("97_page")
    figure = nodes.image(uri=f"../jupyter_execute/{hashlib.sha256(png).hexdigest()}.png")
    other = nodes.image(uri="colab-badge.svg", alt="Open In Colab")
    doctree += [figure, other]
    env = SimpleNamespace(docname="97_page", doc2path=lambda name: tmp_path / f"{name}.ipynb")
    website.set_alt_texts(SimpleNamespace(env=env), doctree)
    assert figure["alt"] == "Figure: line plot."
    assert other["alt"] == "Open In Colab"
