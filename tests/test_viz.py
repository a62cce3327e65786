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


def test_show_images_makes_room_for_multi_line_labels():
    images = np.zeros((8, 32, 32, 3), dtype=np.uint8)
    one_line = viz.show_images(images, labels=["a"] * 8, ncols=4, size=1.5)
    labels = ["a small red circle above a big blue square\n→ small red circle"] * 8
    fig = viz.show_images(images, labels=labels, ncols=4, size=1.5, wrap=20)
    assert fig.axes[0].get_title() == "a small red circle\nabove a big blue\nsquare\n→ small red circle"
    assert fig.get_figheight() > one_line.get_figheight()  # room for 4 lines, not 1
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for above, below in zip(fig.axes[:4], fig.axes[4:], strict=True):
        title = below.title.get_window_extent(renderer)
        assert title.y0 >= below.get_window_extent(renderer).y1 - 1  # above its own image
        assert title.y1 <= above.get_window_extent(renderer).y0 + 1  # below the row above
    explicit = viz.show_images(images, labels=["a"] * 8, ncols=4, size=1.5, label_lines=4)
    assert explicit.get_figheight() == fig.get_figheight()
    for f in (one_line, fig, explicit):
        plt.close(f)


def test_wrap_label_keeps_explicit_line_breaks():
    assert viz.wrap_label("one two three\nfour", 7) == "one two\nthree\nfour"
    assert viz.wrap_label("unchanged\n", None) == "unchanged\n"


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


def test_draw_graph_writes_every_node_parameter_and_gradient():
    nodes = ["$X$", "$Z = XW$", "$L$"]
    grads = ["", "$G_Z$", "$1$"]
    fig = viz.draw_graph(nodes, grads, params={1: "$W$"}, param_grads={1: "$G_W = X^T G_Z$"})
    texts = [t.get_text() for t in fig.axes[0].texts]
    for label in [*nodes, "$G_Z$", "$1$", "$W$", "$G_W = X^T G_Z$"]:
        assert label in texts
    arrows = [c for c in fig.axes[0].get_children() if type(c).__name__ == "Annotation"]
    # 2 forward, 1 backward (none into X, whose label is empty), 1 down into Z, 1 up to W
    assert len(arrows) == 5
    plt.close(fig)


def test_draw_graph_rejects_mismatched_labels():
    with pytest.raises(ValueError):
        viz.draw_graph(["$a$", "$b$"], ["$g$"])
    with pytest.raises(ValueError):
        viz.draw_graph(["$a$", "$b$"], ["", ""], params={5: "$W$"})
    with pytest.raises(ValueError):
        viz.draw_graph(["$a$", "$b$"], ["", ""], params={1: "$W$"}, param_grads={0: "$G$"})


def test_show_kernels_uses_a_symmetric_scale_per_kernel():
    kernels = torch.stack([torch.ones(3, 3), -2 * torch.ones(3, 3)])[:, None]  # (2, 1, 3, 3)
    fig = viz.show_kernels(kernels, ncols=4)
    images = [ax.get_images()[0] for ax in fig.axes if ax.get_images()]
    assert len(images) == 2
    assert images[0].get_clim() == (-1.0, 1.0) and images[1].get_clim() == (-2.0, 2.0)
    plt.close(fig)
    with pytest.raises(ValueError):
        viz.show_kernels(np.zeros((3, 3)))


def test_tile_images_puts_a_batch_in_rows():
    images = torch.arange(5, dtype=torch.float32).view(5, 1, 1, 1).expand(5, 1, 2, 4) / 4  # 5 flat 2x4 images
    tiles = viz.tile_images(images, ncols=2)
    assert tiles.shape == (6, 8)  # 3 rows of 2 images of 2x4 pixels
    assert np.allclose(tiles[0:2, 0:4], 0.0) and np.allclose(tiles[0:2, 4:8], 0.25)
    assert np.allclose(tiles[2:4, 0:4], 0.5) and np.allclose(tiles[4:6, 0:4], 1.0)
    assert np.allclose(tiles[4:6, 4:8], 0.0)  # the missing sixth image is black
    rgb = viz.tile_images(np.zeros((4, 3, 5, 5)), ncols=4)
    assert rgb.shape == (5, 20, 3)
