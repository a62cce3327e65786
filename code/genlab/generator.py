"""The text-guided shapes generator (chapter 11): a prompt in, 32x32 images out.

The pieces, each from its own module and chapter:

- ``genlab.models.unet.UNet`` with its ``TextEncoder``: the velocity v_theta(x_t, t, prompt);
- ``genlab.flow``: the straight path x_t = (1 - t) x_0 + t x_1, the velocity loss
  || v_theta(x_t, t, c) - (x_1 - x_0) ||^2, and the Euler / Heun samplers;
- ``genlab.guidance``: prompt dropout in training, v_uncond + w (v_cond - v_uncond) in sampling;
- ``genlab.data.captions`` and ``genlab.data.shapes``: an endless stream of rendered scenes
  with paraphrased captions (no held-out combination is ever shown);
- ``genlab.eval.shapes``: the judge that measures prompt adherence;
- ``thumbnail_loss`` and ``warm_up_text``: the prompt must also predict an 8x8 thumbnail of its
  image, first alone and then beside the velocity loss; the training loss is
  || v_theta(x_t, t, c) - (x_1 - x_0) ||^2 + lambda || head(pooled(c)) - avgpool(x_1) ||^2.
  Without it the text encoder stayed nearly a bag of words, and "a red circle above a blue
  square" came out swapped as often as not.

``train_generator`` is the recipe's training loop, ``measure_adherence`` its evaluation,
``load_generator`` and ``generate`` are what the book and the command line
``python -m genlab.generate "a red circle above a blue square"`` use.
"""

from __future__ import annotations

import copy
import functools
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from genlab import checkpoints, flow, train
from genlab.data.captions import EvalPrompt, caption, encode_batch, eval_prompts, parse
from genlab.data.shapes import render_batch, sample_scene
from genlab.eval.shapes import adherence, adherence_rates
from genlab.guidance import drop_prompts, guided_velocity
from genlab.models.unet import THUMBNAIL, UNet

CHECKPOINT = "shapes_generator"

# The committed checkpoint: a 3,000-step text warm-up (about 90 s), then up to 13,000 steps,
# the whole capped at 3,400 s (about 57 minutes) of training on two CPU threads of an otherwise
# idle machine (about 3.4 steps/s, so about 11,000 steps).
GENERATOR_CONFIG: dict = {
    "image_size": 32,
    "unet": {"channels": [32, 64, 128], "blocks": 1, "patch": 2, "attn_res": 8, "cross_res": 16,
             "conditioning": "tokens", "layout": True,
             "text_dim": 64, "text_layers": 2, "text_heads": 4},
    "text_warmup_steps": 3000,  # the text encoder and thumbnail head first learn alone (below)
    "text_warmup_lr": 3e-3,
    "layout_weight": 1.0,  # weight of the thumbnail loss beside the velocity loss
    "batch": 64,
    "lr": 1e-3,
    "warmup_steps": 250,  # linear warm-up, then a cosine decay to lr * lr_final over "steps"
    "lr_final": 0.1,
    "clip_grad": 1.0,
    "ema_decay": 0.999,
    "p_uncond": 0.1,  # prompt dropout for classifier-free guidance
    "p_drop_attribute": 0.05,  # chance that a caption leaves an attribute unsaid
    "time_sampling": "uniform",  # t near 0 (pure noise), where the layout is decided, gets its share
    "seed": 0,
    "steps": 13000,
    "seconds": 3400,  # a cap: on a busy machine the run stops early (its steps are recorded)
    "cpu_threads": 2,  # both cores; needs the machine to itself (other jobs slow it 10x)
    "ablation_steps": 3000,  # the "tokens" arm of the ablation is this run's EMA at this step
    "ablation_guidance": 3.0,
    "eval": {"per_prompt": 8, "steps": 25, "sampler": "euler", "guidances": [1, 2, 3, 5],
             "step_sweep": [10, 25, 50], "seed": 1234},
}
# The other arm of the ablation: the same run (same learning-rate schedule and text warm-up),
# conditioned on the pooled prompt vector and its thumbnail, without cross-attention; its
# recipe stops it at "ablation_steps".
POOLED_CONFIG: dict = {**GENERATOR_CONFIG,
                       "unet": {**GENERATOR_CONFIG["unet"], "conditioning": "pooled"},
                       "seconds": None, "cpu_threads": 1}  # 1 thread: it can share the machine


def build_generator(cfg: dict = GENERATOR_CONFIG) -> UNet:
    """A fresh UNet (with its text encoder) from a generator configuration."""
    return UNet(image_size=cfg["image_size"], **{**cfg["unet"], "channels": tuple(cfg["unet"]["channels"])})


def lr_factor(step: int, warmup: int, total: int, final: float) -> float:
    """The learning rate at ``step`` as a fraction of the peak: a linear warm-up over ``warmup``
    steps, then a cosine from 1 down to ``final`` at ``total`` steps,
    final + (1 - final) (1 + cos(pi (step - warmup) / (total - warmup))) / 2."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return final + (1.0 - final) * 0.5 * (1.0 + float(np.cos(np.pi * progress)))


def training_batches(batch: int, seed: int, p_drop: float,
                     size: int = 32) -> Callable[[], tuple[torch.Tensor, torch.Tensor]]:
    """A function that returns a new batch each call: images (B, 3, size, size) in [-1, 1]
    and token ids (B, L) of fresh training scenes and captions. The stream repeats per seed."""
    rng = np.random.default_rng(seed)

    def next_batch() -> tuple[torch.Tensor, torch.Tensor]:
        scenes = [sample_scene(rng, None, "train") for _ in range(batch)]
        ids = encode_batch([caption(scene, rng, p_drop) for scene in scenes])
        return render_batch(scenes, size), ids

    return next_batch


def thumbnail_loss(net: UNet, x1: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Mean squared error between the thumbnail the prompt predicts and the image's own,
    || head(pooled(ids)) - avgpool(x_1) ||^2: the text encoder must say where things go."""
    _, pooled, _ = net.text(ids)
    return (net.thumbnail(pooled) - F.avg_pool2d(x1, x1.shape[-1] // THUMBNAIL)).pow(2).mean()


def warm_up_text(net: UNet, batches: Callable[[], tuple[torch.Tensor, torch.Tensor]],
                 steps: int, lr: float, device: torch.device | str = "cpu") -> train.History:
    """Train only the text encoder and its thumbnail head on ``thumbnail_loss`` for ``steps``
    steps of Adam (no UNet: 3,000 steps took 86 s on two CPU threads). From scratch, the joint
    training hardly teaches the encoder word order: "red circle above blue square" and its swap
    pool to almost the same vector. Predicting where the colours go forces the binding."""
    params = [*net.text.parameters(), *net.layout_head.parameters()]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)

    def loss_fn(model: UNet, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        x1, ids = (b.to(device) for b in batch)
        return thumbnail_loss(model, x1, ids)

    return train.train(net, loss_fn, batches, optimizer, steps=steps, progress=False)


def train_generator(cfg: dict = GENERATOR_CONFIG, steps: int | None = None,
                    seconds: float | None = None, device: torch.device | str = "cpu",
                    snapshot_at: int | None = None,
                    progress: bool = True
                    ) -> tuple[UNet, train.History, UNet | None, train.History | None]:
    """Train a generator by flow matching with prompt dropout; returns its EMA copy, the
    loss history, the EMA copy at step ``snapshot_at`` (None if not reached) and the history
    of the text warm-up (None without one).

    With a thumbnail head (``layout``), the text encoder first warms up alone
    (``warm_up_text``; its time counts against ``seconds``, and the EMA starts after it). Then
    each step minimises, with lambda = ``layout_weight`` and c the prompt after prompt dropout
    (the null prompt included),
    || v_theta(x_t, t, c) - (x_1 - x_0) ||^2 + lambda || head(pooled(c)) - avgpool(x_1) ||^2."""
    torch.manual_seed(cfg["seed"])
    model = build_generator(cfg).to(device)
    layout = model.layout_head is not None
    batches = training_batches(cfg["batch"], cfg["seed"], cfg["p_drop_attribute"], cfg["image_size"])
    warmup = (warm_up_text(model, batches, cfg["text_warmup_steps"], cfg["text_warmup_lr"], device)
              if layout else None)
    if seconds is not None and warmup is not None:
        seconds = max(0.0, seconds - warmup.seconds)
    ema = train.EMA(model, cfg["ema_decay"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, functools.partial(lr_factor, warmup=cfg["warmup_steps"], total=cfg["steps"],
                                     final=cfg.get("lr_final", 1.0)))
    noise = torch.Generator(device=device).manual_seed(cfg["seed"])
    snapshot: dict[str, UNet] = {}

    def loss_fn(net: UNet, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        x1, ids = (b.to(device) for b in batch)
        ids = drop_prompts(ids, cfg["p_uncond"], noise)
        x0 = torch.randn(x1.shape, generator=noise, device=device)
        t = flow.sample_time(len(x1), cfg["time_sampling"], noise, device)
        loss = flow.flow_matching_loss(lambda x, tt: net(x, tt, ids), x1, x0, t)
        if layout:
            loss = loss + cfg["layout_weight"] * thumbnail_loss(net, x1, ids)
        return loss

    def on_step(step: int) -> None:
        if step == snapshot_at:
            snapshot["ema"] = copy.deepcopy(ema.model)

    history = train.train(model, loss_fn, batches, optimizer, steps=steps, seconds=seconds,
                          clip_grad=cfg["clip_grad"], ema=ema, scheduler=scheduler,
                          on_step=on_step, progress=progress)
    return ema.model, history, snapshot.get("ema"), warmup


@torch.no_grad()
def sample(model: UNet, prompts: list[str], steps: int = 25, guidance: float = 3.0,
           seed: int = 0, sampler: str = "euler", batch: int = 64) -> torch.Tensor:
    """One image per prompt, (N, 3, S, S) in [-1, 1]: integrate the guided velocity from
    seeded noise at t = 0 to t = 1. Guidance w = 1 is the plain conditional model."""
    model.eval()
    device = next(model.parameters()).device
    shape = (len(prompts), model.image_channels, model.image_size, model.image_size)
    noise = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(device)
    out = []
    for start in range(0, len(prompts), batch):
        ids = encode_batch(prompts[start:start + batch]).to(device)

        def velocity(x: torch.Tensor, t: torch.Tensor, ids: torch.Tensor = ids) -> torch.Tensor:
            if guidance == 1:
                return model(x, t, ids)
            return guided_velocity(model, x, t, ids, guidance)

        out.append(flow.SAMPLERS[sampler](velocity, noise[start:start + batch], steps))
    return torch.cat(out).clamp(-1, 1).cpu()


def prompt_group(p: EvalPrompt) -> str:
    """The report group of an evaluation prompt: "one object", "two objects" (both in
    distribution), "heldout pair" or "heldout triple"."""
    if p.split != "in":
        return p.split
    return "one object" if len(parse(p.text).objects) == 1 else "two objects"


def measure_adherence(model: UNet, prompts: list[EvalPrompt], per_prompt: int, steps: int,
                      guidance: float, seed: int, sampler: str = "euler") -> dict[str, dict]:
    """Judge ``per_prompt`` samples of each prompt; adherence rates per group and overall."""
    texts = [p.text for p in prompts for _ in range(per_prompt)]
    images = sample(model, texts, steps, guidance, seed, sampler)
    results = [adherence(image, text) for image, text in zip(images, texts, strict=True)]
    groups = [prompt_group(p) for p in prompts for _ in range(per_prompt)]
    report = {g: adherence_rates([r for r, gg in zip(results, groups, strict=True) if gg == g])
              for g in dict.fromkeys(groups)}
    report["all"] = adherence_rates(results)
    return {g: {k: round(v, 4) for k, v in rates.items()} for g, rates in report.items()}


def seconds_to_generate(model: UNet, n: int = 16, steps: int = 25, guidance: float = 3.0,
                        threads: int = 2) -> float:
    """Wall time of ``n`` images at ``steps`` Euler steps with guidance, on ``threads`` CPU
    threads (best of 3 runs)."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        sample(model, ["a small red circle above a big blue square"] * n, steps, guidance)
        times.append(time.perf_counter() - start)
    torch.set_num_threads(before)
    return min(times)


def evaluate_generator(model: UNet, cfg: dict = GENERATOR_CONFIG) -> dict:
    """The checkpoint's metrics: a guidance sweep on the in-distribution prompts, then all
    prompts at the best guidance, a sweep over the number of steps, and the generation time."""
    e = cfg["eval"]
    prompts = eval_prompts()
    inside = [p for p in prompts if p.split == "in"]
    sweep = {w: measure_adherence(model, inside, e["per_prompt"], e["steps"], w, e["seed"],
                                  e["sampler"]) for w in e["guidances"]}
    best = max(e["guidances"], key=lambda w: sweep[w]["all"]["whole prompt"])
    report = measure_adherence(model, prompts, e["per_prompt"], e["steps"], best, e["seed"],
                               e["sampler"])
    step_sweep = {s: measure_adherence(model, inside, e["per_prompt"], s, best, e["seed"],
                                       e["sampler"])["all"]["whole prompt"]
                  for s in e["step_sweep"]}
    return {
        "guidance": best,
        "steps": e["steps"],
        "sampler": e["sampler"],
        "per_prompt": e["per_prompt"],
        "eval_seed": e["seed"],
        "adherence": report,
        "guidance_sweep": {str(w): sweep[w]["all"]["whole prompt"] for w in e["guidances"]},
        "guidance_sweep_two_objects": {str(w): sweep[w]["two objects"]["whole prompt"]
                                       for w in e["guidances"]},
        "step_sweep": {str(s): v for s, v in step_sweep.items()},
        "seconds_16_images_25_steps_2_threads": round(seconds_to_generate(model), 3),
    }


def evaluate_two_objects(model: UNet, cfg: dict = GENERATOR_CONFIG, guidance: float = 3.0) -> dict:
    """The ablation's measure: adherence and swap rate on the in-distribution two-object prompts."""
    e = cfg["eval"]
    two = [p for p in eval_prompts() if prompt_group(p) == "two objects"]
    return measure_adherence(model, two, e["per_prompt"], e["steps"], guidance, e["seed"],
                             e["sampler"])["two objects"]


@functools.lru_cache(maxsize=4)
def load_generator(name: str = CHECKPOINT) -> UNet:
    """The pretrained generator NAME (EMA weights), in eval mode on the CPU; made by
    ``python -m genlab.recipes NAME``."""
    meta = checkpoints.load_metadata(name)
    model = build_generator(meta["config"])
    checkpoints.load_into(model, name)
    return model.eval().requires_grad_(False)


def generate(prompt: str, n: int = 16, steps: int = 25, guidance: float = 3.0, seed: int = 0,
             sampler: str = "euler", model: UNet | None = None) -> torch.Tensor:
    """n images (n, 3, 32, 32) in [-1, 1] of ``prompt`` from the pretrained generator.

    A prompt that ``genlab.data.captions.parse`` rejects raises its ValueError (an unknown
    word lists the vocabulary). The empty prompt "" gives unconditional samples: the null
    prompt, with no guidance. Same arguments, same images (on the CPU).
    """
    if prompt.strip():
        parse(prompt)  # clear errors for bad prompts
    else:
        guidance = 1.0  # nothing to guide towards
    if n < 1 or steps < 1:
        raise ValueError(f"n and steps must be at least 1, got n={n}, steps={steps}")
    if sampler not in flow.SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {tuple(flow.SAMPLERS)}")
    model = model if model is not None else load_generator()
    return sample(model, [prompt] * n, steps, guidance, seed, sampler)
