"""The GANs of chapter 3: shapes, the losses and their theory, a training step, the pretrained DCGAN."""

import math

import numpy as np
import pytest
import torch

from genlab import checkpoints
from genlab.models import gan


@pytest.mark.parametrize(
    "generator, discriminator",
    [
        (gan.MLPGenerator(), gan.MLPDiscriminator()),
        (gan.DCGenerator(channels=8), gan.DCDiscriminator(channels=8)),
    ],
)
def test_shapes_and_ranges(generator, discriminator):
    torch.manual_seed(0)
    x = generator(torch.randn(5, gan.Z_DIM))
    assert x.shape == (5, 1, 28, 28)
    assert x.min() >= -1.0 and x.max() <= 1.0  # tanh output
    assert discriminator(x).shape == (5,)


def test_class_conditional_pair_and_step():
    torch.manual_seed(0)
    generator, discriminator = gan.new_dcgan(channels=8, n_classes=10)
    y = torch.tensor([0, 3, 9])
    x = generator(torch.randn(3, gan.Z_DIM), y)
    assert x.shape == (3, 1, 28, 28) and discriminator(x, y).shape == (3,)
    assert torch.equal(gan.balanced_labels(12), torch.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]))
    images, labels = torch.rand(64, 1, 28, 28), torch.randint(10, (64,))
    step = gan.make_step(generator, discriminator, *gan.adam_pair(generator, discriminator))
    out = step(gan.real_batches(images, 16, labels=labels)())
    assert set(out) == {"loss_D", "loss_G", "D_real", "D_fake"}
    assert gan.sample(generator, 5).shape == (5, 1, 28, 28)  # balanced labels by default


def test_sample_is_seeded_and_in_unit_range():
    generator = gan.DCGenerator(channels=8)
    a, b = gan.sample(generator, 7, seed=3), gan.sample(generator, 7, seed=3)
    assert a.shape == (7, 1, 28, 28) and torch.equal(a, b)
    assert a.min() >= 0.0 and a.max() <= 1.0


def test_losses_match_their_textbook_forms():
    torch.manual_seed(0)
    real, fake = torch.randn(50), torch.randn(50)
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    textbook_d = -(torch.log(d_real).mean() + torch.log(1 - d_fake).mean())
    assert torch.allclose(gan.d_loss(real, fake), textbook_d, atol=1e-6)
    assert torch.allclose(gan.g_loss(fake), -torch.log(d_fake).mean(), atol=1e-6)
    assert torch.allclose(gan.g_loss(fake, saturating=True), torch.log(1 - d_fake).mean(), atol=1e-6)


def _kl(a: torch.Tensor, b: torch.Tensor) -> float:
    """KL(a || b) of two discrete distributions (0 log 0 = 0)."""
    keep = a > 0
    return float((a[keep] * torch.log(a[keep] / b[keep])).sum())


def test_optimal_discriminator_and_jensen_shannon():
    """Maximising V(D) over D's values on a discrete toy gives D* = p / (p + q) and V = 2 JS - log 4."""
    p = torch.tensor([0.4, 0.3, 0.2, 0.1, 0.0])  # the data
    q = torch.tensor([0.1, 0.1, 0.2, 0.3, 0.3])  # the generator
    logits = torch.zeros(5, requires_grad=True)
    optimizer = torch.optim.Adam([logits], lr=0.05)
    for _ in range(3000):
        d = torch.sigmoid(logits)
        value = (p * torch.log(d)).sum() + (q * torch.log(1 - d)).sum()
        optimizer.zero_grad()
        (-value).backward()
        optimizer.step()
    d_star = p / (p + q)
    assert torch.allclose(torch.sigmoid(logits), d_star, atol=1e-2)
    m = (p + q) / 2
    js = 0.5 * _kl(p, m) + 0.5 * _kl(q, m)
    assert abs(value.item() - (2 * js - math.log(4))) < 1e-2


def test_non_saturating_gradient_survives_when_d_rejects_the_fakes():
    """At D(G(z)) -> 0 the minimax loss's gradient vanishes; the non-saturating one stays near -1."""
    logit = torch.tensor([-8.0], requires_grad=True)  # D(G(z)) = sigmoid(-8), about 3e-4
    (grad_sat,) = torch.autograd.grad(gan.g_loss(logit, saturating=True), logit)
    (grad_ns,) = torch.autograd.grad(gan.g_loss(logit), logit)
    assert abs(grad_sat.item()) < 1e-3
    assert abs(grad_ns.item() + 1.0) < 1e-3


def test_a_short_training_run_lowers_the_discriminator_loss():
    torch.manual_seed(0)
    images = torch.rand(256, 1, 28, 28) ** 4  # dark images with a few bright pixels
    generator, discriminator = gan.new_dcgan(channels=8)
    opt_g, opt_d = gan.adam_pair(generator, discriminator)
    step = gan.make_step(generator, discriminator, opt_g, opt_d)
    history = gan.run(step, gan.real_batches(images, 32), steps=40, progress=False)
    losses = history.values["loss_D"]
    assert losses[0] == pytest.approx(2 * math.log(2), abs=0.25)  # D starts near 1/2: loss log 4
    assert np.mean(losses[-5:]) < losses[0] - 0.3
    assert set(history.values) == {"loss_D", "loss_G", "D_real", "D_fake"}


def test_pretrained_dcgan_covers_every_class():
    """The committed checkpoint, sampled with its fixed seed: each digit is at least 5% of 2,000."""
    from genlab.eval import class_coverage

    meta = checkpoints.load_metadata("dcgan_mnist")
    config = meta["config"]
    generator = gan.DCGenerator(config["z_dim"], config["channels"], config.get("n_classes", 0))
    checkpoints.load_into(generator, "dcgan_mnist")
    images = gan.sample(generator, config["eval_samples"], seed=config["eval_seed"])  # 200 per digit
    coverage = class_coverage(images)
    assert coverage.min() >= 0.05, coverage
    assert np.allclose(coverage, meta["metrics"]["class_coverage"], atol=0.005)


def test_judge_reading_separates_digits_from_noise():
    """Readable coverage and diversity: real digits are read confidently and vary; noise is not read."""
    from genlab.data.mnist import load_mnist

    digits = load_mnist("test")[0][:300]
    noise = torch.rand(300, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    shares, unreadable = gan.readable_coverage(digits)
    assert unreadable < 0.1 and abs(shares.sum() + unreadable - 1) < 1e-9
    assert gan.readable_coverage(noise)[1] > 0.8  # the judge names a digit for noise, but is not sure
    assert gan.feature_diversity(digits) > 2 * gan.feature_diversity(digits[:1].repeat(300, 1, 1, 1)) + 1
    distances, index = gan.nearest_neighbours(digits[:5], digits)
    assert torch.allclose(distances, torch.zeros(5), atol=1e-5) and torch.equal(index, torch.arange(5))


def test_minimax_option_of_train_dcgan():
    """``config["loss"] = "minimax"`` trains G with the saturating loss (same start, different run)."""
    images = torch.rand(128, 1, 28, 28) ** 4
    config = dict(gan.DCGAN_CONFIG, n_classes=0, channels=8)
    runs = [gan.train_dcgan(images, steps=3, config=dict(config, loss=loss), progress=False)[2]
            for loss in ("non-saturating", "minimax")]
    assert runs[0].values["loss_D"][0] == runs[1].values["loss_D"][0]  # the same first D step
    assert runs[0].values["loss_G"][0] > 0 > runs[1].values["loss_G"][0]  # -log D > 0 > log(1 - D)


def test_pretrained_unconditional_dcgan_covers_every_class():
    """The unconditional checkpoint (chapter 3's headline, spectrally normalised D), with its fixed
    seed: every digit at 5% or more of 2,000 samples (the course's bar), FD / floor about 16,
    about a quarter unreadable."""
    from genlab.eval import class_coverage, fd_floor, fd_to_real

    meta = checkpoints.load_metadata("dcgan_uncond_mnist")
    config = meta["config"]
    assert config["n_classes"] == 0 and config["spectral_norm"]
    generator = gan.DCGenerator(config["z_dim"], config["channels"])
    checkpoints.load_into(generator, "dcgan_uncond_mnist")
    images = gan.sample(generator, config["eval_samples"], seed=config["eval_seed"])
    coverage = class_coverage(images)
    assert coverage.min() >= 0.05, coverage
    assert np.allclose(coverage, meta["metrics"]["class_coverage"], atol=0.005)
    ratio = fd_to_real(images) / fd_floor(len(images))
    assert ratio < 20 and abs(ratio - meta["metrics"]["fd_over_floor"]) < 0.01
    assert gan.readable_coverage(images)[1] < 0.35


def test_spectral_discriminator_divides_each_weight_by_its_largest_singular_value():
    """``spectral=True``: no batch norm in D, and every layer's weight, reshaped to a matrix, has a
    largest singular value of 1 once power iteration has run (a few training-mode forward passes)."""
    torch.manual_seed(0)
    generator, discriminator = gan.new_dcgan(channels=8, spectral=True)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in discriminator.modules())
    x = torch.rand(16, 1, 28, 28)
    for _ in range(30):  # each forward in training mode runs one step of power iteration
        discriminator(x)
    layers = [m for m in discriminator.modules() if torch.nn.utils.parametrize.is_parametrized(m)]
    assert len(layers) == 3
    for layer in layers:
        sigma = torch.linalg.matrix_norm(layer.weight.detach().flatten(1), ord=2)
        assert sigma == pytest.approx(1.0, abs=0.02)
        raw = layer.parametrizations.weight.original.detach().flatten(1)
        assert torch.linalg.matrix_norm(raw, ord=2) != pytest.approx(1.0, abs=0.02)  # really rescaled


def test_batch_norm_comparison_checkpoint_misses_the_bar_it_is_shown_missing():
    """``dcgan_uncond_bn_mnist`` (chapter 3's comparison, batch norm in D): its stored coverage is what
    sampling it gives, and one digit is below 5%, which is what the chapter shows."""
    from genlab.eval import class_coverage

    meta = checkpoints.load_metadata("dcgan_uncond_bn_mnist")
    config = meta["config"]
    assert config["n_classes"] == 0 and not config["spectral_norm"]
    generator = gan.DCGenerator(config["z_dim"], config["channels"])
    checkpoints.load_into(generator, "dcgan_uncond_bn_mnist")
    coverage = class_coverage(gan.sample(generator, config["eval_samples"], seed=config["eval_seed"]))
    assert np.allclose(coverage, meta["metrics"]["class_coverage"], atol=0.005)
    assert coverage.min() < 0.05
