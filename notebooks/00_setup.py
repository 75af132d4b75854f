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

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/00_setup.ipynb)
# # 00 · Setting up the course
#
# **Goals.** After this lesson you can run every notebook of the course, locally or in Colab;
# you know what the first cell of each lesson does, what QUICK mode is, where the data sets are
# stored and how to download them all ahead of time, and whether TensorFlow sees a GPU.
#
# ## Running the course
#
# **On your own machine** (Python 3.10 to 3.13, the versions TensorFlow supports), from the
# course folder:
#
# ```bash
# pip install -r requirements.txt     # TensorFlow (CPU build), Keras, ..., and the course's helpers
# jupyter lab                         # then open notebooks/00_setup.ipynb
# ```
#
# A virtual environment keeps the course apart from your other projects:
# `python -m venv .venv && source .venv/bin/activate` (Windows: `.venv\Scripts\activate`) first.
#
# **In Google Colab:** open a notebook from the course repository (File → Open notebook → GitHub)
# and run it top to bottom. The first code cell notices it is in Colab, downloads the course next to
# the notebook and installs its `helpers` package; Colab already has TensorFlow and Keras.
# For a GPU choose Runtime → Change runtime type → GPU *before* running the first cell.
#
# ## The set-up cell
#
# Every lesson opens with the same cell, the one below. It
#
# 1. makes the course's `helpers` package importable. It accepts only the course's own folder
#    (one with `helpers/environment.py` and the course's `pyproject.toml`), not any folder that
#    happens to be called `helpers`. In Colab it first clones the course from `COURSE_REPO`, the
#    course's public address (the same as `[project.urls] Repository` in `pyproject.toml`): if
#    you work from a fork, change that address to your fork's. Outside Colab, if the package is
#    not installed, the cell says how to install it,
# 2. calls `helpers.setup()`, which seeds Python, NumPy and TensorFlow in one go with
#    `keras.utils.set_random_seed`, hides TensorFlow's start-up log noise, and prints one line
#    of versions, device and mode,
# 3. stores QUICK mode in the variable `QUICK`, which the lessons use to shrink their data.
#
# Seeding makes a lesson give the same numbers each time it runs on the same machine. A different
# machine (or a GPU) may give slightly different numbers, which is why the lessons check facts that
# must hold (accuracy above a bar, a gradient matching its numerical estimate) rather than exact
# values.

# %%
# Set-up (the same cell opens every lesson): make the course's `helpers` importable (in Colab,
# fetch the course first), then seed everything, quiet TensorFlow and read QUICK mode.
import subprocess
import sys
from pathlib import Path

COURSE_REPO = "https://github.com/dl-course/dl-course"  # as in pyproject.toml; a fork edits both


def is_course_folder(folder: Path) -> bool:  # the course's own helpers, not any folder of that name
    project = folder / "pyproject.toml"
    return (folder / "helpers" / "environment.py").is_file() and project.is_file() and (
        'name = "dlcourse-helpers"' in project.read_text(encoding="utf-8"))


if "google.colab" in sys.modules and not is_course_folder(Path("dl-course")):
    clone = subprocess.run(["git", "clone", "--depth", "1", COURSE_REPO, "dl-course"],
                           capture_output=True, text=True)
    if clone.returncode != 0:
        raise RuntimeError(f"Could not clone the course from {COURSE_REPO}:\n{clone.stderr}"
                           "Check the address; for a fork, set COURSE_REPO above to the fork's.")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "dl-course"], check=True)
for folder in (Path.cwd(), *Path.cwd().parents, Path("dl-course").resolve()):
    if is_course_folder(folder):
        sys.path.insert(0, str(folder))
        break
try:
    import helpers
except ModuleNotFoundError as error:
    raise ModuleNotFoundError(f"{error}. Install the course: in the course folder run "
                              "pip install -r requirements.txt, then restart the kernel.") from error

QUICK = helpers.setup()

# %% [markdown]
# ## QUICK mode and full mode
#
# **Full mode** is the default and what you should run: full data sets and enough epochs to
# reach the results the README lists. **QUICK mode** exists for the course's automated tests: with
# the environment variable `DLCOURSE_QUICK=1` the lessons shrink their data and epochs so each
# notebook runs in well under a minute on two CPU cores. Numbers from QUICK mode are smaller and
# noisier; never draw conclusions from them. You never need to set it.

# %%
print("This notebook runs in", "QUICK" if QUICK else "full", "mode.")
assert QUICK == helpers.quick_mode()

# %% [markdown]
# ## What is installed
#
# `helpers.report_env()` prints what a bug report needs: paste its output when you ask for help.

# %%
environment = helpers.report_env()

# %% [markdown]
# ## Is there a GPU?
#
# TensorFlow uses a GPU without any change to the code when it sees one. On a laptop without an
# NVIDIA GPU the list below is empty and everything runs on the CPU, which is fine for this course:
# every lesson is sized for two CPU cores. (On Linux, `pip install "tensorflow[and-cuda]"` instead
# of `tensorflow-cpu` gives the GPU build; Colab's GPU runtime has it already.)
# [Lesson 07](07_cifar10_gpu_timing.ipynb) measures what a GPU buys, on your own machine.

# %%
import tensorflow as tf

gpus = tf.config.list_physical_devices("GPU")
print("GPUs visible to TensorFlow:", gpus or "none, running on the CPU")
x = tf.random.normal((256, 256))
print("A matrix product ran on:", tf.matmul(x, x).device)

# %% [markdown]
# ## Where the data lives
#
# Lessons get their data only through `helpers.datasets`. The first time a data set is needed it
# is downloaded from its public source, checked against a SHA-256 checksum (a truncated or corrupt
# file is never used), and kept in a cache folder, so later runs work offline:

# %%
from helpers import datasets

print("Cache folder:", datasets.cache_dir())
for name, dataset in datasets.REGISTRY.items():
    megabytes = sum(f.size for f in dataset.files) / 1e6
    print(f"  {name:<24} {megabytes:7.1f} MB  {dataset.description}")

# %% [markdown]
# To work offline later (on a train, say), download everything once, with one command run in the
# course folder:
#
# ```bash
# python -m helpers.datasets prefetch            # all data sets (about 183 MB)
# python -m helpers.datasets prefetch mnist      # or only some
# ```
#
# Two environment variables change where data is looked for:
#
# | variable | meaning |
# |---|---|
# | `DLCOURSE_DATA_DIR` | use this folder as the cache instead of the default one |
# | `DLCOURSE_DATA_MIRROR` | read-only folders (separated by `:`; `;` on Windows) laid out `<dataset>/<file name>`, e.g. a copy on a USB stick or a shared drive, searched before downloading |
#
# If a data set cannot be found anywhere, the error says which files are missing, where it looked,
# and the addresses to download them from by hand.
#
# > **Common mistakes**
# >
# > - Running a lesson's cells out of order, or skipping the set-up cell: the seeds are then not
# >   set and `helpers` may not be importable. *Kernel → Restart and run all* is the cure.
# > - Installing both `tensorflow` and `tensorflow-cpu` in one environment: they overwrite each
# >   other's files. Pick one.
# > - Judging a model from QUICK-mode numbers: they come from a fraction of the data.
# > - Copying data files into the notebooks folder by hand: the course will not find them there.
# >   Use `DLCOURSE_DATA_DIR` or `DLCOURSE_DATA_MIRROR`.

# %% [markdown]
# ## Exercises
#
# Each lesson ends with exercises. Replace the `...` with your answer and run the cell: a check
# tells you whether you are right and gives a hint if not (it never shows the answer). Solutions
# are at the end of each notebook.
#
# **Exercise 1.** How many GPUs does TensorFlow see on this machine? Use
# `tf.config.list_physical_devices`.

# %%
from helpers import checks, exercises

n_gpus = ...  # your answer
exercises.check_gpu_count(n_gpus)

# %% [markdown]
# **Exercise 2.** Which environment variable would you set to keep the downloaded data sets on an
# external disk? Answer with its name as a string.

# %%
variable = ...  # your answer
checks.check_digest(variable, "cc9b38cf8bee95fe", exercise="00.2",
                    hint="One variable names the cache folder, the other read-only mirrors.")

# %% [markdown]
# **Exercise 3.** Which Keras function does `helpers.setup()` call to seed Python, NumPy and
# TensorFlow at once? Answer with its full name, e.g. `"keras.something.name"`.

# %%
seeding_function = ...  # your answer
checks.check_digest(seeding_function, "bb85093c5c2f6bc3", exercise="00.3",
                    hint="Read helpers/environment.py, or the set-up cell's description above.")

# %% [markdown]
# ## Solutions

# %%
n_gpus = len(tf.config.list_physical_devices("GPU"))
assert exercises.check_gpu_count(n_gpus)
variable = "DLCOURSE_DATA_DIR"
assert checks.check_digest(variable, "cc9b38cf8bee95fe", exercise="00.2",
                           hint="One variable names the cache folder, the other read-only mirrors.")
seeding_function = "keras.utils.set_random_seed"
assert checks.check_digest(seeding_function, "bb85093c5c2f6bc3", exercise="00.3",
                           hint="Read helpers/environment.py, or the set-up cell's description.")
