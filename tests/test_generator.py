"""genlab.generator and the command line: the committed shapes_generator checkpoint draws
what the prompt says (chapter 11), bad prompts are refused, the CLI writes its grid."""

import subprocess
import sys

import pytest
import torch

import genlab
from genlab import checkpoints, generator
from genlab.data.captions import eval_prompts
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


@pytest.mark.xfail(strict=True, reason="issue 7 is open: the committed checkpoint (11,146 steps in "
                   "3,400 s on 2 CPU threads) meets the one-object bar (below) but not this one: it "
                   "draws the right kind of arrangement but does not bind each object's words to its "
                   "place (strict: passing turns this red, so the marker is removed then)")
def test_two_object_adherence_meets_the_first_milestone_bar(small_set_report):
    assert small_set_report["two objects"]["whole prompt"] >= 0.75 - MARGIN


def test_one_object_adherence_meets_the_first_milestone_bar(small_set_report):
    assert small_set_report["one object"]["whole prompt"] >= 0.90 - MARGIN


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


def test_learning_rate_schedule_warms_up_then_decays_to_its_final_fraction():
    factors = [generator.lr_factor(i, warmup=10, total=100, final=0.1) for i in range(120)]
    assert factors[0] == 0.1 and factors[9] == 1.0           # linear warm-up over 10 steps
    assert all(a >= b for a, b in zip(factors[9:-1], factors[10:], strict=True))   # then never rises
    assert abs(factors[55] - 0.55) < 1e-12                   # halfway down the cosine: the mean
    assert factors[100] == factors[119] == 0.1               # held at the final fraction
