"""Figures of the course: one style, labelled image grids, loss curves, and animations for the static site.

Every chapter draws through these, so all figures look alike. Importing this
module applies the course style (``use_style``). Animations are returned as
HTML with JavaScript controls (matplotlib's ``to_jshtml``), so they play on the
published static site, not only in a live kernel.
"""

from __future__ import annotations

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


def show_images(
    images: torch.Tensor | np.ndarray,
    labels: Sequence[object] | None = None,
    ncols: int = 8,
    title: str | None = None,
    value_range: tuple[float, float] | None = None,
    size: float = 1.0,
) -> plt.Figure:
    """Draw a batch of images as a grid, each with its label above it; returns the figure.

    ``size`` is the width of one cell in inches.
    """
    array = to_image_array(images, value_range)
    n = len(array)
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    label_space = 0.25 if labels is not None else 0.0
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * size, nrows * (size + label_space)), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(array[i], cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=8, pad=2)
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.3)
    return fig


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


use_style()
