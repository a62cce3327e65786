"""Draw the course map of the introduction: the path from one neuron to the guided generator.

    python book/figures/course_map.py

writes book/_static/course_map.png and course_map.json. Chapters listed in
_toc.yml are drawn solid; chapters still to come are drawn dashed.
(tests/test_conventions.py checks that the map matches the table of contents.)
"""

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = [  # (number, title, part)
    (1, "A single neuron", "Foundations"),
    (2, "Backpropagation", "Foundations"),
    (3, "GANs", "Learning to generate"),
    (4, "VAEs", "Learning to generate"),
    (5, "The UNet", "Diffusion"),
    (6, "DDPM", "Diffusion"),
    (7, "Flow matching", "Diffusion"),
    (8, "Diffusion transformers", "Diffusion"),
    (9, "A world of shapes", "Text to image"),
    (10, "CLIP", "Text to image"),
    (11, "The guided generator", "Text to image"),
]
PART_COLOURS = {
    "Foundations": "#0072B2",
    "Learning to generate": "#E69F00",
    "Diffusion": "#009E73",
    "Text to image": "#CC79A7",
}


def published_chapters() -> list[int]:
    """Chapter numbers whose notebook is listed in _toc.yml."""
    toc = (ROOT / "_toc.yml").read_text()
    return sorted(int(n) for n in re.findall(r"file:\s*book/(\d\d)_", toc))


def draw(published: list[int]) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(11, 3.2))
    ax.set_xlim(-0.6, 5.6)
    ax.set_ylim(-0.3, 2.5)
    ax.axis("off")
    positions = {n: ((n - 1) % 6, 2.0 - 1.3 * ((n - 1) // 6)) for n, _, _ in CHAPTERS}
    for n, title, part in CHAPTERS:
        x, y = positions[n]
        done = n in published
        colour = PART_COLOURS[part]
        box = FancyBboxPatch(
            (x - 0.42, y - 0.28), 0.84, 0.56, boxstyle="round,pad=0.03",
            facecolor=colour if done else "white", edgecolor=colour,
            linestyle="-" if done else "--", linewidth=1.8,
        )
        ax.add_patch(box)
        ax.text(x, y + 0.08, f"{n}", ha="center", va="center", fontsize=12, weight="bold",
                color="white" if done else colour)
        ax.text(x, y - 0.12, title, ha="center", va="center", fontsize=8.5,
                color="white" if done else "#333333")
    for n in range(1, len(CHAPTERS)):
        (x0, y0), (x1, y1) = positions[n], positions[n + 1]
        if y0 == y1:
            start, end, style = (x0 + 0.45, y0), (x1 - 0.45, y1), "arc3"
        else:
            start, end, style = (x0, y0 - 0.31), (x1, y1 + 0.31), "arc3,rad=0.0"
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12,
                                     color="#666666", connectionstyle=style))
    handles = [plt.Line2D([], [], color=c, lw=6, label=p) for p, c in PART_COLOURS.items()]
    handles.append(plt.Line2D([], [], color="#999999", lw=1.5, ls="--", label="coming later"))
    ax.legend(handles=handles, loc="lower right", ncol=1, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def main() -> None:
    published = published_chapters()
    out = ROOT / "book" / "_static"
    out.mkdir(exist_ok=True)
    draw(published).savefig(out / "course_map.png", dpi=110)
    (out / "course_map.json").write_text(json.dumps({"published": published}) + "\n")
    print(f"course map: chapters {published} published -> {out / 'course_map.png'}")


if __name__ == "__main__":
    main()
