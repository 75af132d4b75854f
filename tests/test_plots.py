"""Shared plots draw what they claim and reject bad input clearly."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plots  # noqa: E402


def test_history_draws_training_and_validation():
    logs = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6], "accuracy": [0.5, 0.7, 0.9]}
    fig = plots.plot_history(logs, metrics=("loss", "accuracy"))
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["training loss", "validation loss"]
    assert len(acc_ax.lines) == 1
    np.testing.assert_array_equal(loss_ax.lines[1].get_ydata(), logs["val_loss"])
    fig.canvas.draw()
    ticks = [t for t in loss_ax.get_xticks() if 1 <= t <= 3]
    assert ticks and all(float(t).is_integer() for t in ticks)  # epochs, not 2.5, 7.5, ...
    plt.close(fig)


def test_history_missing_metric():
    with pytest.raises(KeyError, match="has no"):
        plots.plot_history({"loss": [1.0]}, metrics=("accuracy",))


def test_confusion_matrix_counts():
    fig = plots.plot_confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], labels=["no", "yes"])
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["1", "1", "1", "2"]
    plt.close(fig)


def test_show_images_grid_and_errors():
    fig = plots.show_images(np.zeros((5, 28, 28)), titles=list("abcde"), ncols=3)
    assert len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes[:5]] == list("abcde")
    plt.close(fig)
    with pytest.raises(ValueError, match="shape"):
        plots.show_images(np.zeros((28, 28)))
    with pytest.raises(ValueError, match="titles"):
        plots.show_images(np.zeros((2, 28, 28)), titles=["a"])
