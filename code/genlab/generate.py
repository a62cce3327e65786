"""Command line of the shapes generator (chapter 11):

    python -m genlab.generate "a small red circle above a big blue square" \
        --n 16 --steps 25 --guidance 3 --seed 0 --out grid.png

writes a grid of the n images with the prompt as its title, each image labelled with the
shapes judge's verdict ("pass", or the first check it fails), and prints how long the
sampling took and the share of images that follow the prompt. An empty prompt "" gives unconditional samples. A prompt outside the
shapes world's grammar is refused with the parser's message (an unknown word lists the
vocabulary). The function behind it is ``genlab.generate`` (``genlab.generator.generate``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from genlab.checkpoints import CheckpointError


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, generate, save the grid; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m genlab.generate",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("prompt", help='what to draw, e.g. "a red circle above a blue square"; '
                                       '"" for unconditional samples')
    parser.add_argument("--n", type=int, default=16, help="number of images (default 16)")
    parser.add_argument("--steps", type=int, default=25, help="sampling steps (default 25)")
    parser.add_argument("--guidance", type=float, default=3.0, help="guidance scale w (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    parser.add_argument("--sampler", default="euler", choices=("euler", "heun"))
    parser.add_argument("--out", type=Path, default=Path("grid.png"), help="image file to write")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")  # a file, no window
    import matplotlib.pyplot as plt

    from genlab.eval.shapes import adherence
    from genlab.generator import generate, load_generator
    from genlab.viz import show_images

    try:
        model = load_generator()
        start = time.perf_counter()
        images = generate(args.prompt, args.n, args.steps, args.guidance, args.seed,
                          args.sampler, model=model)
        seconds = time.perf_counter() - start
    except (ValueError, CheckpointError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    labels, passed = None, None
    if args.prompt.strip():
        verdicts = [adherence(image, args.prompt) for image in images]
        labels = [verdict_label(v.checks) for v in verdicts]
        passed = sum(v.passed for v in verdicts)
    title = f'"{args.prompt}"  (w = {args.guidance:g}, {args.steps} {args.sampler} steps, seed {args.seed})'
    fig = show_images(images, labels, ncols=min(8, args.n), title=title if args.prompt else
                      f"unconditional (seed {args.seed}, {args.steps} steps)", size=1.0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=100, bbox_inches="tight")
    plt.close(fig)
    followed = "" if passed is None else f"; the judge finds the prompt followed in {passed} of {args.n}"
    print(f"{args.n} images in {seconds:.2f} s ({args.steps} steps){followed}; wrote {args.out}")
    return 0


def verdict_label(checks: dict[str, bool]) -> str:
    """A short grid label from the judge's checks: "pass", or the first failed check."""
    failed = [name.replace("object ", "obj ") for name, ok in checks.items() if not ok]
    return "pass" if not failed else failed[0]


if __name__ == "__main__":
    sys.exit(main())
