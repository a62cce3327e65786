"""Generative adversarial networks for MNIST (chapter 3): the two players, their losses, one training step.

A generator G maps noise z ~ N(0, I) to an image; a discriminator D maps an
image to a logit, D(x) = sigmoid(logit) being its probability that x is real.
They play the minimax game of Goodfellow et al. (2014):

    min_G max_D  E_x[log D(x)] + E_z[log(1 - D(G(z)))]

For a fixed G the best D is D*(x) = p_data(x) / (p_data(x) + p_g(x)), and the
game's value becomes 2 JS(p_data || p_g) - log 4 (chapter 3 derives both).
G is trained with the *non-saturating* loss -log D(G(z)) instead of
log(1 - D(G(z))), whose gradient vanishes exactly when G is bad (D(G(z)) -> 0).

- ``MLPGenerator`` / ``MLPDiscriminator``: dense networks, the first GAN.
- ``DCGenerator`` / ``DCDiscriminator``: the DCGAN of Radford et al. (2016) for 28x28:
  transposed convolutions and batch norm in G, strided convolutions and LeakyReLU in D
  (batch norm in D, or spectral normalisation with ``spectral=True``);
  with ``n_classes=10`` both are told the digit (a class-conditional GAN, Mirza and
  Osindero 2014), which is what the pretrained checkpoint ``dcgan_mnist`` is.
- ``d_loss``, ``g_loss``: the losses, written on logits for numerical stability.
- ``make_step``: one training step (one D update, one G update) for ``genlab.train.run``.
- ``sample``: images in [0, 1] from a generator, seeded.
- ``train_dcgan``: what the recipe ``python -m genlab.recipes dcgan_mnist`` runs (with an EMA
  of G's weights and, every 1,000 steps, the best snapshot kept by the judge);
  ``measure_generator``: the judge's numbers stored with the checkpoint; ``DCGAN_UNCOND_CONFIG`` is the
  unconditional recipe ``dcgan_uncond_mnist``, the chapter's headline model.
- ``judge_read``, ``readable_coverage``, ``feature_diversity``, ``nearest_neighbours``,
  ``fd_over_floor_repeats``: what the judge says about a set of samples beyond FD and coverage
  (how sure it is, how varied the samples are, how close to training digits, how noisy the FD is).

Images are in [-1, 1] inside the GAN (G ends with tanh); ``sample`` maps them to
[0, 1] for the judge and the figures.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from genlab import checkpoints
from genlab.train import EMA, History, run

Z_DIM = 64
# The recipe's settings (python -m genlab.recipes dcgan_mnist); the chapter uses the same.
DCGAN_CONFIG = {
    "z_dim": Z_DIM,
    "channels": 32,
    "n_classes": 10,
    "lr": 2e-4,
    "betas": [0.5, 0.999],
    "batch_size": 64,
    "steps": 10000,
    "seconds": 660,
    "cpu_threads": 1,
    "ema_decay": 0.999,
    "select_every": 1000,
    "select_samples": 2000,
    "select_seed": 99,
    "seed": 0,
    "loss": "non-saturating",
    "eval_samples": 2000,
    "eval_seed": 1234,
}
# The unconditional DCGAN (python -m genlab.recipes dcgan_uncond_mnist), chapter 3's headline:
# the same generator and settings without labels, a discriminator with spectral normalisation
# in place of batch norm (with batch norm, DCGAN_UNCOND_BN_CONFIG, it covers the digits worse),
# a budget in steps (with a time cap as a guard), and the snapshots judged against real part 1
# (``select_real_part``), a pool disjoint from part 0, which the final evaluation uses.
DCGAN_UNCOND_CONFIG = dict(
    DCGAN_CONFIG, n_classes=0, spectral_norm=True, steps=12000, seconds=690, select_real_part=1
)
# The same with the batch-norm discriminator of the DCGAN paper (python -m genlab.recipes
# dcgan_uncond_bn_mnist): chapter 3's evidence for what spectral normalisation changes.
DCGAN_UNCOND_BN_CONFIG = dict(DCGAN_UNCOND_CONFIG, spectral_norm=False)
READABLE = 0.9  # the judge's confidence (softmax probability of its class) above which a digit is "read"


class MLPGenerator(nn.Module):
    """z (N, z_dim) -> image (N, 1, 28, 28) in [-1, 1]: two hidden dense layers with ReLU, tanh output."""

    def __init__(self, z_dim: int = Z_DIM, hidden: int = 256) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.net = nn.Sequential(
            nn.Linear(z_dim, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 2 * hidden),
            nn.ReLU(),
            nn.Linear(2 * hidden, 784),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, 1, 28, 28)


class MLPDiscriminator(nn.Module):
    """image (N, 1, 28, 28) in [-1, 1] -> logit (N,): two hidden dense layers with LeakyReLU(0.2)."""

    def __init__(self, hidden: int = 256) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 2 * hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(2 * hidden, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


class DCGenerator(nn.Module):
    """DCGAN generator: z (N, z_dim) -> (N, 1, 28, 28) in [-1, 1].

        z -> dense -> (2c, 7, 7) -> BN, ReLU -> ConvT 4x4 stride 2 -> (c, 14, 14) -> BN, ReLU
          -> ConvT 4x4 stride 2 -> (1, 28, 28) -> tanh

    A transposed convolution with kernel 4, stride 2 and padding 1 doubles the size.
    With ``n_classes > 0`` it is class-conditional (Mirza and Osindero 2014): the label,
    one-hot, is appended to z, and ``forward(z, y)`` draws digit ``y``.
    """

    def __init__(self, z_dim: int = Z_DIM, channels: int = 64, n_classes: int = 0) -> None:
        super().__init__()
        self.z_dim, self.n_classes, c = z_dim, n_classes, channels
        self.project = nn.Linear(z_dim + n_classes, 2 * c * 7 * 7, bias=False)
        self.net = nn.Sequential(
            nn.BatchNorm2d(2 * c),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * c, c, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(),
            nn.ConvTranspose2d(c, 1, kernel_size=4, stride=2, padding=1),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.n_classes:
            z = torch.cat([z, F.one_hot(y, self.n_classes).to(z.dtype)], dim=1)
        return self.net(self.project(z).view(len(z), -1, 7, 7))


class DCDiscriminator(nn.Module):
    """DCGAN discriminator: (N, 1, 28, 28) in [-1, 1] -> logit (N,).

        x -> Conv 4x4 stride 2 -> (c, 14, 14) -> LeakyReLU
          -> Conv 4x4 stride 2 -> (2c, 7, 7) -> BN, LeakyReLU -> dense -> logit

    Strided convolutions replace pooling; no batch norm on the input layer (Radford et al.).
    With ``n_classes > 0`` the label enters as that many constant one-hot input channels.

    With ``spectral=True`` (the unconditional recipe) there is no batch norm; instead every
    layer's weight matrix W (a convolution's kernel as one row per output channel) is divided
    by its largest singular value, W / sigma_max(W), estimated by one step of power iteration
    per training step (spectral normalisation, Miyato et al. 2018). The dense layer then
    stretches no input difference by more than a factor 1, each 4x4 stride-2 convolution by
    at most 2 (every input pixel is in at most 2 x 2 patches), so D by at most 4: its verdict
    changes gradually with its input (chapter 3, section 3.6).
    """

    def __init__(self, channels: int = 64, n_classes: int = 0, spectral: bool = False) -> None:
        super().__init__()
        c, self.n_classes = channels, n_classes
        sn = nn.utils.parametrizations.spectral_norm if spectral else (lambda layer: layer)
        self.net = nn.Sequential(
            sn(nn.Conv2d(1 + n_classes, c, kernel_size=4, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
            sn(nn.Conv2d(c, 2 * c, kernel_size=4, stride=2, padding=1, bias=spectral)),
            nn.Identity() if spectral else nn.BatchNorm2d(2 * c),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            sn(nn.Linear(2 * c * 7 * 7, 1)),
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.n_classes:
            planes = F.one_hot(y, self.n_classes).to(x.dtype)[:, :, None, None]
            x = torch.cat([x, planes.expand(-1, -1, *x.shape[2:])], dim=1)
        return self.net(x).squeeze(1)


def dcgan_init(module: nn.Module) -> None:
    """DCGAN initialisation (Radford et al. 2016): weights ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02).

    Spectrally normalised layers keep PyTorch's default initialisation: their weight is
    rescaled to sigma_max(W) = 1 anyway."""
    if nn.utils.parametrize.is_parametrized(module):
        return
    if isinstance(module, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def new_dcgan(
    z_dim: int = Z_DIM, channels: int = 64, n_classes: int = 0, spectral: bool = False
) -> tuple[DCGenerator, DCDiscriminator]:
    """A fresh DCGAN pair, initialised as in the paper (class-conditional if ``n_classes > 0``;
    a spectrally normalised discriminator if ``spectral``)."""
    generator = DCGenerator(z_dim, channels, n_classes)
    discriminator = DCDiscriminator(channels, n_classes, spectral)
    generator.apply(dcgan_init)
    discriminator.apply(dcgan_init)
    return generator, discriminator


def d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The discriminator's loss: -mean log D(x) - mean log(1 - D(G(z))), from logits.

    It is the log-loss of chapter 1 with label 1 for real and 0 for generated images.
    """
    return F.binary_cross_entropy_with_logits(
        real_logits, torch.ones_like(real_logits)
    ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def g_loss(fake_logits: torch.Tensor, saturating: bool = False) -> torch.Tensor:
    """The generator's loss, from the logits of D on generated images.

    Non-saturating (the default): -mean log D(G(z)) = mean softplus(-logit).
    Saturating (the minimax game as written): mean log(1 - D(G(z))) = -mean softplus(logit).
    """
    if saturating:
        return -F.softplus(fake_logits).mean()
    return F.softplus(-fake_logits).mean()


def make_step(
    generator: nn.Module,
    discriminator: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    saturating: bool = False,
    g_steps: int = 1,
) -> Callable[[torch.Tensor], dict[str, float]]:
    """One GAN training step for ``genlab.train.run``: update D once, then G ``g_steps`` times.

    The batch is real images in [-1, 1], shape (N, 1, 28, 28), or for a class-conditional
    pair (``generator.n_classes > 0``) a tuple (images, labels); generated images then get
    uniformly drawn labels. Returns
    ``loss_D``, ``loss_G``, ``D_real`` (mean D(x)) and ``D_fake`` (mean D(G(z)) before G's update).
    """
    device = next(generator.parameters()).device

    classes = getattr(generator, "n_classes", 0)

    def step(batch: torch.Tensor | tuple[torch.Tensor, torch.Tensor]) -> dict[str, float]:
        real, y_real = (batch[0].to(device), batch[1].to(device)) if classes else (batch.to(device), None)
        n = len(real)
        y_fake = torch.randint(classes, (n,), device=device) if classes else None
        gen = (lambda z: generator(z, y_fake)) if classes else generator  # noqa: E731
        dis = (lambda x, y: discriminator(x, y)) if classes else (lambda x, y: discriminator(x))  # noqa: E731
        # 1. Discriminator: push D(x) up and D(G(z)) down; G is held fixed (detach).
        fake = gen(torch.randn(n, generator.z_dim, device=device))
        real_logits, fake_logits = dis(real, y_real), dis(fake.detach(), y_fake)
        loss_d = d_loss(real_logits, fake_logits)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        # 2. Generator: push D(G(z)) up through the updated D (only G's optimiser steps).
        for i in range(g_steps):
            if i > 0:  # extra G updates draw new noise
                fake = gen(torch.randn(n, generator.z_dim, device=device))
            loss_g = g_loss(dis(fake, y_fake), saturating)
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
        return {
            "loss_D": loss_d.item(),
            "loss_G": loss_g.item(),
            "D_real": torch.sigmoid(real_logits).mean().item(),
            "D_fake": torch.sigmoid(fake_logits).mean().item(),
        }

    return step


def adam_pair(
    generator: nn.Module, discriminator: nn.Module, lr: float = 2e-4, betas=(0.5, 0.999)
) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Adam for G and for D with the DCGAN settings: learning rate 2e-4, beta1 = 0.5."""
    return (
        torch.optim.Adam(generator.parameters(), lr=lr, betas=tuple(betas)),
        torch.optim.Adam(discriminator.parameters(), lr=lr, betas=tuple(betas)),
    )


def real_batches(
    images: torch.Tensor, batch_size: int = 64, seed: int = 0, labels: torch.Tensor | None = None
) -> Callable[[], torch.Tensor | tuple[torch.Tensor, torch.Tensor]]:
    """Endless random batches of real images mapped from [0, 1] to [-1, 1] (x -> 2x - 1), seeded.

    With ``labels``, each batch is (images, labels), for a class-conditional GAN.
    """
    scaled = images * 2.0 - 1.0
    gen = torch.Generator().manual_seed(seed)

    def batch() -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        index = torch.randint(len(scaled), (batch_size,), generator=gen)
        return scaled[index] if labels is None else (scaled[index], labels[index])

    return batch


@torch.no_grad()
def sample(
    generator: nn.Module,
    n: int,
    seed: int = 0,
    z: torch.Tensor | None = None,
    labels: torch.Tensor | None = None,
    batch: int = 500,
) -> torch.Tensor:
    """``n`` images in [0, 1], shape (n, 1, 28, 28), from a generator in eval mode, on the CPU.

    The noise is seeded (``seed``) unless ``z`` is given. A class-conditional generator
    draws ``labels`` (by default 0, 1, ..., 9, 0, 1, ...: every digit equally often;
    see ``balanced_labels``). The generator is left in eval mode.
    """
    generator.eval()
    device = next(generator.parameters()).device
    if z is None:
        z = torch.randn(n, generator.z_dim, generator=torch.Generator().manual_seed(seed))
    classes = getattr(generator, "n_classes", 0)
    if classes and labels is None:
        labels = balanced_labels(len(z), classes)
    out = []
    for i in range(0, len(z), batch):
        args = (z[i : i + batch].to(device),)
        if classes:
            args += (labels[i : i + batch].to(device),)
        out.append(generator(*args).cpu())
    return (torch.cat(out) + 1.0) / 2.0


def balanced_labels(n: int, n_classes: int = 10) -> torch.Tensor:
    """The labels 0, 1, ..., n_classes - 1, 0, 1, ... (``n`` of them): each class equally often."""
    return torch.arange(n) % n_classes


def train_dcgan(
    images: torch.Tensor,
    steps: int | None = None,
    seconds: float | None = None,
    config: dict = DCGAN_CONFIG,
    labels: torch.Tensor | None = None,
    device: torch.device | str = "cpu",
    progress: bool = True,
    select_every: int | None = None,
) -> tuple[DCGenerator, DCDiscriminator, History]:
    """Train a fresh DCGAN on ``images`` (in [0, 1]) for a budget of steps or seconds.

    With ``config["n_classes"] > 0`` the pair is class-conditional and needs ``labels``.
    Seeded from ``config["seed"]``; Adam(2e-4, betas (0.5, 0.999)); the non-saturating G loss,
    or the saturating one of the minimax game when ``config["loss"] == "minimax"``.
    Returns the generator to sample from, the discriminator and the history. The
    generator returned is an exponential moving average (EMA) of the trained one's
    weights, theta_ema <- d theta_ema + (1 - d) theta with d = min(ema_decay, (1 + t) / (10 + t))
    at step t: it averages out the oscillation of the game (Yazici et al. 2019).

    With ``select_every`` (the recipe), the EMA generator is judged every that many
    steps on ``config["select_samples"]`` samples drawn with ``config["select_seed"]``
    (not the evaluation seed), and the best snapshot is returned: all ten classes at
    5% or more first, then the lowest FD. The FD is measured against real part
    ``config.get("select_real_part", 0)`` of ``genlab.eval.mnist.real_digits`` (part 0 is the
    pool of the final evaluation; part 1 is disjoint from it). ``history.values`` then also holds ``select_fd``
    and ``select_min_share`` per snapshot, and ``history.selected_step`` the step kept.
    """
    torch.manual_seed(config["seed"])
    classes = config.get("n_classes", 0)
    generator, discriminator = new_dcgan(config["z_dim"], config["channels"], classes,
                                         config.get("spectral_norm", False))
    generator, discriminator = generator.to(device), discriminator.to(device)
    opt_g, opt_d = adam_pair(generator, discriminator, config["lr"], config["betas"])
    saturating = config.get("loss", "non-saturating") == "minimax"  # minimax: log(1 - D(G(z)))
    gan_step = make_step(generator, discriminator, opt_g, opt_d, saturating=saturating)
    ema = EMA(generator, decay=0.0)
    batches = real_batches(
        images, config["batch_size"], config["seed"], labels=labels if classes else None
    )
    generator.train()
    discriminator.train()
    count = [0]

    def step(real: torch.Tensor) -> dict[str, float]:
        out = gan_step(real)
        ema.decay = min(config["ema_decay"], (1.0 + count[0]) / (10.0 + count[0]))
        ema.update(generator)
        count[0] += 1
        return out

    if select_every is None:
        history = run(step, batches, steps=steps, seconds=seconds, progress=progress)
        return ema.model.eval(), discriminator.eval(), history
    return _train_and_select(step, batches, ema, discriminator, steps, seconds, config,
                             select_every, progress)


def _train_and_select(step, batches, ema, discriminator, steps, seconds, config, every, progress):
    """``run`` in chunks of ``every`` steps, judging the EMA generator after each (see train_dcgan)."""
    import copy
    import time

    from genlab.eval import mnist as judge_eval

    history, best, best_key = History(), None, None
    n_select = config["select_samples"]
    real_part = config.get("select_real_part", 0)
    real_features = judge_eval.judge_features(judge_eval.real_digits(n_select, real_part))
    start = time.perf_counter()
    while (steps is None or history.steps < steps) and (
        seconds is None or time.perf_counter() - start < seconds
    ):
        left = None if seconds is None else seconds - (time.perf_counter() - start)
        chunk = every if steps is None else min(every, steps - history.steps)
        part = run(step, batches, steps=chunk, seconds=left, progress=progress)
        for name, values in part.values.items():
            history.values.setdefault(name, []).extend(values)
        history.steps += part.steps
        snapshot = copy.deepcopy(ema.model).cpu().eval()
        images = sample(snapshot, n_select, seed=config["select_seed"])
        coverage = judge_eval.class_coverage(images)
        fd = judge_eval.frechet_distance(judge_eval.judge_features(images), real_features)
        history.values.setdefault("select_fd", []).append(fd)
        history.values.setdefault("select_min_share", []).append(float(coverage.min()))
        key = (coverage.min() < 0.05, fd)  # covering every class first, then the lowest FD
        if progress:
            print(f"step {history.steps}: selection FD {fd:.1f}, rarest class {coverage.min():.3f}")
        if best_key is None or key < best_key:
            best, best_key, history.selected_step = snapshot, key, history.steps
        if part.steps < chunk:  # the time budget ran out inside this chunk
            break
    history.seconds = time.perf_counter() - start
    return best, discriminator.eval(), history


def measure_generator(generator: nn.Module, n: int = 2000, seed: int = 1234) -> dict:
    """The judge's verdict on ``n`` samples (seeded): FD to real digits, the floor, FD / floor, coverage.

    Measured on the CPU in float32 from the weights rounded to float16 as they are stored, so the
    loaded checkpoint gives the same numbers.
    """
    from genlab.eval import mnist as judge_mnist

    generator = checkpoints.round_as_stored(generator.cpu().eval())
    images = sample(generator, n, seed=seed)
    metrics = judge_mnist.sample_metrics(images, seed)
    if getattr(generator, "n_classes", 0):
        labels = balanced_labels(n, generator.n_classes)
        metrics["conditional_accuracy"] = round(judge_mnist.conditional_accuracy(images, labels), 4)
    readable, unreadable = readable_coverage(images)
    metrics["readable_coverage"] = [round(float(c), 4) for c in readable]
    metrics["unreadable_share"] = round(unreadable, 4)
    metrics["feature_diversity"] = round(feature_diversity(images), 3)
    metrics["fd_over_floor_repeats"] = [round(r, 3) for r in fd_over_floor_repeats(generator, n, seed)]
    return metrics


# --- Reading a generator's samples with the judge (chapter 3) ------------------------------


def judge_read(images: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """What the MNIST judge reads in each image, and how sure it is: (class (N,), confidence (N,)).

    The confidence is the judge's softmax probability of the class it reads (chapter 2).
    Real test digits are read with confidence above ``READABLE`` = 0.9 almost always; an image
    that is no digit at all still gets a class (the largest logit), but a low confidence.
    """
    from genlab.eval import mnist as judge_mnist

    features = torch.from_numpy(judge_mnist.judge_features(images)).float()  # (N, 128)
    with torch.no_grad():
        probabilities = torch.softmax(judge_mnist.judge().head(features), dim=1)  # (N, 10)
    confidence, classes = probabilities.max(dim=1)
    return classes.numpy(), confidence.numpy()


def readable_coverage(images: torch.Tensor, threshold: float = READABLE) -> tuple[np.ndarray, float]:
    """Class coverage of the digits the judge reads with confidence >= ``threshold``.

    Returns the share of all images read as each class 0..9 with that confidence, shape (10,),
    and the share of *unreadable* images (confidence below the threshold); together they sum to 1.
    """
    classes, confidence = judge_read(images)
    readable = confidence >= threshold
    shares = np.bincount(classes[readable], minlength=10) / max(len(classes), 1)
    return shares, float(1.0 - readable.mean())


def feature_diversity(images: torch.Tensor, n: int = 500) -> float:
    """Mean Euclidean distance between the judge features of two different images, over the first ``n``.

    A collapsed generator, whose images all look alike to the judge, scores far below real digits.
    """
    from genlab.eval import mnist as judge_mnist

    features = torch.from_numpy(judge_mnist.judge_features(images[:n]))  # (n, 128) float64
    distances = torch.cdist(features, features)  # (n, n), zero on the diagonal
    return float(distances.sum() / (len(features) * (len(features) - 1)))


def nearest_neighbours(
    images: torch.Tensor, reference: torch.Tensor, batch: int = 500
) -> tuple[torch.Tensor, torch.Tensor]:
    """For each image, the Euclidean pixel distance to the nearest ``reference`` image, and its index.

    Both are in [0, 1], shaped (N, 1, 28, 28) and (M, 1, 28, 28); returns (N,) distances, (N,) indices.
    A generator that memorised its training set has distances near 0.
    """
    a, b = images.flatten(1).double(), reference.flatten(1).double()
    distances, indices = [], []
    for i in range(0, len(a), batch):
        d, j = torch.cdist(a[i : i + batch], b).min(dim=1)
        distances.append(d)
        indices.append(j)
    return torch.cat(distances).float(), torch.cat(indices)


def fd_over_floor_repeats(generator: nn.Module, n: int = 2000, seed: int = 1234,
                          repeats: int = 5) -> list[float]:
    """FD / floor for ``repeats`` draws: draw r uses sample seed ``seed + r`` and real pools of seed r.

    Draw 0 is the standard evaluation (``measure_generator``). The spread over draws shows how
    much of a difference between two models is noise of the 2,000 samples and of the real pools.
    A class-conditional generator gets balanced labels.
    """
    from genlab.eval import mnist as judge_mnist

    ratios = []
    for r in range(repeats):
        images = sample(generator, n, seed=seed + r)
        ratios.append(judge_mnist.fd_to_real(images, seed=r) / judge_mnist.fd_floor(n, seed=r))
    return ratios
