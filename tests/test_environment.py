"""helpers.setup, quick_mode, seed, report_env and record."""

import json
import random

import numpy as np
import pytest

import helpers
from helpers import environment, settings


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_quick_mode_on(monkeypatch, value):
    monkeypatch.setenv("DLCOURSE_QUICK", value)
    assert helpers.quick_mode() is True


@pytest.mark.parametrize("value", ["", "0", "false", "No", "off"])
def test_quick_mode_off(monkeypatch, value):
    monkeypatch.setenv("DLCOURSE_QUICK", value)
    assert helpers.quick_mode() is False


def test_quick_mode_off_when_unset(monkeypatch):
    monkeypatch.delenv("DLCOURSE_QUICK", raising=False)
    assert helpers.quick_mode() is False


def test_quick_mode_rejects_unclear_value(monkeypatch):
    monkeypatch.setenv("DLCOURSE_QUICK", "maybe")
    with pytest.raises(ValueError, match="DLCOURSE_QUICK"):
        helpers.quick_mode()


def test_seed_default_and_override(monkeypatch):
    monkeypatch.delenv("DLCOURSE_SEED", raising=False)
    assert helpers.seed() == settings.DEFAULT_SEED
    monkeypatch.setenv("DLCOURSE_SEED", "7")
    assert helpers.seed() == 7
    monkeypatch.setenv("DLCOURSE_SEED", "seven")
    with pytest.raises(ValueError, match="whole number"):
        helpers.seed()


@pytest.mark.parametrize("value", ["-1", "1000001", "4294967296", "99999999999999999999"])
def test_seed_out_of_range_says_the_range(monkeypatch, value):
    monkeypatch.setenv("DLCOURSE_SEED", value)
    with pytest.raises(ValueError, match="from 0 to 1,000,000") as info:
        helpers.seed()
    assert "whole number" not in str(info.value).split(":")[0]  # it is one, only out of range


def test_the_largest_run_seed_leaves_room_for_the_seeds_lessons_derive(monkeypatch):
    monkeypatch.setenv("DLCOURSE_SEED", "1000000")
    assert helpers.seed() == 1_000_000
    # lesson 12 spaces its draws 100 apart: still valid 32-bit seeds
    assert max(helpers.run_seeds(5, first=100 * helpers.seed())) <= settings.MAX_SEED


def test_run_seeds_follow_the_run_seed_and_refuse_nonsense(monkeypatch):
    monkeypatch.setenv("DLCOURSE_SEED", "5")
    assert helpers.run_seeds(3) == [5, 6, 7]
    assert helpers.run_seeds(2, first=500) == [500, 501]
    for count in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="count"):
            helpers.run_seeds(count)
    with pytest.raises(ValueError, match="first"):
        helpers.run_seeds(2, first=2**32 - 1)


def test_only_settings_names_the_course_variables():
    """One module names and reads DLCOURSE_* (docstrings may mention them)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    offenders = []
    for path in [*root.glob("helpers/**/*.py"), *root.glob("tools/**/*.py"), root / "conftest.py"]:
        if path.name == "settings.py" and path.parent.name == "helpers":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "DLCOURSE_" in node.value
                and id(node) not in docstrings
            ):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
            if isinstance(node, ast.keyword) and (node.arg or "").startswith("DLCOURSE_"):
                offenders.append(f"{path.relative_to(root)}:{node.value.lineno}")
    assert not offenders, f"name the variables through helpers.settings: {offenders}"


def test_setup_seeds_every_generator_and_reports(monkeypatch, capsys):
    import keras

    monkeypatch.setenv("DLCOURSE_QUICK", "1")
    monkeypatch.setenv("DLCOURSE_SEED", "3")
    assert helpers.setup() == (True, 3)
    quick, seed = helpers.setup()
    assert quick is True and seed == 3
    first = (random.random(), np.random.rand(), float(keras.random.uniform((1,))[0]))  # noqa: NPY002
    helpers.setup()
    second = (random.random(), np.random.rand(), float(keras.random.uniform((1,))[0]))  # noqa: NPY002
    assert first == second
    line = capsys.readouterr().out
    backend = {"tensorflow": "TensorFlow", "jax": "JAX"}[keras.backend.backend()]
    assert f"on {backend} " in line and "Keras" in line and "QUICK" in line and "seed 3" in line
    assert ("CPU only" in line) == (helpers.environment.accelerators() == [])


def test_accelerators_are_asked_of_the_running_backend(monkeypatch):
    """A GPU that only the running backend sees is reported; TensorFlow is not asked on JAX."""
    import sys
    import types

    import keras

    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    device = types.SimpleNamespace(platform="gpu", id=0)
    cpu = types.SimpleNamespace(platform="cpu", id=0)
    monkeypatch.setitem(sys.modules, "jax", types.SimpleNamespace(devices=lambda: [cpu, device]))
    assert environment.accelerators() == ["gpu:0"]
    monkeypatch.setitem(sys.modules, "jax", types.SimpleNamespace(devices=lambda: [cpu]))
    assert environment.accelerators() == []


def test_accelerators_refuse_a_backend_the_course_is_not_tested_on(monkeypatch):
    import keras

    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(RuntimeError, match="'torch'.*tensorflow and jax"):
        environment.accelerators()


@pytest.fixture(autouse=True)
def _no_shell_left_behind():
    """An IPython shell made here would make later tests believe they run inside IPython."""
    yield
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.clear_instance()


def _shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.register_magic_function(environment.needs_backend, magic_kind="cell")
    return shell


def test_needs_backend_runs_the_cell_on_its_backend(capsys):
    import keras

    shell = _shell()
    shell.run_cell(f"%%needs_backend {keras.backend.backend()}\nran_here = 6 * 7\nran_here")
    assert shell.user_ns["ran_here"] == 42
    assert "Skipped" not in capsys.readouterr().out


def test_needs_backend_skips_the_cell_elsewhere_and_says_how_to_run_it(capsys):
    import keras

    other = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"
    shell = _shell()
    shell.user_ns.pop("skipped_cell_ran", None)
    result = shell.run_cell(f"%%needs_backend {other}\nskipped_cell_ran = True")
    assert result.success and "skipped_cell_ran" not in shell.user_ns
    out = capsys.readouterr().out
    assert f"needs Keras's {other} backend" in out and f"KERAS_BACKEND={other}" in out


def test_needs_backend_lets_an_error_in_the_cell_fail_the_cell():
    import keras

    result = _shell().run_cell(f"%%needs_backend {keras.backend.backend()}\n1 / 0")
    assert isinstance(result.error_in_exec, ZeroDivisionError)


def test_needs_backend_refuses_an_unknown_backend():
    result = _shell().run_cell("%%needs_backend tensorflw\nx = 1")
    assert isinstance(result.error_in_exec, ValueError)
    assert "tensorflow, jax" in str(result.error_in_exec)


def test_report_env_names_versions_and_settings(capsys):
    text = helpers.report_env()
    for word in (
        "python",
        "tensorflow",
        "keras",
        "numpy",
        "GPUs",
        "backend",
        "DLCOURSE_DATA_MIRROR",
    ):
        assert word in text
    assert text in capsys.readouterr().out


def test_record_prints_and_appends(tmp_path, monkeypatch, capsys):
    target = tmp_path / "results.jsonl"
    monkeypatch.setenv("DLCOURSE_RESULTS", str(target))
    monkeypatch.setenv("DLCOURSE_SEED", "1")
    helpers.record("08", accuracy=0.8123, roc_auc=np.float32(0.85))
    helpers.record("09", accuracy=0.5)
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert rows[0] == {
        "lesson": "08",
        "seed": 1,
        "quick": rows[0]["quick"],
        "accuracy": 0.8123,
        "roc_auc": pytest.approx(0.85),
    }
    assert rows[1]["lesson"] == "09"
    assert "accuracy = 0.8123" in capsys.readouterr().out


def test_record_needs_a_metric():
    with pytest.raises(ValueError, match="at least one metric"):
        helpers.record("08")


def test_unknown_submodule_is_a_clear_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        helpers.nonexistent  # noqa: B018


def test_ci_checks_the_lower_bounds_of_requirements():
    """.ci/oldest.txt pins every lower bound of requirements.txt, so CI tests what we admit."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    bounds = dict(
        re.findall(
            r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?>=([0-9.]+)",
            (root / "requirements.txt").read_text(),
            re.MULTILINE,
        )
    )
    pins = dict(
        re.findall(
            r"^([A-Za-z0-9_.-]+)==([0-9.]+)",
            (root / ".ci" / "oldest.txt").read_text(),
            re.MULTILINE,
        )
    )
    assert bounds and set(bounds) <= set(pins) | {"tensorflow"}, set(bounds) - set(pins)
    for name, bound in bounds.items():
        pin = pins.get(name, pins.get("tensorflow-cpu"))
        assert pin.split(".")[: len(bound.split("."))] == bound.split(".") or pin == bound, (
            f"requirements.txt admits {name}>={bound} but .ci/oldest.txt tests {name}=={pin}"
        )
    assert "-c .ci/oldest.txt" in (root / ".ci" / "run").read_text()


def test_the_python_versions_stated_are_the_ones_required():
    """The README and lesson 00 name the Python range that pyproject.toml's requires-python
    enforces (the versions TensorFlow publishes wheels for), so a learner is not told "3.10 or
    newer" and then left with a resolver error on a Python without TensorFlow."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    pyproject = (root / "pyproject.toml").read_text()  # (tomllib is not in Python 3.10)
    low, high = re.search(r'^requires-python = ">=3\.(\d+),<3\.(\d+)"', pyproject, re.M).groups()
    stated = f"Python 3.{low} to 3.{int(high) - 1}"
    assert stated in (root / "README.md").read_text()
    assert stated in (root / "notebooks" / "00_setup.py").read_text()


def test_record_shows_tiny_numbers_instead_of_zeros(capsys, monkeypatch):
    monkeypatch.delenv("DLCOURSE_RESULTS", raising=False)
    helpers.record("99", gap=1.5e-08, accuracy=0.98345, zero=0.0)
    assert (
        capsys.readouterr().out.strip()
        == "Result: gap = 1.500e-08, accuracy = 0.9835, zero = 0.0000"
    )
