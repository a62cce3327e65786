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

import torch

RECIPES: dict[str, Callable[[], dict]] = {}


def recipe(name: str) -> Callable[[Callable[[], dict]], Callable[[], dict]]:
    """Register a function as the recipe NAME (it returns the checkpoint's metadata)."""

    def register(fn: Callable[[], dict]) -> Callable[[], dict]:
        RECIPES[name] = fn
        return fn

    return register


def _prepare(cfg: dict) -> None:
    """Set the recipe's CPU threads (small networks: fewest threads are fastest on a shared
    CPU, see ``genlab.config.limit_threads``) and seed everything from ``cfg["seed"]``."""
    from genlab import config

    if config.device().type == "cpu":
        torch.set_num_threads(cfg["cpu_threads"])
    config.seed_everything(cfg["seed"])


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


def _dcgan_recipe(name: str, cfg: dict) -> dict:
    """Train the DCGAN of ``cfg`` (chapter 3) with snapshot selection, judge 2,000 samples, save NAME.

    Class-conditional (trained with the labels) when ``cfg["n_classes"] > 0``, unconditional otherwise.
    """
    import time

    from genlab import checkpoints, config
    from genlab.data.mnist import load_mnist
    from genlab.eval.mnist import mnist_source
    from genlab.models import gan

    start = time.perf_counter()
    _prepare(cfg)
    images, labels = load_mnist("train")
    generator, _, history = gan.train_dcgan(
        images,
        labels=labels if cfg.get("n_classes", 0) else None,
        steps=cfg["steps"],
        seconds=cfg["seconds"],
        config=cfg,
        device=config.device(),
        select_every=cfg["select_every"],
    )
    train_seconds = history.seconds
    metrics = gan.measure_generator(generator, cfg["eval_samples"], cfg["eval_seed"])
    metrics["mnist_source"] = mnist_source(len(images))
    metrics["train_seconds"] = round(train_seconds, 1)
    metrics["selected_step"] = history.selected_step
    metrics["selection_fd"] = [round(v, 2) for v in history.values["select_fd"]]
    metrics["selection_min_share"] = [round(v, 4) for v in history.values["select_min_share"]]
    metrics["final_losses"] = {k: round(history.final(k), 4) for k in ("loss_D", "loss_G")}
    return checkpoints.save(
        name,
        generator.state_dict(),
        config_=cfg,
        steps=history.steps,
        wall_time_s=time.perf_counter() - start,
        metrics=metrics,
        device=config.device(),
    )


@recipe("dcgan_mnist")
def dcgan_mnist() -> dict:
    """Chapter 3's class-conditional DCGAN: 10,000 steps (at most 11 minutes), judged on 2,000 samples."""
    from genlab.models import gan

    return _dcgan_recipe("dcgan_mnist", gan.DCGAN_CONFIG)


@recipe("dcgan_uncond_mnist")
def dcgan_uncond_mnist() -> dict:
    """Chapter 3's headline: the same DCGAN without labels, 12,000 steps (a 690 s cap), judged on 2,000."""
    from genlab.models import gan

    return _dcgan_recipe("dcgan_uncond_mnist", gan.DCGAN_UNCOND_CONFIG)


@recipe("dcgan_uncond_bn_mnist")
def dcgan_uncond_bn_mnist() -> dict:
    """Chapter 3's comparison: the unconditional recipe with the batch-norm discriminator of §3.5
    instead of the spectrally normalised one (what does spectral normalisation change?)."""
    from genlab.models import gan

    return _dcgan_recipe("dcgan_uncond_bn_mnist", gan.DCGAN_UNCOND_BN_CONFIG)


def _vae_recipe(name: str, cfg: dict) -> dict:
    """Train the VAE of ``cfg`` (chapter 4) on the train split, judge 2,000 samples, save NAME."""
    import time

    from genlab import checkpoints, config
    from genlab.data.mnist import load_mnist
    from genlab.models import vae

    start = time.perf_counter()
    _prepare(cfg)
    images, _ = load_mnist("train")
    model, history = vae.train_vae(
        images, cfg, steps=cfg["steps"], seconds=cfg["seconds"], device=config.device()
    )
    metrics = vae.measure_vae(model, cfg["eval_samples"], cfg["eval_seed"])
    metrics["final_train_terms"] = {k: round(history.final(k), 3) for k in history.values}
    return checkpoints.save(
        name,
        model.state_dict(),
        config_=cfg,
        steps=history.steps,
        wall_time_s=time.perf_counter() - start,
        metrics=metrics,
        device=config.device(),
    )


@recipe("vae_mnist")
def vae_mnist() -> dict:
    """Chapter 4's convolutional VAE (16-d latent): at most 7 minutes, then judged on 2,000 samples."""
    from genlab.models import vae

    return _vae_recipe("vae_mnist", vae.VAE_CONFIG)


@recipe("ae2d_mnist")
def ae2d_mnist() -> dict:
    """Chapter 4's plain autoencoder with a 2-D code (sections 4.1-4.2), trained on the train split."""
    import time

    from genlab import checkpoints, config
    from genlab.data.mnist import load_mnist
    from genlab.eval.mnist import mnist_source
    from genlab.models import vae

    start = time.perf_counter()
    cfg = vae.AE2D_CONFIG
    _prepare(cfg)
    images, _ = load_mnist("train")
    model, history = vae.train_autoencoder(images, cfg, steps=cfg["steps"], seconds=cfg["seconds"],
                                           device=config.device())
    metrics = vae.measure_autoencoder(model)
    metrics["mnist_source"] = mnist_source(len(images))
    metrics["final_train_loss"] = round(history.final(), 3)
    return checkpoints.save("ae2d_mnist", model.state_dict(), config_=cfg, steps=history.steps,
                            wall_time_s=time.perf_counter() - start, metrics=metrics,
                            device=config.device())


@recipe("vae2d_mnist")
def vae2d_mnist() -> dict:
    """Chapter 4's MLP VAE with a 2-D latent, for the latent map and the decoded manifold."""
    from genlab.models import vae

    return _vae_recipe("vae2d_mnist", vae.VAE2D_CONFIG)


def _save_ablation_arm(name: str, model: torch.nn.Module, cfg: dict, steps: int,
                       wall_time_s: float, device: object) -> dict:
    """Judge one arm of chapter 11's conditioning ablation on the two-object prompts; save NAME."""
    from genlab import checkpoints, generator

    model = model.cpu()
    metrics = generator.evaluate_two_objects(model, cfg, cfg["ablation_guidance"])
    metrics["guidance"] = cfg["ablation_guidance"]
    return checkpoints.save(name, model.state_dict(), config_=cfg, steps=steps,
                            wall_time_s=wall_time_s, metrics=metrics, device=device)


@recipe("shapes_generator")
def shapes_generator() -> dict:
    """Chapter 11's text-guided generator: flow matching with cross-attention to the prompt and
    classifier-free guidance, about 57 minutes on two CPU threads, then judged for prompt adherence.
    Its EMA weights at ``ablation_steps`` are also saved as ``shapes_ablation_tokens``."""
    import time

    from genlab import checkpoints, config, generator

    start = time.perf_counter()
    cfg = generator.GENERATOR_CONFIG
    _prepare(cfg)
    model, history, snapshot, warmup = generator.train_generator(
        cfg, steps=cfg["steps"], seconds=cfg["seconds"], device=config.device(),
        snapshot_at=cfg["ablation_steps"])
    warmup_seconds = warmup.seconds if warmup else 0.0
    train_seconds = history.seconds
    if snapshot is not None:
        _save_ablation_arm("shapes_ablation_tokens", snapshot, cfg, cfg["ablation_steps"],
                           warmup_seconds + train_seconds * cfg["ablation_steps"] / history.steps,
                           config.device())
    model = model.cpu()
    metrics = generator.evaluate_generator(model, cfg)
    metrics["train_seconds"] = round(warmup_seconds + train_seconds, 1)
    if warmup is not None:
        metrics["text_warmup"] = {"steps": warmup.steps, "seconds": round(warmup.seconds, 1),
                                  "thumbnail_loss_first_50": round(sum(warmup.losses[:50])
                                                                  / min(50, warmup.steps), 4),
                                  "thumbnail_loss_last_50": round(warmup.final(), 4)}
    metrics["final_loss"] = round(history.final(), 4)
    metrics["loss_every_100"] = [round(v, 4) for v in history.losses[::100]]
    return checkpoints.save("shapes_generator", model.state_dict(), config_=cfg,
                            steps=history.steps, wall_time_s=time.perf_counter() - start,
                            metrics=metrics, device=config.device())


@recipe("shapes_ablation_tokens")
def shapes_ablation_tokens() -> dict:
    """The cross-attention arm of chapter 11's ablation. It is the ``shapes_generator`` run's
    EMA weights at ``ablation_steps``, so this runs the ``shapes_generator`` recipe."""
    from genlab import checkpoints

    shapes_generator()
    return checkpoints.load_metadata("shapes_ablation_tokens")


@recipe("shapes_ablation_pooled")
def shapes_ablation_pooled() -> dict:
    """The other arm of chapter 11's ablation: the same run, for ``ablation_steps`` steps, with
    the prompt given only as one pooled vector and its thumbnail (no cross-attention)."""
    from genlab import config, generator

    cfg = generator.POOLED_CONFIG
    _prepare(cfg)
    model, history, _, warmup = generator.train_generator(cfg, steps=cfg["ablation_steps"],
                                                          device=config.device())
    return _save_ablation_arm("shapes_ablation_pooled", model, cfg, history.steps,
                              history.seconds + (warmup.seconds if warmup else 0.0),
                              config.device())


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
