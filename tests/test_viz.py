import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from IPython.display import HTML

from genlab import viz


def test_to_image_array_layouts_and_ranges():
    chw = torch.zeros(4, 3, 8, 8) - 1  # [-1, 1] convention
    out = viz.to_image_array(chw)
    assert out.shape == (4, 8, 8, 3) and out.min() == 0.0
    gray = viz.to_image_array(np.full((2, 1, 5, 5), 0.5))
    assert gray.shape == (2, 5, 5) and np.allclose(gray, 0.5)
    assert viz.to_image_array(np.ones((5, 5))).shape == (1, 5, 5)
    assert np.allclose(viz.to_image_array(np.full((1, 4, 4), 255.0), value_range=(0, 255)), 1.0)
    rgb8 = np.zeros((2, 4, 4, 3), dtype=np.uint8)
    rgb8[..., 0] = 255
    assert np.allclose(viz.to_image_array(rgb8)[..., 0], 1.0) and np.allclose(viz.to_image_array(rgb8)[..., 1], 0.0)
    assert np.allclose(viz.to_image_array(torch.full((1, 1, 2, 2), 51, dtype=torch.uint8)), 0.2)


def test_show_images_labels_every_cell():
    fig = viz.show_images(torch.rand(10, 1, 28, 28), labels=list("abcdefghij"), ncols=4)
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titled == list("abcdefghij")
    assert len(fig.axes) == 12  # 3 rows of 4, two left empty
    plt.close(fig)


def test_plot_losses_draws_one_smoothed_curve_per_series():
    fig = viz.plot_losses({"D": np.linspace(1, 0, 200), "G": np.linspace(2, 1, 200)})
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "D" in labels and "G" in labels
    plt.close(fig)


def test_smooth_is_a_moving_average():
    assert np.allclose(viz.smooth([0, 2, 4, 6], 2), [0, 1, 3, 5])
    assert np.allclose(viz.smooth([1.0, 2.0], 1), [1.0, 2.0])


def test_animate_returns_html_that_plays_without_a_kernel():
    frames = [np.full((6, 6), i / 4) for i in range(5)]
    html = viz.animate(frames)
    assert isinstance(html, HTML)
    assert "<script" in html.data and "<img" in html.data and "Animation" in html.data
    assert html.data.count("data:image/png;base64") >= 1 or "frames[" in html.data


@pytest.mark.parametrize("titles", [None, ["a", "b"]])
def test_animate_with_a_draw_function(titles):
    calls = []

    def draw(ax, frame):
        calls.append(frame)
        ax.plot([0, frame])

    html = viz.animate([1, 2], draw=draw, titles=titles)
    assert isinstance(html, HTML) and set(calls) == {1, 2}
