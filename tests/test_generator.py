"""genlab.generator and the command line: the committed shapes_generator checkpoint draws
what the prompt says (chapter 11), bad prompts are refused, the CLI writes its grid."""

import subprocess
import sys

import pytest
import torch

import genlab
from genlab import checkpoints, generator
from genlab.data.captions import encode_batch, eval_prompts
from genlab.generator import CHECKPOINT, generate, load_generator, measure_adherence

# A small fixed prompt set (the first 6 one-object and 6 two-object evaluation prompts);
# the bars are the (0.90 and 0.75) minus a margin for 48 images per group.
MARGIN = 0.12


@pytest.fixture(scope="module")
def model():
    return load_generator()


def test_checkpoint_metadata_reports_the_measurements():
    meta = checkpoints.load_metadata(CHECKPOINT)
    metrics = meta["metrics"]
    assert meta["device"] and meta["wall_time_s"] > 0 and meta["steps"] > 0
    for group in ("one object", "two objects", "heldout pair", "heldout triple"):
        assert 0 <= metrics["adherence"][group]["whole prompt"] <= 1
        assert "swap" in metrics["adherence"][group]
    assert set(metrics["guidance_sweep"]) == {"1", "2", "3", "5"}
    assert set(metrics["step_sweep"]) == {"10", "25", "50"}
    assert metrics["seconds_16_images_25_steps_2_threads"] <= 3.0   # the bar
    assert metrics["text_warmup"]["steps"] == meta["config"]["text_warmup_steps"]


def test_ablation_arms_had_the_same_budget():
    """Chapter 11's ablation: cross-attention to the tokens against the pooled vector alone,
    the same training for both (steps, schedule, text warm-up), judged the same way."""
    tokens = checkpoints.load_metadata("shapes_ablation_tokens")
    pooled = checkpoints.load_metadata("shapes_ablation_pooled")
    assert tokens["config"]["unet"]["conditioning"] == "tokens"
    assert pooled["config"]["unet"]["conditioning"] == "pooled"
    assert tokens["steps"] == pooled["steps"] == tokens["config"]["ablation_steps"]
    same = ("lr", "lr_final", "warmup_steps", "steps", "batch", "time_sampling", "seed",
            "text_warmup_steps", "text_warmup_lr", "layout_weight", "p_uncond")
    assert all(k in tokens["config"] and tokens["config"][k] == pooled["config"][k] for k in same)
    unet_t, unet_p = dict(tokens["config"]["unet"]), dict(pooled["config"]["unet"])
    unet_t.pop("conditioning"), unet_p.pop("conditioning")
    assert unet_t == unet_p
    assert tokens["metrics"]["guidance"] == pooled["metrics"]["guidance"]
    for arm in (tokens, pooled):
        assert 0 <= arm["metrics"]["whole prompt"] <= 1 and 0 <= arm["metrics"]["swap"] <= 1


def test_same_seed_same_images(model):
    a = generate("a big red circle", n=2, steps=4, seed=3, model=model)
    b = generate("a big red circle", n=2, steps=4, seed=3, model=model)
    assert a.shape == (2, 3, 32, 32) and torch.equal(a, b)
    assert a.min() >= -1 and a.max() <= 1
    assert not torch.equal(a, generate("a big red circle", n=2, steps=4, seed=4, model=model))


@pytest.fixture(scope="module")
def small_set_report(model) -> dict:
    prompts = eval_prompts()
    one = [p for p in prompts if generator.prompt_group(p) == "one object"][:6]
    two = [p for p in prompts if generator.prompt_group(p) == "two objects"][:6]
    meta = checkpoints.load_metadata(CHECKPOINT)["metrics"]
    return measure_adherence(model, one + two, per_prompt=8, steps=25,
                             guidance=meta["guidance"], seed=7)


def test_adherence_agrees_with_the_checkpoint_metadata(small_set_report):
    """The committed weights score what their metadata says (within 3 standard errors of 48
    images): a wrong or corrupted checkpoint, or a changed sampler, would not."""
    recorded = checkpoints.load_metadata(CHECKPOINT)["metrics"]["adherence"]
    for group in ("one object", "two objects"):
        p = recorded[group]["whole prompt"]
        tolerance = 3 * (max(p * (1 - p), 0.02) / 48) ** 0.5
        assert abs(small_set_report[group]["whole prompt"] - p) <= tolerance, (group, p)
        assert small_set_report[group]["colour"] >= recorded[group]["colour"] - 0.15


def test_two_object_adherence_meets_the_first_milestone_bar(small_set_report):
    assert small_set_report["two objects"]["whole prompt"] >= 0.75 - MARGIN


def test_one_object_adherence_meets_the_first_milestone_bar(small_set_report):
    assert small_set_report["one object"]["whole prompt"] >= 0.90 - MARGIN


@torch.no_grad()
def test_the_prompt_sets_the_layout_from_pure_noise(model):
    """Where each object goes is decided at t = 0, where x_t is pure noise: the mean of
    x_0 + v(x_0, 0) (the model's guess of x_1) over many noises must put the red object on
    top for one prompt and below for its swap (the data's own top-minus-bottom difference is
    about +0.44 and -0.44; the old checkpoint, without the thumbnail, gave -0.016)."""
    x0 = torch.randn(64, 3, 32, 32, generator=torch.Generator().manual_seed(0))

    def red_minus_blue_top_minus_bottom(prompt: str) -> float:
        guess = (x0 + model(x0, torch.zeros(64), encode_batch([prompt] * 64))).mean(0)
        red = guess[0] - guess[2]
        return (red[:16].mean() - red[16:].mean()).item()

    assert red_minus_blue_top_minus_bottom("a red circle above a blue square") > 0.2
    assert red_minus_blue_top_minus_bottom("a blue square above a red circle") < -0.2


def test_bad_prompts_and_empty_prompt(model):
    with pytest.raises(ValueError, match="vocabulary"):
        generate("a purple banana", n=1, steps=1, model=model)
    with pytest.raises(ValueError, match="sampler"):
        generate("a red circle", n=1, steps=1, sampler="rk4", model=model)
    assert generate("", n=2, steps=2, model=model).shape == (2, 3, 32, 32)


def test_missing_checkpoint_names_its_recipe():
    with pytest.raises(checkpoints.CheckpointError, match="python -m genlab.recipes"):
        load_generator("no_such_generator")


def test_package_level_generate_is_the_generator():
    assert callable(genlab.generate)


def test_command_line_writes_a_grid(tmp_path):
    out = tmp_path / "grid.png"
    run = subprocess.run([sys.executable, "-m", "genlab.generate", "a red circle above a blue square",
                          "--n", "4", "--steps", "3", "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert out.stat().st_size > 1000 and "4 images in" in run.stdout
    bad = subprocess.run([sys.executable, "-m", "genlab.generate", "a red banana", "--n", "1"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "vocabulary" in bad.stderr


def test_text_warm_up_trains_only_the_text_encoder_and_lowers_the_thumbnail_loss():
    cfg = {**generator.GENERATOR_CONFIG,
           "unet": {**generator.GENERATOR_CONFIG["unet"], "channels": [16, 32, 32], "text_dim": 32}}
    torch.manual_seed(0)
    net = generator.build_generator(cfg)
    body = {k: v.clone() for k, v in net.state_dict().items()
            if not k.startswith(("text.", "layout_head."))}
    batches = generator.training_batches(batch=16, seed=0, p_drop=0.0)
    history = generator.warm_up_text(net, batches, steps=60, lr=3e-3)
    assert history.steps == 60 and len(history.losses) == 60
    assert sum(history.losses[-10:]) < 0.5 * sum(history.losses[:10])
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in body.items())
    x1, ids = batches()
    by_hand = (net.thumbnail(net.text(ids)[1])
               - torch.nn.functional.avg_pool2d(x1, 4)).pow(2).mean()
    assert torch.allclose(generator.thumbnail_loss(net, x1, ids), by_hand)


def test_learning_rate_schedule_warms_up_then_decays_to_its_final_fraction():
    factors = [generator.lr_factor(i, warmup=10, total=100, final=0.1) for i in range(120)]
    assert factors[0] == 0.1 and factors[9] == 1.0           # linear warm-up over 10 steps
    assert all(a >= b for a, b in zip(factors[9:-1], factors[10:], strict=True))   # then never rises
    assert abs(factors[55] - 0.55) < 1e-12                   # halfway down the cosine: the mean
    assert factors[100] == factors[119] == 0.1               # held at the final fraction
