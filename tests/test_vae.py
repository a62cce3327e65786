"""The VAEs of chapter 4: shapes, the KL in closed form, the ELBO, a training step, the pretrained VAE."""

import math

import numpy as np
import pytest
import torch

from genlab import checkpoints
from genlab.models import vae


@pytest.mark.parametrize(
    "model, x_shape, z_shape",
    [
        (vae.MLPVAE(latent_dim=2, hidden=32), (5, 1, 28, 28), (5, 2)),
        (vae.ConvVAE(1, 28, (8, 16), (16,)), (5, 1, 28, 28), (5, 16)),
        (vae.ConvVAE(3, 32, (8, 16), (4, 8, 8)), (5, 3, 32, 32), (5, 4, 8, 8)),
        (vae.ConvVAE(3, 32, (8, 16, 16), (32,)), (5, 3, 32, 32), (5, 32)),
    ],
)
def test_shapes_of_encode_decode_and_sample(model, x_shape, z_shape):
    torch.manual_seed(0)
    x = torch.rand(x_shape)
    mu, logvar = vae.encode(model, x)
    assert mu.shape == logvar.shape == z_shape
    assert model.latent_shape == z_shape[1:]
    x_hat = vae.decode(model, vae.reparameterise(mu, logvar))
    assert x_hat.shape == x_shape and x_hat.min() >= 0 and x_hat.max() <= 1
    samples = vae.sample(model, 3, seed=1)
    assert samples.shape == (3, *x_shape[1:]) and torch.equal(samples, vae.sample(model, 3, seed=1))
    terms = vae.elbo(model, x)
    assert terms.kl >= 0 and terms.recon > 0
    assert torch.isclose(terms.loss, terms.recon + terms.kl)


def test_a_spatial_latent_must_match_the_feature_map():
    with pytest.raises(ValueError):
        vae.ConvVAE(3, 32, (8, 16), (4, 7, 7))


def test_kl_closed_form_matches_monte_carlo():
    """KL(q || p) = E_q[log q(z) - log p(z)], estimated with 400,000 samples, for two diagonal Gaussians."""
    torch.manual_seed(0)
    mu, logvar = torch.tensor([[0.5, -1.0, 2.0]]), torch.tensor([[0.2, -0.7, 0.0]])
    mu_p, logvar_p = torch.tensor([0.1, 0.3, 1.0]), torch.tensor([0.5, 0.0, -0.3])
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    p = torch.distributions.Normal(mu_p, (0.5 * logvar_p).exp())
    z = q.sample((400_000,))
    monte_carlo = (q.log_prob(z) - p.log_prob(z)).sum(-1).mean()
    closed = vae.kl_gaussian(mu, logvar, mu_p, logvar_p)
    assert closed.shape == (1,)
    assert abs(closed.item() - monte_carlo.item()) < 0.02
    assert torch.allclose(closed, torch.distributions.kl_divergence(q, p).sum(-1), atol=1e-5)
    assert vae.kl_gaussian(torch.zeros(4, 3), torch.zeros(4, 3)).abs().max() < 1e-7  # q = p


def test_elbo_is_a_lower_bound_on_a_linear_gaussian_model():
    """With p(z) = N(0, 1), p(x | z) = N(z, s^2), log p(x) = log N(x; 0, 1 + s^2) is exact, and any q gives less."""
    s2, x = 0.5, torch.tensor(1.3)
    log_px = torch.distributions.Normal(0.0, math.sqrt(1 + s2)).log_prob(x)
    for mu_q, var_q in ((0.0, 1.0), (0.5, 0.2), (x / (1 + s2), s2 / (1 + s2))):  # the last is exact
        torch.manual_seed(0)
        z = mu_q + math.sqrt(var_q) * torch.randn(200_000)
        expected_loglik = torch.distributions.Normal(z, math.sqrt(s2)).log_prob(x).mean()
        kl = vae.kl_gaussian(torch.tensor([[mu_q]]), torch.tensor([[math.log(var_q)]]))
        bound = expected_loglik - kl
        assert bound <= log_px + 5e-3
    assert abs(bound - log_px) < 5e-3  # the true posterior makes the bound tight


def test_reparameterise_is_differentiable_and_has_the_right_moments():
    mu = torch.tensor([1.0, -2.0], requires_grad=True)
    logvar = torch.tensor([0.0, math.log(4.0)], requires_grad=True)
    z = vae.reparameterise(mu.expand(100_000, 2), logvar.expand(100_000, 2),
                           torch.Generator().manual_seed(0))
    assert torch.allclose(z.mean(0), mu, atol=0.03)
    assert torch.allclose(z.std(0), torch.tensor([1.0, 2.0]), atol=0.03)
    z.sum().backward()
    assert torch.allclose(mu.grad, torch.full((2,), 100_000.0))


def test_a_short_training_run_lowers_the_loss():
    torch.manual_seed(0)
    images = (torch.rand(256, 1, 28, 28) > 0.8).float()
    config = {**vae.VAE2D_CONFIG, "hidden": 64}
    model, history = vae.train_vae(images, config, steps=60, progress=False)
    assert set(history.values) == {"loss", "recon", "kl"}
    assert np.mean(history.losses[-10:]) < history.losses[0] - 50
    assert not model.training


@pytest.mark.parametrize("name", ["vae_mnist", "vae2d_mnist"])
def test_pretrained_vae_covers_every_class_and_reconstructs_the_test_split(name):
    """The committed checkpoint: 2,000 seeded samples, each digit >= 5%; test-split error as stored."""
    from genlab.data.mnist import load_mnist
    from genlab.eval import class_coverage

    meta = checkpoints.load_metadata(name)
    config, metrics = meta["config"], meta["metrics"]
    model = vae.new_vae(config)
    checkpoints.load_into(model, name)
    images = vae.sample(model, config["eval_samples"], seed=config["eval_seed"])
    coverage = class_coverage(images)
    if name == "vae_mnist":
        assert coverage.min() >= 0.05, coverage
    assert np.allclose(coverage, metrics["class_coverage"], atol=0.005)
    error = vae.reconstruction_error(model, load_mnist("test")[0])
    assert error["bce_nats_per_image"] == pytest.approx(
        metrics["test_recon_bce_nats_per_image"], abs=0.05
    )
    bar = {"vae_mnist": 80.0, "vae2d_mnist": 150.0}[name]  # measured well below these (metadata)
    assert error["bce_nats_per_image"] < bar


def test_pretrained_autoencoder_redraws_every_digit_of_the_test_split():
    """ae2d_mnist (chapter 4.2): its reconstructions of the test digits cover every digit (>= 5%),
    so the digits its random codes miss are missed by the code space, not by the decoder."""
    meta = checkpoints.load_metadata("ae2d_mnist")
    config, metrics = meta["config"], meta["metrics"]
    model = vae.Autoencoder(config["latent_dim"], config["hidden"])
    checkpoints.load_into(model, "ae2d_mnist")
    measured = vae.measure_autoencoder(model)
    assert measured["reconstruction_min_share"] >= 0.05, measured
    assert measured["test_recon_bce_nats_per_image"] == pytest.approx(
        metrics["test_recon_bce_nats_per_image"], abs=0.05)
    assert np.allclose(measured["reconstruction_class_shares"], metrics["reconstruction_class_shares"],
                       atol=0.005)


def test_a_short_autoencoder_run_lowers_the_loss():
    images = (torch.rand(256, 1, 28, 28, generator=torch.Generator().manual_seed(0)) > 0.8).float()
    model, history = vae.train_autoencoder(images, {**vae.AE2D_CONFIG, "hidden": 64}, steps=60,
                                           progress=False)
    assert np.mean(history.losses[-10:]) < history.losses[0] - 50
    assert not model.training
