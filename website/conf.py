"""Sphinx settings of the course's website; `python -m tools.website build` is how it is run.

The build writes the pages' sources (the executed notebooks and a home page made from the
README) into build/website/<mode>/src and points Sphinx at this folder for its settings.
"""

import importlib
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import settings  # noqa: E402
from tools.website import repository_url, set_alt_texts  # noqa: E402

project = "Deep learning with TensorFlow and Keras"
author = "the course's authors"
copyright = "the course's authors, MIT licence"

extensions = ["myst_nb", "sphinx.ext.mathjax"]
mathjax_path = "mathjax/tex-chtml.js"  # a local copy (see setup below): no CDN
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # executed beforehand, through the cache, by tools.website
nb_merge_streams = True
suppress_warnings = ["myst.header"]  # lessons may go from # to ### in their text

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_js_files = ["course.js"]
html_favicon = "_static/favicon.svg"
html_context = {"default_mode": "light"}  # the lessons' figures are drawn on white
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": repository_url(),
    "repository_branch": "main",
    "path_to_docs": "notebooks",
    "use_repository_button": True,
    "use_download_button": True,
    "show_toc_level": 2,
    # One search box: the theme's own in the sidebar (or, where the sidebar is folded away on
    # a narrow screen, its button in the article's header). The top bar would add a second.
    "navbar_persistent": [],
}
if settings.QUICK_VAR in os.environ and settings.quick_mode():
    html_theme_options["announcement"] = (
        "Built in QUICK mode: every number on these pages comes from small data and few"
        " epochs, not from the full lessons."
    )


# MathJax 3 comes from the sphinx-mathjax-offline package's files (its extension would copy all
# 24 MB of them); the pages need only the TeX-to-HTML bundle and what it loads on demand.
MATHJAX_PARTS = ["tex-chtml.js", "output/chtml", "input/tex", "ui", "a11y"]


def _copy_mathjax(app, error):
    if error is not None:
        return
    package = Path(importlib.import_module("sphinx-mathjax-offline").__file__).parent
    source, target = package / "static" / "mathjax", Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / part, target / part)


def setup(app):
    app.connect("doctree-read", set_alt_texts)  # each figure's description into its <img alt>
    app.connect("build-finished", _copy_mathjax)
