"""The timing helper excludes warm-up, waits for results, repeats, and computes rates right."""

import time

import keras
import numpy as np
import pytest

from helpers import timing


class FakeClock:
    """A clock that only moves when the code under test says so: exact, load-independent."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


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


def test_matmul_peak_counts_two_n_cubed_flops():
    table = timing.matmul_peak((64, 128), repeats=2)
    assert list(table["size"]) == [64, 128]
    row = table.iloc[1]
    assert row["gflops"] == pytest.approx(2 * 128**3 / row["median_s"] / 1e9)
    assert row["gflops_min"] <= row["gflops"] <= row["gflops_max"]


def test_matmul_peak_counts_every_product_of_a_run():
    row = timing.matmul_peak((96,), repeats=2, products=3).iloc[0]
    assert row["gflops"] == pytest.approx(3 * 2 * 96**3 / row["median_s"] / 1e9)
    with pytest.raises(ValueError, match="products"):
        timing.matmul_peak((96,), products=0)


def build_tiny():
    model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(4)])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer="sgd", loss=loss)
    return model


def test_sweep_reports_consistent_rates():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 6)).astype("float32"), rng.integers(0, 4, 64)
    table = timing.train_step_sweep(
        build_tiny, x, y, (8, 32), flops_per_sample=100, samples_per_repeat=64, repeats=2
    )
    assert list(table["batch_size"]) == [8, 32] and list(table["steps"]) == [8, 2]
    for _, row in table.iterrows():
        assert row["samples_per_s_min"] <= row["samples_per_s"] <= row["samples_per_s_max"]
        assert row["gflops"] == pytest.approx(row["samples_per_s"] * 100 / 1e9)
        per_step = row["batch_size"] / row["samples_per_s"] * 1e3
        assert row["step_ms"] == pytest.approx(per_step)


def test_sweep_refuses_bad_input():
    x, y = np.zeros((16, 6), "float32"), np.zeros(16, int)
    with pytest.raises(ValueError, match="exceeds"):
        timing.train_step_sweep(build_tiny, x, y, (32,))
    with pytest.raises(ValueError, match="rows"):
        timing.train_step_sweep(build_tiny, x, y[:8], (4,))
    with pytest.raises(ValueError, match="nan"):
        timing.train_step_sweep(build_tiny, np.full((16, 6), np.nan), y, (4,))

    def uncompiled():
        return keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(4)])

    with pytest.raises(ValueError, match="not compiled"):
        timing.train_step_sweep(uncompiled, x, y, (4,))


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


def test_nominal_table_has_every_gpu_and_precision():
    table = timing.nominal_peaks_table()
    assert list(table.index) == list(timing.NOMINAL_PEAKS)
    assert table.shape[1] == 3


def test_plot_sweep_draws_one_line_per_device():
    table = timing.train_step_sweep(
        build_tiny, np.ones((8, 6), "float32"), np.zeros(8, int), (4, 8),
        flops_per_sample=10, samples_per_repeat=8, repeats=1,
    )
    fig = timing.plot_sweep({"CPU": table}, peaks={"CPU": 1.0})
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="Nothing"):
        timing.plot_sweep({})
