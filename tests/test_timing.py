"""The timing helper excludes warm-up, waits for results, sizes runs by time, interleaves
repeats, and computes rates right; the GPU branches are checked with fake devices."""

import gc
import subprocess
import time
from types import SimpleNamespace

import keras
import numpy as np
import pandas as pd
import pytest

from helpers import exercises, timing
from helpers.timing.clock import _step_counts
from helpers.timing.loops import _compiled_loop, _products_loop


class FakeClock:
    """A clock that only moves when the code under test says so: exact, load-independent."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class TickingClock:
    """A clock that moves ``tick`` seconds each time it is read: every timed region lasts
    exactly ``tick``, whatever runs inside it, so rates become exact numbers."""

    def __init__(self, tick: float = 0.5) -> None:
        self.now, self.tick = 0.0, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


# --- time_call --------------------------------------------------------------------------------


def test_a_slow_first_call_does_not_move_the_median():
    clock = FakeClock()
    calls = []

    def work():
        calls.append(1)
        clock.now += 3.0 if len(calls) == 1 else 0.5  # tracing makes the first call slow

    result = timing.time_call(work, repeats=5, warmup=1, clock=clock)
    assert len(calls) == 6
    assert result.seconds == (0.5,) * 5
    assert result.median == 0.5 and result.slowest == 0.5


def test_without_warmup_the_slow_call_is_measured():
    clock = FakeClock()
    calls = []

    def work():
        calls.append(1)
        clock.now += 3.0 if len(calls) == 1 else 0.5

    result = timing.time_call(work, repeats=5, warmup=0, clock=clock)
    assert result.slowest == 3.0 and result.median == 0.5


def test_throughput_matches_a_known_rate_on_a_fake_clock():
    clock = FakeClock()
    durations = iter([0.2, 0.25, 0.3, 0.25, 0.26])

    def work():
        clock.now += next(durations)

    result = timing.time_call(work, items=100, repeats=5, warmup=0, clock=clock)
    assert result.median == pytest.approx(0.25)
    assert result.rate == pytest.approx(400.0)  # 100 items in 0.25 s
    assert result.rate_range == pytest.approx((100 / 0.3, 100 / 0.2))
    assert "400 items/s" in str(result)


def test_throughput_matches_a_known_rate_with_real_sleep():
    result = timing.time_call(lambda: time.sleep(0.02), items=10, repeats=3, warmup=1)
    # sleep never returns early; a loaded machine can only make it later
    assert 0.02 <= result.median < 0.2
    assert 50 < result.rate <= 500


def test_the_garbage_collector_is_off_only_while_the_clock_runs():
    seen = []
    assert gc.isenabled()
    timing.time_call(lambda: seen.append(gc.isenabled()), repeats=2, warmup=1)
    assert seen == [True, False, False]  # the warm-up runs with it, the timed calls without
    assert gc.isenabled()


class LazyResult:
    """Stands in for a GPU tensor: the work is only done when the value is read."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def numpy(self):
        self.clock.now += 1.0  # waiting for the device
        return np.zeros(1)


def test_the_clock_stops_only_after_the_result_is_read_back():
    clock = FakeClock()
    result = timing.time_call(lambda: {"loss": [LazyResult(clock)]}, repeats=3, clock=clock)
    assert result.seconds == (1.0, 1.0, 1.0)


def test_to_host_reads_tensors_and_nests():
    import tensorflow as tf

    out = timing.to_host({"a": tf.constant([1.0, 2.0]), "b": (3, None)})
    assert isinstance(out["a"], np.ndarray) and out["b"][0] == 3 and out["b"][1] is None


@pytest.mark.parametrize(
    "kwargs",
    [{"repeats": 0}, {"repeats": 2.5}, {"warmup": -1}, {"items": 0}, {"items": float("nan")}],
)
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        timing.time_call(lambda: None, **kwargs)


def test_a_non_callable_is_refused():
    with pytest.raises(TypeError, match="function"):
        timing.time_call(42)


# --- autorange and interleave -----------------------------------------------------------------


def test_step_counts_grow_like_timeit_and_stop_at_the_limit():
    assert list(_step_counts(100)) == [1, 2, 5, 10, 20, 50, 100]
    assert list(_step_counts(30)) == [1, 2, 5, 10, 20, 30]
    assert list(_step_counts(1)) == [1]


def test_autorange_stops_at_the_first_run_that_lasts_long_enough():
    clock = FakeClock()
    tried = []

    def run(steps):
        tried.append(steps)
        clock.now += 0.03 * steps  # 30 ms a step

    assert timing.autorange(run, min_seconds=0.2, clock=clock) == 10  # 0.3 s; 5 steps: 0.15 s
    assert tried == [1, 2, 5, 10]


def test_autorange_sizes_a_fast_and_a_slow_device_alike():
    for per_step, expected in ((2e-5, 20_000), (0.5, 1)):  # a fast GPU's step, a slow CPU's
        clock = FakeClock()

        def run(steps, per_step=per_step, clock=clock):
            clock.now += per_step * steps

        steps = timing.autorange(run, min_seconds=0.25, clock=clock)
        assert steps == expected and steps * per_step >= 0.25


def test_autorange_gives_up_at_max_steps():
    clock = FakeClock()
    assert timing.autorange(lambda steps: None, min_seconds=0.1, max_steps=50, clock=clock) == 50
    with pytest.raises(ValueError, match="min_seconds"):
        timing.autorange(lambda steps: None, min_seconds=0)
    with pytest.raises(TypeError, match="step count"):
        timing.autorange("run")


def test_interleave_times_every_configuration_in_a_shuffled_order():
    clock = FakeClock()
    log = []
    per_step = {"a": 0.01, "b": 0.02, "c": 0.05}

    def make(key):
        def run(steps):
            log.append((key, steps))
            clock.now += per_step[key] * steps

        return run

    result = timing.interleave(
        {key: make(key) for key in per_step},
        items_per_step={"a": 1, "b": 2, "c": 4},
        min_seconds=0.095,  # a run of 0.1 s, less the rounding of the fake clock's sums
        repeats=4,
        warmup=1,
        seed=3,
        clock=clock,
    )
    assert [entry for entry in log[:3]] == [("a", 1), ("b", 1), ("c", 1)]  # the warm-up
    assert {key: t.steps for key, t in result.items()} == {"a": 10, "b": 5, "c": 2}
    timed = log[-12:]
    rounds = [tuple(key for key, _ in timed[i : i + 3]) for i in range(0, 12, 3)]
    assert all(sorted(order) == ["a", "b", "c"] for order in rounds)  # each once per round
    assert len(set(rounds)) > 1  # and not always in the same order
    assert result["b"].items == 2 * 5 and result["b"].per_step == pytest.approx(0.02)
    assert result["c"].rate == pytest.approx(4 / 0.05)


def test_interleaving_spreads_a_drift_over_every_configuration():
    # The machine slows down steadily during the measurement. Timed one after the other,
    # the last configuration would look slowest; interleaved, each sees the whole drift.
    clock = FakeClock()
    slowdown = [1.0]

    def run(steps):
        clock.now += 0.1 * steps * slowdown[0]
        slowdown[0] += 0.05

    runs = {key: run for key in "abcd"}
    result = timing.interleave(runs, min_seconds=0.05, repeats=6, warmup=0, clock=clock)
    assert all(result[key].steps == 1 for key in "abcd")
    medians = [result[key].median for key in "abcd"]
    ranges = [result[key].slowest - result[key].fastest for key in "abcd"]
    assert max(medians) - min(medians) < min(ranges)


def test_interleave_refuses_bad_input():
    with pytest.raises(ValueError, match="empty"):
        timing.interleave({})
    with pytest.raises(TypeError, match="step count"):
        timing.interleave({"a": 3})
    with pytest.raises(ValueError, match="no entry"):
        timing.interleave({"a": lambda steps: None}, items_per_step={"b": 1})


# --- the yardsticks ---------------------------------------------------------------------------


def test_matmul_peak_counts_two_n_cubed_flops_per_product():
    table = timing.matmul_peak((32, 64), repeats=2, min_seconds=0.5, clock=TickingClock(0.5))
    assert list(table["size"]) == [32, 64] and list(table["products"]) == [1, 1]
    assert table["median_s"].tolist() == [0.5, 0.5]
    assert table["gflops"].tolist() == pytest.approx([2 * 32**3 / 0.5 / 1e9, 2 * 64**3 / 0.5 / 1e9])


def test_matmul_peak_on_a_real_clock():
    table = timing.matmul_peak((64, 128), repeats=2, min_seconds=0.01)
    row = table.iloc[1]
    assert row["gflops"] == pytest.approx(row["products"] * 2 * 128**3 / row["median_s"] / 1e9)
    assert row["gflops_min"] <= row["gflops"] <= row["gflops_max"]
    with pytest.raises(ValueError, match="empty"):
        timing.matmul_peak(())


def test_memory_bandwidth_counts_three_arrays_per_step():
    result = timing.memory_bandwidth(4, repeats=2, min_seconds=0.5, clock=TickingClock(0.5))
    assert result["megabytes"] == pytest.approx(4.0) and result["steps"] == 1
    assert result["gb_per_s"] == pytest.approx(3 * 4e6 / 0.5 / 1e9)
    real = timing.memory_bandwidth(1, repeats=2, min_seconds=0.01)
    assert real["gb_per_s_min"] <= real["gb_per_s"] <= real["gb_per_s_max"]
    with pytest.raises(ValueError, match="megabytes"):
        timing.memory_bandwidth(0)


# --- training steps ---------------------------------------------------------------------------


def build_tiny(optimizer="sgd", jit_compile=False):
    model = keras.Sequential(
        [
            keras.Input(shape=(6,)),
            keras.layers.Dense(5, activation="relu"),
            keras.layers.Dense(4),
        ]
    )
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"], jit_compile=jit_compile)
    return model


def tiny_data(n=64):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 6)).astype("float32"), rng.integers(0, 4, n)


def test_sweep_builds_a_fresh_model_per_batch_size_and_reports_consistent_rates():
    built = []

    def build():
        built.append(build_tiny())
        return built[-1]

    x, y = tiny_data()
    table = timing.train_step_sweep(
        build,
        x,
        y,
        (8, 32),
        loops=timing.LOOPS,
        flops_per_sample=100,
        repeats=2,
        min_seconds=0.5,
        clock=TickingClock(0.5),
    )
    assert len(built) == 2 and built[0] is not built[1]
    assert list(table["loop"]) == [loop for loop in timing.LOOPS for _ in (8, 32)]
    assert list(table["batch_size"]) == [8, 32] * 4 and (table["steps"] == 1).all()
    for _, row in table.iterrows():  # every run lasted exactly 0.5 s on this clock
        assert row["samples_per_s"] == pytest.approx(row["batch_size"] / 0.5)
        assert row["step_ms"] == pytest.approx(500.0)
        assert row["gflops"] == pytest.approx(row["samples_per_s"] * 100 / 1e9)


def test_sweep_on_a_real_clock():
    x, y = tiny_data()
    table = timing.train_step_sweep(build_tiny, x, y, (8, 32), repeats=2, min_seconds=0.02)
    assert set(table["loop"]) == {"train_on_batch", "compiled", "products"}
    for _, row in table.iterrows():
        assert row["samples_per_s_min"] <= row["samples_per_s"] <= row["samples_per_s_max"]
        assert row["step_ms_min"] <= row["step_ms"] <= row["step_ms_max"]
        assert row["step_ms"] == pytest.approx(row["batch_size"] / row["samples_per_s"] * 1e3)
        assert row["steps"] * row["step_ms"] / 1e3 >= 0.01


@pytest.mark.parametrize("jit_compile", [False, True])
def test_the_compiled_loop_takes_the_same_steps_as_train_on_batch(jit_compile):
    import tensorflow as tf

    x, y = tiny_data(16)
    keras.utils.set_random_seed(1)
    by_call = build_tiny("adam")
    keras.utils.set_random_seed(1)
    in_loop = build_tiny("adam")
    xb, yb = timing.on_device(x), timing.on_device(y)
    by_call.train_on_batch(xb, yb)
    in_loop.train_on_batch(xb, yb)
    for _ in range(3):
        by_call.train_on_batch(xb, yb)
    timing.to_host(_compiled_loop(in_loop, xb, yb, jit_compile=jit_compile)(3))
    assert int(in_loop.optimizer.iterations.numpy()) == 4
    for a, b in zip(by_call.get_weights(), in_loop.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert isinstance(xb, tf.Tensor)


def test_the_products_loop_runs_exactly_the_counted_products():
    import tensorflow as tf

    from helpers import flops

    model = build_tiny()
    x, _ = tiny_data(8)
    run = _products_loop(model, timing.on_device(x))
    assert np.isfinite(timing.to_host(run(3)))
    graph = run.function.get_concrete_function(tf.TensorSpec((), tf.int32)).graph
    bodies = [f for f in graph.as_graph_def().library.function if "body" in f.signature.name]
    matmuls = sum(node.op == "MatMul" for f in bodies for node in f.node_def)
    # per step: 2 forward, 2 weight gradients, 1 input gradient (the first layer needs none)
    assert matmuls == 5 == len(flops.dense_intensity(model, 8))


def test_the_products_loop_runs_a_mixed_precision_model():
    """float16 hidden layers with float32 logits, as lesson 07 builds for a GPU: every product
    runs in its layer's compute dtype instead of failing on the float16/float32 boundary."""
    import tensorflow as tf

    model = keras.Sequential(
        [
            keras.Input(shape=(6,)),
            keras.layers.Dense(5, activation="relu", dtype="mixed_float16"),
            keras.layers.Dense(3, activation="relu", dtype="mixed_float16"),
            keras.layers.Dense(4, dtype="float32"),
        ]
    )
    x, _ = tiny_data(8)
    run = _products_loop(model, timing.on_device(x))
    assert np.isfinite(timing.to_host(run(2)))
    graph = run.function.get_concrete_function(tf.TensorSpec((), tf.int32)).graph
    bodies = [f for f in graph.as_graph_def().library.function if "body" in f.signature.name]
    types = {node.attr["T"].type for f in bodies for node in f.node_def if node.op == "MatMul"}
    assert types == {tf.float16.as_datatype_enum, tf.float32.as_datatype_enum}


def test_the_products_loop_needs_a_plain_dense_stack():
    model = keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Conv2D(2, 3)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="plain stack of Dense"):
        _products_loop(model, timing.on_device(np.zeros((2, 8, 8, 1), "float32")))


def test_sweep_refuses_bad_input():
    x, y = np.zeros((16, 6), "float32"), np.zeros(16, int)
    with pytest.raises(ValueError, match="exceeds"):
        timing.train_step_sweep(build_tiny, x, y, (32,))
    with pytest.raises(ValueError, match="rows"):
        timing.train_step_sweep(build_tiny, x, y[:8], (4,))
    with pytest.raises(ValueError, match="nan"):
        timing.train_step_sweep(build_tiny, np.full((16, 6), np.nan), y, (4,))
    with pytest.raises(ValueError, match="Unknown loops"):
        timing.train_step_sweep(build_tiny, x, y, (4,), loops=("eager",))
    with pytest.raises(ValueError, match="empty"):
        timing.train_step_sweep(build_tiny, x, y, ())

    def uncompiled():
        return keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(4)])

    with pytest.raises(ValueError, match="not compiled"):
        timing.train_step_sweep(uncompiled, x, y, (4,))


def test_update_timing_applies_the_optimizer_once_per_step():
    models = []

    def build():
        models.append(build_tiny("adam"))
        return models[-1]

    result = timing.update_timing(build, repeats=2, min_seconds=0.5, clock=TickingClock(0.5))
    assert result.steps == 1 and result.per_step == pytest.approx(0.5)
    # warm-up 1 + autorange 1 + 2 timed runs of one step each
    assert int(models[0].optimizer.iterations.numpy()) == 4
    real = timing.update_timing(
        lambda: build_tiny("adam"), jit_compile=True, repeats=2, min_seconds=0.01
    )
    assert real.per_step > 0


def test_fit_images_per_s_leaves_the_first_epoch_out():
    x, y = tiny_data(64)
    result = timing.fit_images_per_s(build_tiny, x, y, batch_size=16, epochs=3)
    assert result["epochs"] == 2
    assert result["images_per_s_min"] <= result["images_per_s"] <= result["images_per_s_max"]
    with pytest.raises(ValueError, match="epochs"):
        timing.fit_images_per_s(build_tiny, x, y, batch_size=16, epochs=1)


def synthetic_sweep(step_ms: dict, rate_scale: float = 1.0) -> pd.DataFrame:
    rows = []
    for (loop, batch), ms in step_ms.items():
        rate = batch / ms * 1e3 * rate_scale
        rows.append(
            {
                "loop": loop,
                "batch_size": batch,
                "step_ms": ms,
                "samples_per_s": rate,
                "samples_per_s_min": 0.9 * rate,
                "samples_per_s_max": 1.1 * rate,
            }
        )
    return pd.DataFrame(rows)


def test_time_breakdown_splits_a_step_into_its_parts():
    sweep = synthetic_sweep(
        {
            ("train_on_batch", 32): 12.0,
            ("compiled", 32): 10.0,
            ("products", 32): 2.0,
            ("train_on_batch", 512): 60.0,
            ("compiled", 512): 59.0,
            ("products", 512): 50.0,
        }
    )
    table = timing.time_breakdown(sweep, update_ms=6.0)
    assert table.loc[32, "other"] == pytest.approx(2.0) and table.loc[32, "harness"] == 2.0
    assert table.loc[512, "other"] == pytest.approx(3.0)
    assert table.loc[32, "update_share_compiled"] == pytest.approx(0.6)
    assert table.loc[32, "update_share_train_on_batch"] == pytest.approx(0.5)
    parts = table[["products", "update", "other", "harness"]].sum(axis=1)
    assert parts.tolist() == pytest.approx(table["train_on_batch"].tolist())
    with pytest.raises(ValueError, match="lacks"):
        timing.time_breakdown(sweep[sweep["loop"] != "products"], update_ms=6.0)


# --- devices, and the GPU branch with fake devices ------------------------------------------


def test_only_the_cpu_is_measured_without_a_gpu():
    assert timing.devices_to_measure([]) == {"CPU": "/CPU:0"}


def test_the_cpu_and_the_first_gpu_are_measured():
    gpus = [
        {"device": "/GPU:0", "name": "Tesla T4", "compute_capability": (7, 5)},
        {"device": "/GPU:1", "name": "Tesla T4", "compute_capability": (7, 5)},
    ]
    assert timing.devices_to_measure(gpus) == {"CPU": "/CPU:0", "GPU": "/GPU:0"}


def test_gpu_details_reads_name_and_compute_capability(monkeypatch):
    import tensorflow as tf

    fake = [SimpleNamespace(name="/physical_device:GPU:0", device_type="GPU")]
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: fake)
    monkeypatch.setattr(
        tf.config.experimental,
        "get_device_details",
        lambda device: {"device_name": "NVIDIA A100-SXM4-40GB", "compute_capability": (8, 0)},
    )
    details = timing.gpu_details()
    assert details == [
        {"device": "/GPU:0", "name": "NVIDIA A100-SXM4-40GB", "compute_capability": (8, 0)}
    ]
    name, capability = details[0]["name"], details[0]["compute_capability"]
    assert timing.nominal_peak(name, timing.matmul_precision("float32", capability, True)) == 156.0


def test_sweep_and_update_run_under_a_gpu_device_scope():
    # Without a GPU, TensorFlow's soft placement runs "/GPU:0" work on the CPU: this runs the
    # GPU branch's code path (device scopes, data placed once, compiled loops) here.
    x, y = tiny_data(32)
    table = timing.train_step_sweep(
        build_tiny, x, y, (8,), loops=timing.LOOPS, device="/GPU:0", repeats=1, min_seconds=0.01
    )
    assert len(table) == 4
    assert timing.update_timing(build_tiny, device="/GPU:0", repeats=1, min_seconds=0.01).steps
    assert timing.matmul_peak((32,), device="/GPU:0", repeats=1, min_seconds=0.01).size


def test_speedup_table_pairs_batch_sizes_and_ranges():
    cpu = synthetic_sweep({("compiled", 32): 10.0, ("compiled", 64): 16.0})
    gpu = synthetic_sweep({("compiled", 32): 2.0, ("compiled", 64): 2.0, ("compiled", 128): 2.5})
    table = timing.speedup_table(cpu, gpu, "compiled")
    assert list(table["batch_size"]) == [32, 64]
    assert table["speed-up (median)"].tolist() == pytest.approx([5.0, 8.0])
    assert table["lowest"].tolist() == pytest.approx([5.0 * 0.9 / 1.1, 8.0 * 0.9 / 1.1])
    assert table["highest"].tolist() == pytest.approx([5.0 * 1.1 / 0.9, 8.0 * 1.1 / 0.9])
    with pytest.raises(ValueError, match="no 'xla' rows"):
        timing.speedup_table(cpu, gpu, "xla")


def test_nvidia_smi_reads_clocks_and_power_cap():
    def runner(command, **kwargs):
        assert command[0] == "nvidia-smi"
        return subprocess.CompletedProcess(
            command, 0, stdout="Tesla T4, 585 MHz, 1590 MHz, 70.00 W\n", stderr=""
        )

    assert timing.nvidia_smi(runner) == [
        {
            "name": "Tesla T4",
            "clocks.sm": "585 MHz",
            "clocks.max.sm": "1590 MHz",
            "power.limit": "70.00 W",
        }
    ]

    def failing(command, **kwargs):
        return subprocess.CompletedProcess(command, 9, stdout="", stderr="no devices")

    def missing(command, **kwargs):
        raise FileNotFoundError("nvidia-smi")

    assert timing.nvidia_smi(failing) == [] and timing.nvidia_smi(missing) == []


CPUINFO = """processor\t: 0
model name\t: Example CPU 9000
cpu MHz\t\t: 2600.000
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse2 avx fma avx2 avx512f amx_tile

processor\t: 1
model name\t: Example CPU 9000
cpu MHz\t\t: 2600.000
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse2 avx fma avx2 avx512f amx_tile
"""


def test_cpu_details_tell_hyper_threads_from_cores():
    details = timing.cpu_details(CPUINFO)
    assert details["model"] == "Example CPU 9000" and details["mhz"] == 2600.0
    assert details["logical_cores"] == 2 and details["physical_cores"] == 1
    assert details["isa"] == ["AVX2", "FMA", "AVX-512", "AMX tiles"]
    assert details["usable_cores"] >= 1


def test_cpu_details_without_proc_cpuinfo():
    details = timing.cpu_details("")
    assert details["physical_cores"] is None and details["isa"] == []
    assert details["logical_cores"] >= 1 and details["mhz"] is None


def test_other_backends_get_a_clear_message(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(RuntimeError, match="KERAS_BACKEND=tensorflow"):
        timing.require_tensorflow()
    with pytest.raises(RuntimeError, match="KERAS_BACKEND=tensorflow"):
        timing.train_step_sweep(build_tiny, *tiny_data(), (8,))


def test_on_device_places_the_tensor_there():
    tensor = timing.on_device(np.ones(3, "float32"), device="/CPU:0")
    assert "CPU:0" in tensor.device


# --- data-sheet peaks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("Tesla T4", "T4"),
        ("NVIDIA L4", "L4"),
        ("NVIDIA L40S", None),
        ("NVIDIA A100-SXM4-40GB", "A100"),
        ("NVIDIA H100 80GB HBM3", "H100 SXM"),
        ("NVIDIA H100 PCIe", "H100 PCIe"),
        ("NVIDIA H100 NVL", None),
        ("NVIDIA GeForce RTX 3090", None),
    ],
)
def test_gpu_names_map_to_the_right_row(name, model):
    assert timing.gpu_model(name) == model


def test_precision_follows_dtype_and_tf32():
    assert timing.matmul_precision("float32", (8, 0), tf32_enabled=True) == "tf32"
    assert timing.matmul_precision("float32", (8, 0), tf32_enabled=False) == "fp32"
    assert timing.matmul_precision("float32", (7, 5), tf32_enabled=True) == "fp32"
    assert timing.matmul_precision("float16", (7, 5), tf32_enabled=True) == "fp16"
    assert timing.nominal_peak("Tesla T4", "tf32") is None
    assert timing.nominal_peak("NVIDIA A100-SXM4-80GB", "tf32") == 156.0
    with pytest.raises(ValueError, match="precision"):
        timing.nominal_peak("Tesla T4", "fp8")
    with pytest.raises(ValueError, match="dtype"):
        timing.matmul_precision("int8", (8, 0), True)


def test_bfloat16_has_no_tensor_core_rate_on_a_t4():
    # A T4 (Turing, compute capability 7.5) has float16 tensor cores but none for bfloat16.
    for dtype in ("bfloat16", "mixed_bfloat16"):
        assert timing.matmul_precision(dtype, (7, 5), tf32_enabled=True) is None
    assert (
        timing.nominal_peak("Tesla T4", timing.matmul_precision("bfloat16", (7, 5), True)) is None
    )
    assert timing.nominal_peak("Tesla T4", timing.matmul_precision("float16", (7, 5), True)) == 65.0
    # From Ampere on, bfloat16 runs at the FP16/BF16 tensor rate
    assert timing.matmul_precision("bfloat16", (8, 0), tf32_enabled=True) == "fp16"
    assert timing.nominal_peak("NVIDIA A100-SXM4-40GB", "fp16") == 312.0


def test_float16_needs_tensor_cores():
    assert timing.matmul_precision("float16", (6, 0), tf32_enabled=True) is None  # a P100
    assert timing.matmul_precision("mixed_float16", (7, 0), tf32_enabled=True) == "fp16"  # V100


def test_nominal_table_has_every_gpu_and_precision():
    table = timing.nominal_peaks_table()
    assert list(table.index) == list(timing.NOMINAL_PEAKS)
    assert table.shape[1] == 3


def test_plot_sweep_draws_one_line_per_device_and_loop():
    sweep = synthetic_sweep(
        {
            ("compiled", 32): 10.0,
            ("compiled", 64): 16.0,
            ("products", 32): 2.0,
            ("products", 64): 3.0,
        }
    )
    for column in ("gflops",):
        sweep[column] = sweep["samples_per_s"] * 1e-6
        sweep[f"{column}_min"] = sweep["samples_per_s_min"] * 1e-6
        sweep[f"{column}_max"] = sweep["samples_per_s_max"] * 1e-6
    fig = timing.plot_sweep({"CPU": sweep, "GPU": sweep}, peaks={"CPU": 1.0, "GPU": 2.0})
    assert len(fig.axes) == 2
    assert len(fig.axes[0].get_legend().get_texts()) == 4  # 2 devices x 2 loops
    fig = timing.plot_sweep({"CPU": sweep}, loops=("compiled",))
    assert len(fig.axes[0].get_legend().get_texts()) == 1
    with pytest.raises(ValueError, match="Nothing"):
        timing.plot_sweep({})


# --- the lesson's measurement exercise ---------------------------------------------------------


def test_sgd_saving_is_checked_against_the_learners_own_sweep(capsys):
    adam = synthetic_sweep({("compiled", 32): 10.0, ("compiled", 128): 20.0})
    sgd = synthetic_sweep({("compiled", 32): 4.0})  # saves 60 % at batch 32
    updates = {"Adam": SimpleNamespace(per_step=6e-3), "SGD": SimpleNamespace(per_step=1e-3)}
    assert exercises.check_sgd_saving(0.6, sgd, adam, updates)
    assert "predict 50%" in capsys.readouterr().out  # (6 - 1) / 10, shown beside the measurement
    assert not exercises.check_sgd_saving(0.5, sgd, adam, updates)  # not what the sweeps say
    assert not exercises.check_sgd_saving("half", sgd, adam, updates)
    assert not exercises.check_sgd_saving(..., sgd, adam, updates)
    assert not exercises.check_sgd_saving(0.6, ..., adam, updates)
    wrong_batch = synthetic_sweep({("compiled", 128): 4.0})
    assert not exercises.check_sgd_saving(0.6, wrong_batch, adam, updates)
    slower = synthetic_sweep({("compiled", 32): 12.0})
    assert not exercises.check_sgd_saving(-0.2, slower, adam, updates)
    assert "not faster" in capsys.readouterr().out
