"""Variational autoencoders (chapter 4): an MLP VAE, a convolutional VAE, and the ELBO.

A VAE is a latent-variable model p(x, z) = p(z) p_theta(x | z) with the prior
p(z) = N(0, I) and a decoder p_theta(x | z). An encoder q_phi(z | x) =
N(mu_phi(x), diag sigma_phi(x)^2) approximates the posterior, and both are
trained by maximising the evidence lower bound (Kingma & Welling 2014;
Rezende et al. 2014), derived in chapter 4:

    log p(x) >= ELBO(x) = E_{q(z|x)}[log p_theta(x | z)] - KL(q_phi(z | x) || p(z)).

The first term is the (negative) reconstruction error, the second keeps the
codes close to the prior so that decoding z ~ N(0, I) gives images. With the
weight beta on the KL term (beta-VAE, Higgins et al. 2017) the loss is

    loss = recon + beta * KL,    recon = -E_q[log p(x | z)] (one sample of z).

- ``Autoencoder``, ``autoencoder_loss``, ``train_autoencoder``, ``measure_autoencoder``: the
  plain autoencoder of chapter 4's first sections (recipe ``ae2d_mnist``), whose code space is
  not generative.
- ``MLPVAE``: dense encoder and decoder, any latent size (2 for the chapter's maps).
- ``ConvVAE``: strided convolutions, configurable ``channels`` and ``latent_shape``:
  a flat latent such as (16,) for MNIST samples, or a spatial one such as (4, 8, 8)
  for 32x32 RGB images, the latent space a later generator can work in.
- ``encode``, ``decode``, ``reparameterise``, ``kl_gaussian``, ``elbo``: the equations.
- ``sample``, ``reconstruction_error``, ``train_vae``, ``measure_vae``: what the
  recipes ``vae_mnist`` and ``vae2d_mnist`` run.

The likelihood is Bernoulli on pixel values in [0, 1] (binary cross-entropy,
measured in nats per image); the decoder outputs logits, and ``decode`` returns
their sigmoid, the mean image.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from genlab import checkpoints
from genlab.train import History, run, train

# The recipes' settings; the chapter uses the same.
VAE_CONFIG = {  # python -m genlab.recipes vae_mnist
    "model": "conv",
    "channels": [32, 64],
    "latent_shape": [16],
    "beta": 1.0,
    "lr": 1e-3,
    "batch_size": 128,
    "steps": 6000,
    "seconds": 420,
    "cpu_threads": 1,
    "seed": 0,
    "eval_samples": 2000,
    "eval_seed": 1234,
}
VAE2D_CONFIG = {  # python -m genlab.recipes vae2d_mnist
    "model": "mlp",
    "latent_dim": 2,
    "hidden": 512,
    "beta": 1.0,
    "lr": 1e-3,
    "batch_size": 128,
    "steps": 6000,
    "seconds": 300,
    "cpu_threads": 1,
    "seed": 0,
    "eval_samples": 2000,
    "eval_seed": 1234,
}
AE2D_CONFIG = {  # python -m genlab.recipes ae2d_mnist: the autoencoder of chapter 4, sections 4.1-4.2
    "latent_dim": 2,
    "hidden": 512,
    "lr": 1e-3,
    "batch_size": 128,
    "steps": 6000,
    "seconds": 300,
    "cpu_threads": 1,
    "seed": 0,
}


class Autoencoder(nn.Module):
    """A plain (deterministic) autoencoder for (N, 1, 28, 28) images, chapter 4:

        encoder: x -> 784 -> hidden -> ReLU -> hidden -> ReLU -> k = z  (the code)
        decoder: z -> hidden -> ReLU -> hidden -> ReLU -> 784 pixel logits -> (N, 1, 28, 28)
    """

    def __init__(self, k: int = 2, hidden: int = 512) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(),
                                     nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, k))
        self.decoder = nn.Sequential(nn.Linear(k, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                     nn.ReLU(), nn.Linear(hidden, 784))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x)).view(-1, 1, 28, 28)


def autoencoder_loss(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The reconstruction error in nats per image: binary cross-entropy between the pixels x in
    [0, 1] and sigmoid(logits), summed over the 784 pixels and averaged over the images."""
    return F.binary_cross_entropy_with_logits(model(x), x, reduction="sum") / len(x)


def train_autoencoder(
    images: torch.Tensor,
    config: dict = AE2D_CONFIG,
    steps: int | None = None,
    seconds: float | None = None,
    device: torch.device | str = "cpu",
    progress: bool = True,
) -> tuple[Autoencoder, History]:
    """Train a fresh ``Autoencoder`` on ``images`` in [0, 1] with Adam, seeded from ``config``."""
    torch.manual_seed(config["seed"])
    model = Autoencoder(config["latent_dim"], config["hidden"]).to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    batches = image_batches(images, config["batch_size"], config["seed"])
    history = train(model, lambda m, x: autoencoder_loss(m, x.to(device)), batches, optimizer,
                    steps=steps, seconds=seconds, progress=progress)
    return model.eval(), history


def measure_autoencoder(model: nn.Module) -> dict:
    """The test split's reconstruction error (nats per image) and the judge's class shares of
    the reconstructed test digits: a decoder that can draw every digit has all ten near 0.1.
    Measured on the CPU from the weights rounded to float16 as they are stored."""
    from genlab.data.mnist import load_mnist
    from genlab.eval import mnist as judge_mnist

    model = checkpoints.round_as_stored(model.cpu().eval())
    test_images, _ = load_mnist("test")
    with torch.no_grad():
        error = autoencoder_loss(model, test_images).item()
        shares = judge_mnist.class_coverage(torch.sigmoid(model(test_images)))
    return {
        "test_recon_bce_nats_per_image": round(error, 3),
        "reconstruction_class_shares": [round(float(v), 4) for v in shares],
        "reconstruction_min_share": round(float(shares.min()), 4),
        "test_split": f"test, {len(test_images)} digits",
    }


class MLPVAE(nn.Module):
    """Dense VAE for (N, 1, 28, 28) images: 784 -> hidden -> hidden -> (mu, logvar) of size latent_dim.

    The decoder mirrors it: latent_dim -> hidden -> hidden -> 784 logits.
    """

    def __init__(self, latent_dim: int = 2, hidden: int = 512, image_shape=(1, 28, 28)) -> None:
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.latent_shape = (latent_dim,)
        pixels = math.prod(self.image_shape)
        self.encoder = nn.Sequential(
            nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
        )
        self.to_mu, self.to_logvar = nn.Linear(hidden, latent_dim), nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, pixels),
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (N, C, H, W) -> (mu, logvar), each (N, latent_dim)."""
        h = self.encoder(x)
        return self.to_mu(h), self.to_logvar(h)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """z (N, latent_dim) -> pixel logits (N, C, H, W)."""
        return self.decoder(z).view(len(z), *self.image_shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction logits from the mean code (no sampling)."""
        return self.decode_logits(self.encode(x)[0])


class ConvVAE(nn.Module):
    """Convolutional VAE; each entry of ``channels`` is one stride-2 level that halves the size.

        x (in_channels, S, S) -> [Conv 4x4 stride 2, ReLU] per level -> (c_last, s, s),  s = S / 2^levels
          -> Conv 3x3, ReLU -> heads for mu and logvar, each of shape ``latent_shape``

    ``latent_shape`` is either flat, (k,): dense heads from the flattened features; or
    spatial, (C, s, s): 1x1 convolution heads, so the latent is a small image
    (e.g. 4x8x8 for 32x32 RGB with two levels, as in latent diffusion).
    The decoder mirrors the encoder with transposed convolutions and outputs pixel logits.
    """

    def __init__(
        self,
        in_channels: int = 1,
        image_size: int = 28,
        channels=(32, 64),
        latent_shape=(16,),
    ) -> None:
        super().__init__()
        channels, latent_shape = tuple(channels), tuple(latent_shape)
        size = image_size // 2 ** len(channels)
        if size * 2 ** len(channels) != image_size:
            raise ValueError(f"image_size {image_size} is not divisible by 2^{len(channels)}")
        if len(latent_shape) == 3 and latent_shape[1:] != (size, size):
            raise ValueError(f"a spatial latent must be (C, {size}, {size}), got {latent_shape}")
        if len(latent_shape) not in (1, 3):
            raise ValueError(f"latent_shape must be (k,) or (C, H, W), got {latent_shape}")
        self.image_shape = (in_channels, image_size, image_size)
        self.latent_shape, self.spatial = latent_shape, len(latent_shape) == 3
        c_last, features = channels[-1], channels[-1] * size * size
        down, c_in = [], in_channels
        for c in channels:
            down += [nn.Conv2d(c_in, c, 4, stride=2, padding=1), nn.ReLU()]
            c_in = c
        down += [nn.Conv2d(c_last, c_last, 3, padding=1), nn.ReLU()]
        self.encoder = nn.Sequential(*down)
        if self.spatial:
            self.to_mu = nn.Conv2d(c_last, latent_shape[0], 1)
            self.to_logvar = nn.Conv2d(c_last, latent_shape[0], 1)
            self.from_z = nn.Conv2d(latent_shape[0], c_last, 3, padding=1)
        else:
            self.to_mu = nn.Sequential(nn.Flatten(), nn.Linear(features, latent_shape[0]))
            self.to_logvar = nn.Sequential(nn.Flatten(), nn.Linear(features, latent_shape[0]))
            self.from_z = nn.Sequential(
                nn.Linear(latent_shape[0], features), nn.Unflatten(1, (c_last, size, size))
            )
        up = [nn.ReLU(), nn.Conv2d(c_last, c_last, 3, padding=1), nn.ReLU()]
        for c_out in [*reversed(channels[:-1]), None]:
            last = c_out is None
            up.append(nn.ConvTranspose2d(c_in, in_channels if last else c_out, 4, stride=2, padding=1))
            if not last:
                up.append(nn.ReLU())
                c_in = c_out
        self.decoder = nn.Sequential(*up)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (N, C, S, S) -> (mu, logvar), each (N, *latent_shape)."""
        h = self.encoder(x)
        return self.to_mu(h), self.to_logvar(h)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """z (N, *latent_shape) -> pixel logits (N, C, S, S)."""
        return self.decoder(self.from_z(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction logits from the mean code (no sampling)."""
        return self.decode_logits(self.encode(x)[0])


def new_vae(config: dict) -> nn.Module:
    """The VAE a recipe config describes (``VAE_CONFIG`` or ``VAE2D_CONFIG``)."""
    if config["model"] == "mlp":
        return MLPVAE(config["latent_dim"], config["hidden"])
    return ConvVAE(
        config.get("in_channels", 1),
        config.get("image_size", 28),
        config["channels"],
        config["latent_shape"],
    )


def encode(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The encoder q_phi(z | x) = N(mu, diag exp(logvar)): returns (mu, logvar), each (N, *latent_shape).

    The network outputs log sigma^2 rather than sigma, so that any real number is allowed.
    """
    return model.encode(x)


def decode(model: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """The decoder's mean image E[x | z] = sigmoid(logits(z)), in [0, 1], shape (N, C, H, W)."""
    return torch.sigmoid(model.decode_logits(z))


def reparameterise(
    mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """A sample z ~ N(mu, diag sigma^2) written as z = mu + sigma * eps, eps ~ N(0, I), sigma = exp(logvar / 2).

    The randomness is in eps alone, so z is a differentiable function of (mu, logvar):
    gradients flow through the sample (the reparameterisation trick, chapter 4).
    """
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype).to(mu.device)
    return mu + torch.exp(0.5 * logvar) * eps


def kl_gaussian(
    mu: torch.Tensor,
    logvar: torch.Tensor,
    mu_p: torch.Tensor | float = 0.0,
    logvar_p: torch.Tensor | float = 0.0,
) -> torch.Tensor:
    """KL(N(mu, diag e^logvar) || N(mu_p, diag e^logvar_p)) in closed form, summed over latent dims: (N,).

        KL = 1/2 sum_j [ logvar_p - logvar + (e^logvar + (mu - mu_p)^2) / e^logvar_p - 1 ]

    With the standard-normal prior (mu_p = 0, logvar_p = 0) it is
    1/2 sum_j (mu^2 + sigma^2 - log sigma^2 - 1), which is >= 0 and 0 only at mu = 0, sigma = 1.
    """
    mu_p = torch.as_tensor(mu_p, dtype=mu.dtype, device=mu.device)
    logvar_p = torch.as_tensor(logvar_p, dtype=mu.dtype, device=mu.device)
    kl = 0.5 * (logvar_p - logvar + (logvar.exp() + (mu - mu_p) ** 2) / logvar_p.exp() - 1.0)
    return kl.flatten(1).sum(1)


class ELBOTerms(NamedTuple):
    """The batch means of the loss terms, in nats per image: loss = recon + beta * kl = -ELBO when beta = 1."""

    loss: torch.Tensor
    recon: torch.Tensor
    kl: torch.Tensor


def elbo(
    model: nn.Module,
    x: torch.Tensor,
    beta: float = 1.0,
    generator: torch.Generator | None = None,
) -> ELBOTerms:
    """The negative ELBO of a batch x in [0, 1], with one reparameterised sample of z per image.

        recon = -log p(x | z) = sum_pixels BCE(logits(z), x),   z = mu + sigma * eps
        kl    = KL(q(z | x) || N(0, I))                           (closed form, ``kl_gaussian``)
        loss  = recon + beta * kl                                 (= -ELBO for beta = 1)

    Each term is averaged over the batch; all are in nats per image.
    """
    mu, logvar = encode(model, x)
    z = reparameterise(mu, logvar, generator)
    logits = model.decode_logits(z)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    kl = kl_gaussian(mu, logvar)
    return ELBOTerms((recon + beta * kl).mean(), recon.mean(), kl.mean())


@torch.no_grad()
def sample(model: nn.Module, n: int, seed: int = 0, batch: int = 500) -> torch.Tensor:
    """``n`` mean images decoded from z ~ N(0, I) (seeded), in [0, 1], on the CPU; the model is put in eval mode."""
    model.eval()
    device = next(model.parameters()).device
    z = torch.randn(n, *model.latent_shape, generator=torch.Generator().manual_seed(seed))
    return torch.cat([decode(model, z[i : i + batch].to(device)).cpu() for i in range(0, n, batch)])


@torch.no_grad()
def reconstruction_error(model: nn.Module, images: torch.Tensor, batch: int = 500) -> dict:
    """How well the model reconstructs ``images`` from their mean codes mu(x) (no sampling).

    Returns ``bce_nats_per_image`` (-log p(x | mu(x)), summed over pixels, averaged over
    images) and ``mse_per_pixel`` (mean squared error of the mean image).
    """
    model.eval()
    device = next(model.parameters()).device
    bce, mse = 0.0, 0.0
    for i in range(0, len(images), batch):
        x = images[i : i + batch].to(device)
        logits = model.decode_logits(encode(model, x)[0])
        bce += F.binary_cross_entropy_with_logits(logits, x, reduction="sum").item()
        mse += ((torch.sigmoid(logits) - x) ** 2).sum().item()
    return {
        "bce_nats_per_image": bce / len(images),
        "mse_per_pixel": mse / images.numel(),
    }


def image_batches(images: torch.Tensor, batch_size: int = 128, seed: int = 0):
    """Endless random batches of ``images`` (seeded), for ``genlab.train.run``."""
    gen = torch.Generator().manual_seed(seed)

    def batch() -> torch.Tensor:
        return images[torch.randint(len(images), (batch_size,), generator=gen)]

    return batch


def make_step(
    model: nn.Module, optimizer: torch.optim.Optimizer, beta: float = 1.0
) -> Callable[[torch.Tensor], dict[str, float]]:
    """One VAE training step for ``genlab.train.run``; records ``loss``, ``recon`` and ``kl`` (nats per image)."""
    device = next(model.parameters()).device

    def step(x: torch.Tensor) -> dict[str, float]:
        terms = elbo(model, x.to(device), beta)
        optimizer.zero_grad(set_to_none=True)
        terms.loss.backward()
        optimizer.step()
        return {k: v.item() for k, v in terms._asdict().items()}

    return step


def train_vae(
    images: torch.Tensor,
    config: dict = VAE_CONFIG,
    steps: int | None = None,
    seconds: float | None = None,
    device: torch.device | str = "cpu",
    progress: bool = True,
) -> tuple[nn.Module, History]:
    """Train a fresh VAE (``new_vae(config)``) on ``images`` in [0, 1] with Adam, seeded from ``config``.

    Returns the model (in eval mode) and the history of loss, recon and kl.
    """
    torch.manual_seed(config["seed"])
    model = new_vae(config).to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    step = make_step(model, optimizer, config["beta"])
    batches = image_batches(images, config["batch_size"], config["seed"])
    history = run(step, batches, steps=steps, seconds=seconds, progress=progress)
    return model.eval(), history


def measure_vae(model: nn.Module, n: int = 2000, seed: int = 1234) -> dict:
    """The judge's verdict on ``n`` samples (FD, floor, FD / floor, class coverage) and the test-split error.

    Measured on the CPU from the weights rounded to float16 as they are stored.
    Reconstruction errors are on the test split of ``load_mnist``, from the mean codes.
    """
    from genlab.data.mnist import load_mnist
    from genlab.eval import mnist as judge_mnist

    model = checkpoints.round_as_stored(model.cpu().eval())
    images = sample(model, n, seed=seed)
    test_images, _ = load_mnist("test")
    errors = reconstruction_error(model, test_images)
    with torch.no_grad():
        torch.manual_seed(0)
        terms = elbo(model, test_images)
    return {
        **judge_mnist.sample_metrics(images, seed),
        "test_recon_bce_nats_per_image": round(errors["bce_nats_per_image"], 3),
        "test_recon_mse_per_pixel": round(errors["mse_per_pixel"], 5),
        "test_neg_elbo_nats_per_image": round(terms.loss.item(), 3),
        "test_kl_nats_per_image": round(terms.kl.item(), 3),
        "test_split": f"test, {len(test_images)} digits",
    }
