# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %%
# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
# ---

# %% [markdown]
# # 00 · Setting up the course
#
# placeholder: lesson text follows.

# %%
# Set-up (the same cell opens every lesson): make `helpers` importable, also in Colab,
# then seed everything, quiet TensorFlow and read QUICK mode. Lesson 00 explains it.
import subprocess
import sys
from pathlib import Path

COURSE_REPO = "https://github.com/dl-course/dl-course.git"
if "google.colab" in sys.modules and not Path("dl-course").is_dir():
    subprocess.run(["git", "clone", "--depth", "1", COURSE_REPO, "dl-course"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "dl-course"], check=True)
for root in (Path.cwd(), *Path.cwd().parents, Path("dl-course").resolve()):
    if (root / "helpers" / "__init__.py").is_file():
        sys.path.insert(0, str(root))
        break
import helpers

QUICK = helpers.setup()
