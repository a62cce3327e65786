"""Recipes: one named function per pretrained checkpoint. ``python -m genlab.recipes NAME`` retrains it.

Each recipe trains from scratch with a fixed seed, measures the model with the
course's judges, and writes ``data/checkpoints/NAME.pt`` and ``NAME.json``
through ``genlab.checkpoints.save`` (weights, config, device, wall time, metrics).
Run ``python -m genlab.recipes`` with no name to list them.

A recipe is registered with the ``@recipe("NAME")`` decorator below; the
chapters' notebooks load the checkpoints and show where each recipe is.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

RECIPES: dict[str, Callable[[], dict]] = {}


def recipe(name: str) -> Callable[[Callable[[], dict]], Callable[[], dict]]:
    """Register a function as the recipe NAME (it returns the checkpoint's metadata)."""

    def register(fn: Callable[[], dict]) -> Callable[[], dict]:
        RECIPES[name] = fn
        return fn

    return register


@recipe("mnist_judge")
def mnist_judge() -> dict:
    """Chapter 2's small CNN, trained as the MNIST judge on whatever ``load_mnist`` gives."""
    import time

    from genlab import checkpoints, config
    from genlab.eval import mnist as judge_eval

    start = time.perf_counter()
    config.seed_everything(judge_eval.JUDGE_CONFIG["seed"])
    model, history = judge_eval.train_judge(device=config.device())
    metrics = judge_eval.measure_judge(model)
    return checkpoints.save(
        "mnist_judge",
        model.state_dict(),
        config_=judge_eval.JUDGE_CONFIG,
        steps=history.steps,
        wall_time_s=time.perf_counter() - start,
        metrics=metrics,
        device=config.device(),
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: run the named recipe, or list the recipes."""
    parser = argparse.ArgumentParser(
        prog="python -m genlab.recipes", description=__doc__.splitlines()[0]
    )
    parser.add_argument("name", nargs="?", help="the recipe (= checkpoint) to retrain")
    args = parser.parse_args(argv)
    if args.name is None:
        print("recipes:", ", ".join(sorted(RECIPES)) or "(none yet)")
        return 0
    if args.name not in RECIPES:
        print(
            f"unknown recipe {args.name!r}; known: {', '.join(sorted(RECIPES)) or '(none yet)'}",
            file=sys.stderr,
        )
        return 2
    meta = RECIPES[args.name]()
    print(f"wrote data/checkpoints/{args.name}.pt: {meta.get('metrics')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
