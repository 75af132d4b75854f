"""Shared plots draw what they claim, reject bad input clearly, and describe figures in words."""

from pathlib import Path

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


# --- alt text: figures described in words -------------------------------------------------


def test_description_names_titles_labels_legends_and_panels():
    fig, (left, right) = plt.subplots(1, 2)
    fig.suptitle("Learning curves")
    left.plot([1, 2], label="train")
    left.plot([2, 1], label="validation")
    left.set(title="Training loss", xlabel="epoch", ylabel="loss")
    left.legend()
    right.bar(["a", "b"], [1, 2])
    right.set_title("Counts")
    text = plots.describe_figure(fig)
    assert text.startswith("Figure 'Learning curves' with 2 panels.")
    panel = "Panel 1: 'Training loss'; loss against epoch; line plot; legend: train, validation."
    assert panel in text
    assert "Panel 2: 'Counts'; bar chart." in text
    plt.close(fig)


def test_description_of_shared_plots():
    fig = plots.plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, title="Run 1")
    assert plots.describe_figure(fig) == (
        "Figure 'Run 1': loss against epoch; line plot; legend: training loss, validation loss."
    )
    plt.close(fig)
    fig = plots.plot_confusion_matrix([0, 1, 1], [0, 1, 0])
    assert plots.describe_figure(fig) == (
        "Figure: 'Confusion matrix'; True label against Predicted label; image."
    )
    plt.close(fig)


def test_a_grid_of_images_is_described_as_one():
    fig = plots.show_images(np.zeros((25, 4, 4)), titles=[str(i) for i in range(25)], ncols=8)
    text = plots.describe_figure(fig)
    assert text.startswith("Figure with a grid of 25 images, titled: 0, 1, 2,")
    assert text.endswith(", 19 and 5 more.")  # the empty grid cells are not counted
    plt.close(fig)


def test_colour_bar_and_mathematics_read_plainly():
    fig, ax = plt.subplots()
    image = ax.imshow(np.eye(3))
    fig.colorbar(image, ax=ax, label="output")
    ax.set_xlabel("$x_1$")
    assert plots.describe_figure(fig) == "Figure: x: x_1; image."
    plt.close(fig)


def test_an_untitled_figure_still_gets_a_description():
    fig, ax = plt.subplots()
    ax.scatter([1, 2], [3, 4])
    assert plots.describe_figure(fig) == "Figure: scatter plot."
    plt.close(fig)
    fig = plt.figure()
    assert plots.describe_figure(fig) == "Figure with nothing drawn in it."
    plt.close(fig)


def test_many_panels_are_summed_up():
    fig, axes = plt.subplots(2, 5)
    for ax in axes.flat:
        ax.plot([0, 1])
    text = plots.describe_figure(fig)
    assert "Panel 6:" in text and "Panel 7:" not in text and text.endswith("4 more panels.")
    plt.close(fig)


def test_a_lesson_can_give_its_own_text():
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    assert plots.set_alt_text(fig, "  The loss falls\n steadily. ") is fig
    assert plots.describe_figure(fig) == "The loss falls steadily."
    with pytest.raises(ValueError, match="non-empty"):
        plots.set_alt_text(fig, " ")
    plt.close(fig)


def test_describe_figures_does_nothing_outside_ipython():
    assert plots.describe_figures() is False


ALT_NOTEBOOK_CELLS = [
    "import matplotlib.pyplot as plt\n"
    "from IPython.display import display\n"
    "fig, ax = plt.subplots()\n"
    "ax.plot([1, 3, 2], label='data')\n"
    "ax.set(title='Three points', xlabel='step', ylabel='value')\n"
    "ax.legend()\n"
    "plt.close(fig)  # shown only by display, not again at the end of the cell\n"
    "display(fig)",
    "import helpers\nhelpers.setup()",  # the set-up cell of every lesson turns it on
    "display(fig)",
    "fig",  # shown as a cell's value
    "fig2, ax2 = plt.subplots()\nax2.plot([0, 1])\nplt.show()",
]


def test_alt_text_reaches_the_outputs_of_an_executed_notebook(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in ALT_NOTEBOOK_CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    root = str(Path(plots.__file__).resolve().parents[1])
    NotebookClient(notebook, timeout=120, resources={"metadata": {"path": root}}).execute()

    def figure(cell: int) -> tuple[str, dict]:
        [shown] = [o for o in notebook.cells[cell].outputs if "image/png" in o.get("data", {})]
        return shown["data"]["image/png"], shown.get("metadata", {})

    before, plain = figure(0)
    assert "alt" not in plain.get("image/png", {})
    description = "Figure: 'Three points'; value against step; line plot; legend: data."
    for cell in (2, 3):
        image, metadata = figure(cell)
        assert metadata["image/png"]["alt"] == description
        assert image == before, "the description must not change how the figure looks"
    assert figure(4)[1]["image/png"]["alt"] == "Figure: line plot."
