"""Figures of the course: one style, labelled image grids, loss curves, and animations for the static site.

``tile_images`` puts a batch into one array for a panel of a larger figure.
Also two figures of chapter 2: ``draw_graph`` (a computational graph, values
forward and gradients backward) and ``show_kernels`` (learned weights as images).

Every chapter draws through these, so all figures look alike. Importing this
module applies the course style (``use_style``). Animations are returned as
HTML with JavaScript controls (matplotlib's ``to_jshtml``), so they play on the
published static site, not only in a live kernel.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import HTML
from matplotlib import animation

# The course palette: colour-blind-friendly (Okabe-Ito), used in this order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def use_style() -> None:
    """Apply the course figure style: light grid, no top/right spines, the course palette."""
    matplotlib.rcParams.update(
        {
            "figure.figsize": (6.0, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "legend.frameon": False,
            "image.cmap": "gray",
            "animation.embed_limit": 8.0,  # MB of frames allowed inside one jshtml animation
        }
    )


def to_image_array(
    images: torch.Tensor | np.ndarray, value_range: tuple[float, float] | None = None
) -> np.ndarray:
    """A batch of images as a float NumPy array (N, H, W) or (N, H, W, 3) in [0, 1].

    Accepts torch or NumPy, channels-first (N, C, H, W) or channels-last (N, H, W, C),
    or (N, H, W). ``value_range`` maps (low, high) to (0, 1); by default it is
    (0, 255) for uint8, (-1, 1) when the batch has negative values and (0, 1) otherwise.
    """
    array = (
        images.detach().float().cpu().numpy()
        if isinstance(images, torch.Tensor)
        else np.asarray(images, dtype=np.float32)
    )
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 4 and array.shape[1] in (1, 3) and array.shape[-1] not in (1, 3):
        array = array.transpose(0, 2, 3, 1)  # channels-first to channels-last
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    is_uint8 = (
        images.dtype == torch.uint8
        if isinstance(images, torch.Tensor)
        else np.asarray(images).dtype == np.uint8
    )
    if value_range is None and is_uint8:
        value_range = (0.0, 255.0)  # 8-bit images: 0..255
    if value_range is None:
        value_range = (-1.0, 1.0) if array.min() < 0 else (0.0, 1.0)
    low, high = value_range
    return np.clip((array - low) / (high - low), 0.0, 1.0)


def tile_images(
    images: torch.Tensor | np.ndarray,
    ncols: int,
    value_range: tuple[float, float] | None = None,
) -> np.ndarray:
    """A batch of N images of H x W pixels as one array: rows of ``ncols`` images, for ``ax.imshow``.

    Returns (rows * H, ncols * W), or (rows * H, ncols * W, 3) for colour, with
    rows = ceil(N / ncols); a last row that is not full is padded with black.
    Accepts what ``to_image_array`` accepts. Unlike ``show_images`` (one axis per
    image), the result goes into a single axis, beside other panels of a figure.
    """
    array = to_image_array(images, value_range)
    n, h, w = array.shape[:3]
    rows = -(-n // ncols)
    padded = np.zeros((rows * ncols, *array.shape[1:]), dtype=array.dtype)
    padded[:n] = array
    grid = padded.reshape(rows, ncols, h, w, *array.shape[3:]).swapaxes(1, 2)
    return grid.reshape(rows * h, ncols * w, *array.shape[3:])


def show_images(
    images: torch.Tensor | np.ndarray,
    labels: Sequence[object] | None = None,
    ncols: int = 8,
    title: str | None = None,
    value_range: tuple[float, float] | None = None,
    size: float = 1.0,
    label_lines: int | None = None,
    wrap: int | None = None,
) -> plt.Figure:
    """Draw a batch of images as a grid, each with its label above it; returns the figure.

    ``size`` is the width of one cell in inches. A label may have several lines (a caption,
    or "truth\n→ reading"): each row of the grid gets room for ``label_lines`` lines of text
    above its images, by default as many as the longest label has, so labels never run
    into the images of the row above. ``wrap`` (a number of characters) first wraps every
    line of every label with ``textwrap.fill``.
    """
    array = to_image_array(images, value_range)
    n = len(array)
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    texts = None if labels is None else [wrap_label(str(label), wrap) for label in labels]
    if texts is not None and label_lines is None:
        label_lines = max((text.count("\n") + 1 for text in texts), default=1)
    label_space = 0.1 + LABEL_LINE_HEIGHT * label_lines if texts is not None else 0.0
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * size, nrows * (size + label_space)), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(array[i], cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
            if texts is not None:
                ax.set_title(texts[i], fontsize=8, pad=2)
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.3)
    return fig


LABEL_LINE_HEIGHT = 0.15  # inches per line of a label at font size 8 (with line spacing)


def wrap_label(label: str, width: int | None) -> str:
    """``label`` with each of its lines wrapped to ``width`` characters (None: unchanged)."""
    if width is None:
        return label
    return "\n".join(textwrap.fill(line, width) or line for line in label.split("\n"))


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Moving average over ``window`` points (a shorter window at the start)."""
    values = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(values) == 0:
        return values
    cumsum = np.cumsum(np.insert(values, 0, 0.0))
    out = np.empty_like(values)
    for i in range(len(values)):
        start = max(0, i - window + 1)
        out[i] = (cumsum[i + 1] - cumsum[start]) / (i + 1 - start)
    return out


def plot_losses(
    history: Sequence[float] | dict[str, Sequence[float]],
    title: str = "Training loss",
    window: int | None = None,
    logy: bool = False,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Plot one loss curve or several (a dict name -> values) against the step, lightly smoothed.

    The raw values are drawn faint and the moving average (``window``, by default
    about 2% of the run) on top, so both the noise and the trend show.
    """
    curves = {"loss": history} if not isinstance(history, dict) else history
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.0, 3.2))
    else:
        fig = ax.figure
    for i, (name, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=np.float64)
        w = window or max(1, len(values) // 50)
        color = PALETTE[i % len(PALETTE)]
        if w > 1:
            ax.plot(values, color=color, alpha=0.25, linewidth=0.8)
        ax.plot(smooth(values, w), color=color, label=name, linewidth=1.6)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    if len(curves) > 1:
        ax.legend()
    fig.tight_layout()
    return fig


def animate(
    frames: Sequence[object],
    draw: Callable[[plt.Axes, object], None] | None = None,
    interval: int = 120,
    figsize: tuple[float, float] = (4.0, 4.0),
    titles: Sequence[str] | None = None,
    dpi: int = 72,
) -> HTML:
    """An animation that plays on the static site: HTML with JavaScript play/step controls.

    ``frames`` are images (each an array or tensor accepted by ``to_image_array``),
    or any objects when a ``draw(ax, frame)`` function is given to draw them.
    The figure is closed, so only the animation is shown. Each frame is embedded
    as a PNG at ``dpi``, so frames x figsize x dpi sets the page's weight.
    """
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)

    def update(i: int) -> None:
        ax.clear()
        if draw is None:
            image = to_image_array(frames[i])[0]
            ax.imshow(image, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
            ax.axis("off")
        else:
            draw(ax, frames[i])
        if titles is not None:
            ax.set_title(titles[i])
        fig.tight_layout()

    anim = animation.FuncAnimation(fig, update, frames=len(frames), interval=interval)
    with matplotlib.rc_context({"savefig.dpi": dpi}):  # frames are saved at savefig.dpi
        html = anim.to_jshtml(default_mode="once")
    plt.close(fig)
    return HTML(html)


def live_frontend() -> bool:
    """True where a person drives the kernel (Colab, Jupyter Lab or Notebook, VS Code), so widgets work.

    An ipywidgets widget needs a front end to answer it. Under ``jupyter nbconvert
    --execute`` or ``pytest --nbval`` there is none, and a widget cell can stall
    the run (chapter 1's slider did), so chapters build widgets only where this
    is True and print one line otherwise. It looks for Colab, for the
    ``JPY_SESSION_NAME`` that Jupyter's server gives the kernels it starts, and for
    VS Code's ``__vsc_ipynb_file__``. ``GENLAB_WIDGETS=1`` (or ``0``) overrides the guess.
    """
    override = os.environ.get("GENLAB_WIDGETS")
    if override is not None:
        return override == "1"
    if "google.colab" in sys.modules or os.environ.get("JPY_SESSION_NAME"):
        return True
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "__vsc_ipynb_file__" in shell.user_ns


def draw_graph(
    nodes: Sequence[str],
    grads: Sequence[str],
    params: dict[int, str] | None = None,
    param_grads: dict[int, str] | None = None,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Draw a chain-shaped computational graph: values forward (black), gradients backward (orange).

    Chapter 2 draws its two-layer MLP with it. ``nodes`` are the labels of the
    chain, left to right, from the input to the loss (matplotlib mathtext such
    as ``"$Z_1 = XW_1$"``). ``grads[i]`` is written under ``nodes[i]``: the
    gradient of the loss with respect to that node (``""`` for none: the
    backward pass then stops before it, as it does at the data). ``params``
    maps a node's index to the label of the parameters that feed into it, drawn
    above it with an arrow down; ``param_grads`` maps the same index to their
    gradients, written beside them, where the backward pass ends.
    """
    params, param_grads = params or {}, param_grads or {}
    if len(grads) != len(nodes):
        raise ValueError(f"one gradient label per node: {len(nodes)} nodes, {len(grads)} labels")
    if not set(params) <= set(range(len(nodes))) or not set(param_grads) <= set(params):
        raise ValueError("params must index nodes, and param_grads must index params")
    if ax is None:
        fig, ax = plt.subplots(figsize=(2.2 * len(nodes), 2.9))
    else:
        fig = ax.figure
    back = PALETTE[3]
    xs = np.arange(len(nodes)) * 2.6
    boxes = [
        ax.text(x, 0, text, ha="center", va="center", fontsize=10,
                bbox=dict(boxstyle="round", facecolor="#E8F1FA", edgecolor=PALETTE[0]))
        for x, text in zip(xs, nodes, strict=True)
    ]
    for x, grad in zip(xs, grads, strict=True):
        ax.text(x, -0.55, grad, ha="center", va="center", fontsize=9, color=back)
    for i in range(len(nodes) - 1):  # arrows from box edge to box edge
        left, right = boxes[i], boxes[i + 1]
        ax.annotate("", xy=(0, 0.75), xycoords=right, xytext=(1, 0.75), textcoords=left,
                    arrowprops=dict(arrowstyle="->", color="black", shrinkA=7, shrinkB=7))
        if grads[i]:  # no label, no gradient needed: the backward pass stops there (the data)
            ax.annotate("", xy=(1, 0.25), xycoords=left, xytext=(0, 0.25), textcoords=right,
                        arrowprops=dict(arrowstyle="->", color=back, shrinkA=7, shrinkB=7))
    for i, text in params.items():
        ax.text(xs[i], 1.0, text, ha="center", va="center", fontsize=10,
                bbox=dict(boxstyle="round", facecolor="#FFF4E0", edgecolor=PALETTE[1]))
        down = xs[i] - 0.12 if i in param_grads else xs[i]
        ax.annotate("", xy=(down, 0.22), xytext=(down, 0.8),
                    arrowprops=dict(arrowstyle="->", color="black"))
        if i in param_grads:
            ax.annotate("", xy=(xs[i] + 0.12, 0.8), xytext=(xs[i] + 0.12, 0.22),
                        arrowprops=dict(arrowstyle="->", color=back))
            ax.text(xs[i] + 0.55, 1.0, param_grads[i], ha="left", va="center", fontsize=9,
                    color=back)
    ax.text(xs[0] - 0.4, 0.75, "forward: values", fontsize=9)
    ax.text(xs[0] - 0.4, -0.95, r"backward: gradients $G_V = \partial\mathcal{L}/\partial V$",
            fontsize=9, color=back)
    ax.set_xlim(xs[0] - 0.5, xs[-1] + 1.5)
    ax.set_ylim(-1.05, 1.3)
    ax.axis("off")
    return fig


def show_kernels(
    kernels: torch.Tensor | np.ndarray,
    ncols: int = 8,
    size: float = 1.0,
    title: str | None = None,
) -> plt.Figure:
    """Draw weights as images, red positive and blue negative, 0 white; returns the figure.

    ``kernels`` is (N, h, w) or (N, 1, h, w): the 3x3 kernels of a convolution,
    or the weights of one neuron reshaped to the image (a 784-vector as 28x28),
    as chapter 2 shows them. Each kernel gets its own symmetric colour scale,
    so its pattern shows whatever its size.
    """
    array = (
        kernels.detach().float().cpu().numpy()
        if isinstance(kernels, torch.Tensor)
        else np.asarray(kernels, dtype=np.float32)
    )
    if array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 3:
        raise ValueError(f"kernels must be (N, h, w) or (N, 1, h, w), got shape {array.shape}")
    n = len(array)
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            limit = float(np.abs(array[i]).max()) or 1.0
            ax.imshow(array[i], cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.3, w_pad=0.8, h_pad=0.8)  # a white gap between kernels
    return fig


use_style()
