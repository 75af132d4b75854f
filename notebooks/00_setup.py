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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/00_setup.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/00_setup.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F00_setup.ipynb)
# # 00 · Setting up the course
#
# **Goals.** After this lesson you can run every notebook of the course, locally or in Colab;
# you know what the first cell of each lesson does, what QUICK mode is, where the data sets are
# stored and how to download them all ahead of time, how to run a lesson on Keras's TensorFlow or
# JAX backend, and whether that backend sees a GPU.
#
# ## 1. Running the course
#
# **On your own machine** (Python 3.10 to 3.13, the versions TensorFlow supports), from the
# course folder:
#
# ```bash
# pip install -r requirements.txt     # TensorFlow and JAX (CPU builds), Keras, ..., the helpers
# jupyter lab                         # then open notebooks/00_setup.ipynb
# ```
#
# A virtual environment keeps the course apart from your other projects:
# `python -m venv .venv && source .venv/bin/activate` (Windows: `.venv\Scripts\activate`) first.
#
# **Windows:** the commands above work in a native Windows Python on the CPU. TensorFlow's
# native GPU support ended with version 2.10, so for an NVIDIA GPU install the course inside
# WSL2 (Windows Subsystem for Linux: `wsl --install`, then Ubuntu's Python, the NVIDIA driver
# for Windows, and the GPU builds as on Linux: see "Is there a GPU?" below).
#
# **macOS:** on a Mac with Apple silicon (M1 or later) and macOS 12 or newer, the plain
# `tensorflow` package is the CPU build (requirements.txt picks it). TensorFlow's last build for
# Intel Macs is 2.16, older than the 2.18 the course needs: on an Intel Mac use a hosted
# notebook (below).
# Python from python.org comes without the certificates that HTTPS downloads need: if a download
# stops with `CERTIFICATE_VERIFY_FAILED`, run *Install Certificates.command* in the Python
# folder under Applications once (the course's error message says so too).
#
# **Hosted notebooks, nothing to install:** each lesson's badges open it in
# [Colab](https://colab.research.google.com), [Kaggle](https://www.kaggle.com/code) or
# [Binder](https://mybinder.org). On Colab and Kaggle the first code cell notices where it runs,
# downloads the course next to the notebook and installs its `helpers` package (both already
# have TensorFlow and Keras; on Kaggle turn on *Internet* in the notebook's settings first).
# Binder builds the course from `binder/` with the README's install command and opens the
# notebook inside it, so the cell finds the course there; a Binder session has no GPU and
# forgets your edits when it closes. For a GPU on Colab choose Runtime → Change runtime type
# → GPU *before* running the first cell; on Kaggle, Settings → Accelerator.
#
# ## 2. The set-up cell
#
# Every lesson opens with the same cell, the one below. It
#
# 1. makes the course's `helpers` package importable. It accepts only the course's own folder
#    (one with `helpers/environment.py` and the course's `pyproject.toml`), not any folder that
#    happens to be called `helpers`. On Colab and Kaggle it first clones the course from `COURSE_REPO`, the
#    course's public address (the same as `[project.urls] Repository` in `pyproject.toml`): if
#    you work from a fork, change that address to your fork's. Elsewhere (your own machine,
#    Binder), if the package is not installed, the cell says how to install it,
# 2. calls `helpers.setup()`, which seeds Python, NumPy, TensorFlow and Keras's own random
#    generator (the one `keras.random` draws from; JAX itself has no global seed) in one go
#    with `keras.utils.set_random_seed`, hides TensorFlow's start-up log noise, registers the
#    cell magic `%%needs_backend` (see "Choosing a backend" below), and prints one line:
#    versions, Keras's backend, the GPUs that backend sees, mode and seed,
# 3. stores QUICK mode in the variable `QUICK`, which the lessons use to shrink their data,
#    and the seed it used in `SEED` (42, unless the environment variable `DLCOURSE_SEED` says
#    otherwise), from which the lessons seed their data splits and repeated runs.
#
# Seeding makes a lesson give the same numbers each time it runs on the same machine. A different
# machine (or a GPU) may give slightly different numbers, which is why the lessons check facts that
# must hold (accuracy above a bar, a gradient matching its numerical estimate) rather than exact
# values.

# %%
# Set-up (the same cell opens every lesson): make the course's `helpers` importable (on Colab or
# Kaggle, fetch the course first), then seed everything, quiet TensorFlow and read QUICK mode.
import os
import subprocess
import sys
from pathlib import Path

COURSE_REPO = "https://github.com/dl-course/dl-course"  # as in pyproject.toml; a fork edits both
HOSTED = "google.colab" in sys.modules or "KAGGLE_KERNEL_RUN_TYPE" in os.environ  # Colab, Kaggle


def is_course_folder(folder: Path) -> bool:  # the course's own helpers, not any folder of that name
    project = folder / "pyproject.toml"
    return (
        (folder / "helpers" / "environment.py").is_file()
        and project.is_file()
        and ('name = "dlcourse-helpers"' in project.read_text(encoding="utf-8"))
    )


if HOSTED and not is_course_folder(Path("dl-course")):  # (Binder starts in the course folder)
    clone = subprocess.run(
        ["git", "clone", "--depth", "1", COURSE_REPO, "dl-course"], capture_output=True, text=True
    )
    if clone.returncode != 0:
        raise RuntimeError(
            f"Could not clone the course from {COURSE_REPO}:\n{clone.stderr}"
            "Check the address (on Kaggle, also turn on Internet in the notebook's "
            "settings); for a fork, set COURSE_REPO above to the fork's."
        )
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "dl-course"], check=True)
for folder in (Path.cwd(), *Path.cwd().parents, Path("dl-course").resolve()):
    if is_course_folder(folder):
        sys.path.insert(0, str(folder))
        break
try:
    import helpers
except ModuleNotFoundError as error:
    raise ModuleNotFoundError(
        f"{error}. Install the course: in the course folder run "
        "pip install -r requirements.txt, then restart the kernel."
    ) from error

QUICK, SEED = helpers.setup()

# %% [markdown]
# ## 3. QUICK mode and full mode
#
# **Full mode** is the default and what you should run: full data sets and enough epochs to
# reach the results the README lists. **QUICK mode** exists for the course's automated tests: with
# the environment variable `DLCOURSE_QUICK=1` the lessons shrink their data and epochs so each
# notebook runs in well under a minute on two CPU cores. Numbers from QUICK mode are smaller and
# noisier; never draw conclusions from them. You never need to set it.

# %%
print("This notebook runs in", "QUICK" if QUICK else "full", "mode.")

# %% [markdown]
# ## 4. What is installed
#
# `helpers.report_env()` prints what a bug report needs: paste its output when you ask for help.

# %%
environment = helpers.report_env()

# %% [markdown]
# ## 5. Choosing a backend: TensorFlow or JAX
#
# Keras 3 runs the same model code on several *backends*, the libraries that do the arithmetic.
# The course is tested on two: **TensorFlow** (the default) and **JAX**. The PyTorch backend
# is not tested here. Keras picks its backend once, **when it is first imported**, from the
# environment variable `KERAS_BACKEND` (or, if that is unset, from `~/.keras/keras.json`).
# Changing the variable afterwards does nothing to a running kernel. To run a lesson on JAX:
#
# * in a terminal: `KERAS_BACKEND=jax jupyter lab` (Windows PowerShell:
#   `$env:KERAS_BACKEND="jax"; jupyter lab`), or
# * in a notebook: a first cell `%env KERAS_BACKEND=jax` above the set-up cell, then
#   *Kernel → Restart* (Colab: *Runtime → Restart session*) and run all. Delete that cell, and
#   restart again, to go back to TensorFlow. (requirements.txt installs JAX; Colab and Kaggle
#   have it already.)
#
# A few cells show something that exists on one backend only (TensorFlow's own graph of a
# training step, say). They start with `%%needs_backend tensorflow`, a cell magic that the
# set-up cell registers: on another backend such a cell prints one line saying it was skipped
# and how to run it, and the rest of the notebook runs as usual.
#
# Below, a fresh Python process is started for each backend: there the variable is read at
# import, as it would be in a new kernel. In *this* kernel, setting it now changes nothing.

# %%
import os
import subprocess
import sys

import keras

ASK = "import keras; print(keras.backend.backend())"
in_new_process = {}
for backend in ("tensorflow", "jax"):
    child = subprocess.run(
        [sys.executable, "-c", ASK],
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    in_new_process[backend] = (
        child.stdout.strip().splitlines()[-1] if child.stdout else child.stderr
    )
running = keras.backend.backend()
os.environ["KERAS_BACKEND"] = "jax" if running == "tensorflow" else "tensorflow"  # too late
print("a new process with KERAS_BACKEND=tensorflow runs:", in_new_process["tensorflow"])
print("a new process with KERAS_BACKEND=jax runs:       ", in_new_process["jax"])
print(
    f"this kernel, after setting KERAS_BACKEND={os.environ['KERAS_BACKEND']}: still",
    keras.backend.backend(),
)
os.environ["KERAS_BACKEND"] = running  # put it back: this kernel's children inherit it

# %%
# Check: each new process chose the backend it was given; this kernel kept its own
assert in_new_process == {"tensorflow": "tensorflow", "jax": "jax"}, in_new_process
assert keras.backend.backend() == running

# %% [markdown]
# ## 6. Is there a GPU?
#
# Keras uses a GPU without any change to the code when its backend sees one. On a laptop
# without an NVIDIA GPU the list below is empty and everything runs on the CPU, which is fine
# for this course: every lesson is sized for two CPU cores. Ask the backend that runs, not
# another library: with `tensorflow-cpu` installed beside a GPU build of JAX, TensorFlow sees no
# GPU while JAX uses one. (On Linux, TensorFlow's GPU build replaces its CPU build:
# `pip uninstall tensorflow-cpu`, then `pip install "tensorflow[and-cuda]"`, never both in one
# environment; `pip install "jax[cuda12]"` gives JAX's. Colab's and Kaggle's GPU runtimes have
# both.) [Lesson 07](07_cifar10_gpu_timing.ipynb) measures what a GPU buys, on your own machine.

# %%
from helpers.environment import accelerators

print(
    f"GPUs that Keras's backend ({keras.backend.backend()}) sees:",
    accelerators() or "none, running on the CPU",
)
x = keras.random.normal((256, 256))
product = keras.ops.matmul(x, x)  # a tensor of the backend: each says in its own way where it is
print("A matrix product ran on:", product.device if running == "tensorflow" else product.devices())

# %% [markdown]
# ## 7. Where the data lives
#
# Lessons get their data only through `helpers.datasets`. The first time a data set is needed it
# is downloaded from its public source, checked against a SHA-256 checksum (a truncated or corrupt
# file is never used), and kept in a cache folder, so later runs work offline. An interrupted
# download resumes where it stopped the next time, and each file has a second source. If the
# error says *certificate verification failed*, your Python lacks its certificates (see the
# macOS note above):

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

# %% [markdown]
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
# **Exercise 1.** How many GPUs does TensorFlow see on this machine (whichever backend Keras
# runs: TensorFlow is installed either way)? Use `tf.config.list_physical_devices`.

# %%
import tensorflow as tf

from helpers import checks, exercises

n_gpus = ...  # your answer
exercises.check_gpu_count(n_gpus)

# %% [markdown]
# **Exercise 2.** Which environment variable would you set to keep the downloaded data sets on an
# external disk? Answer with its name as a string.

# %%
variable = ...  # your answer
HINT_2 = (
    "The table of section 7 has the two: one names the cache folder, the other read-only mirrors."
)
checks.check_digest(variable, "cc9b38cf8bee95fe", exercise="00.2", hint=HINT_2)

# %% [markdown]
# **Exercise 3.** Which Keras function does `helpers.setup()` call to seed Python, NumPy and
# TensorFlow at once? Answer with its full name, e.g. `"keras.something.name"`.

# %%
seeding_function = ...  # your answer
HINT_3 = "Read helpers/environment.py, or the set-up cell's description above."
checks.check_digest(seeding_function, "bb85093c5c2f6bc3", exercise="00.3", hint=HINT_3)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1
n_gpus = len(tf.config.list_physical_devices("GPU"))
assert exercises.check_gpu_count(n_gpus)

# %%
# Exercise 2: the cache folder; DLCOURSE_DATA_MIRROR names read-only copies, searched after
# the cache and before any download.
variable = "DLCOURSE_DATA_DIR"
assert checks.check_digest(variable, "cc9b38cf8bee95fe", exercise="00.2", hint=HINT_2)

# %%
# Exercise 3
seeding_function = "keras.utils.set_random_seed"
assert checks.check_digest(seeding_function, "bb85093c5c2f6bc3", exercise="00.3", hint=HINT_3)
