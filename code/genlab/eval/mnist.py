"""The MNIST judge and the metrics every generative chapter is measured with (built in chapter 2).

The judge is the small CNN of chapter 2 (``genlab.models.cnn.SmallCNN``), trained
by ``python -m genlab.recipes mnist_judge`` and stored in ``data/checkpoints/``.
It is loaded once, on first use, and kept. It runs on the CPU, so every machine
gets the same numbers. Images are digits in [0, 1], shaped (N, 1, 28, 28),
(N, 28, 28) or (N, 784), as torch tensors or NumPy arrays.

- ``judge_features(images)``: the judge's penultimate layer, (N, 128) float64.
- ``frechet_distance(a, b)``: the Fréchet distance between two sets of features.
- ``fd_floor(n)``: the distance between two disjoint sets of n real digits, the
  best a generator can hope for with n samples.
- ``fd_to_real(images)``: the distance from generated digits to as many real ones.
  The real digits of ``fd_floor`` and ``fd_to_real`` always come from the committed
  offline subset, so the numbers do not depend on network access.
- ``class_coverage(images)``: the share of each class among the images, as the judge reads them.
- ``conditional_accuracy(images, labels)``: how often the judge reads the asked-for class.
- ``gaussian_blur`` and ``add_noise``: two corruptions of real digits, for testing the metric.
- ``train_judge`` and ``measure_judge``: what the recipe ``mnist_judge`` runs.

Why a judge? The likelihood of a GAN's samples cannot be computed, and pixel
distances say little about whether a digit looks right. So we describe each
image by what a good classifier sees in it (its features) and compare the two
clouds of features, real and generated, by their means and covariances:
the Fréchet Inception Distance of Heusel et al. (2017), with our MNIST CNN in
place of the Inception network.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from genlab import checkpoints
from genlab.data.mnist import OFFLINE_ENV, OFFLINE_FILE, load_mnist, load_offline, offline_forced
from genlab.models.cnn import SmallCNN, accuracy, train_classifier
from genlab.train import History

JUDGE_NAME = "mnist_judge"
EVAL_SIZE = 2000  # how many samples the generative chapters judge; the floor uses the same n
FLOOR_SEED = 0
BLUR_SIGMA = 1.0  # pixels, for the "blurred test split" reference number
NOISE_STD = 0.3  # for the "noisy test split" reference number
# The recipe's settings (python -m genlab.recipes mnist_judge); the judge is built with them.
JUDGE_CONFIG = {
    "channels": [16, 32],
    "dropout": 0.3,
    "epochs": 30,
    "lr": 2e-3,
    "batch_size": 128,
    "augment": "random shifts up to 2 px and rotations up to 10 degrees",
    "seed": 0,
}


def new_judge() -> SmallCNN:
    """An untrained CNN with the judge's architecture (``JUDGE_CONFIG``)."""
    channels = JUDGE_CONFIG["channels"]
    return SmallCNN(channels=(channels[0], channels[1]), dropout=JUDGE_CONFIG["dropout"])


@lru_cache(maxsize=1)
def judge() -> SmallCNN:
    """The pretrained judge, in eval mode on the CPU (loaded once, then cached).

    A missing or damaged checkpoint raises ``genlab.checkpoints.CheckpointError``,
    which names the recipe that recreates it.
    """
    model = new_judge()
    checkpoints.load_into(model, JUDGE_NAME)
    return model.eval().requires_grad_(False)


def as_digits(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Images as a float32 CPU tensor (N, 1, 28, 28), clipped to [0, 1].

    Raises ``ValueError`` for images that look like they are in [-1, 1]
    (convert them with ``(x + 1) / 2`` first).
    """
    x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
    x = x.detach().float().cpu().reshape(-1, 1, 28, 28)
    if x.numel() and x.min() < -0.5:
        raise ValueError("the judge expects digits in [0, 1]; for [-1, 1] pass (x + 1) / 2")
    return x.clamp(0.0, 1.0)


@torch.no_grad()
def _judge_outputs(
    images: torch.Tensor | np.ndarray, model: SmallCNN | None = None, batch: int = 500
) -> tuple[np.ndarray, np.ndarray]:
    """(features (N, 128) float64, logits (N, 10) float64) of the judge, or of ``model`` if given."""
    model = model or judge()
    model.eval()
    device = next(model.parameters()).device
    x = as_digits(images)
    features, logits = [], []
    for i in range(0, len(x), batch):
        f = model.features(x[i : i + batch].to(device))
        features.append(f.double().cpu())
        logits.append(model.head(f).double().cpu())
    if not features:
        return np.zeros((0, model.head.in_features)), np.zeros((0, 10))
    return torch.cat(features).numpy(), torch.cat(logits).numpy()


def judge_features(images: torch.Tensor | np.ndarray, model: SmallCNN | None = None) -> np.ndarray:
    """The judge's penultimate layer (its 128 features after ReLU) for each image: (N, 128), float64.

    ``model`` replaces the committed judge (the recipe uses it on a judge it has just trained).
    """
    return _judge_outputs(images, model)[0]


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The Fréchet distance between Gaussians fitted to two sets of features (rows are samples).

        FD = ||mu_a - mu_b||^2 + Tr(Sigma_a + Sigma_b - 2 (Sigma_a Sigma_b)^(1/2))

    with mu and Sigma the mean and covariance of each set (Heusel et al. 2017,
    "GANs trained by a two time-scale update rule converge to a local Nash
    equilibrium"; chapter 2). It is the squared 2-Wasserstein distance between
    the two Gaussians: 0 for identical statistics, and it grows as the sets drift
    apart in mean or in shape. Computed in float64; the trace of the square root
    is the sum of sqrt(eigenvalues) of the symmetric matrix
    Sigma_a^(1/2) Sigma_b Sigma_a^(1/2), which has the same eigenvalues as
    Sigma_a Sigma_b and is stable to compute. The result is never negative.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"features must be (N, D) with the same D, got {a.shape} and {b.shape}")
    if len(a) < 2 or len(b) < 2:
        raise ValueError("each set needs at least 2 samples to have a covariance")
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    # np.cov returns a 0-d array for one feature: keep it a (1, 1) matrix
    sigma_a = np.atleast_2d(np.cov(a, rowvar=False))
    sigma_b = np.atleast_2d(np.cov(b, rowvar=False))
    eigval_a, eigvec_a = np.linalg.eigh(sigma_a)
    sqrt_a = (eigvec_a * np.sqrt(np.clip(eigval_a, 0.0, None))) @ eigvec_a.T  # Sigma_a^(1/2)
    middle = sqrt_a @ sigma_b @ sqrt_a
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0.0, None)).sum()
    fd = np.sum((mu_a - mu_b) ** 2) + np.trace(sigma_a) + np.trace(sigma_b) - 2.0 * trace_sqrt
    return float(max(fd, 0.0))


@lru_cache(maxsize=1)
def _train_images() -> torch.Tensor:
    """The pool every set of real reference digits is drawn from: the committed offline training digits.

    Always these 8,500 digits (``load_offline``), online or not: with the network,
    ``load_mnist`` would give the 60,000 digits of full MNIST instead, and every FD,
    floor and FD / floor would change with network access. Fixed, they match the
    numbers stored in the checkpoints' metadata on every machine.
    """
    images, _ = load_offline("train")
    reason = f"{OFFLINE_ENV} is set" if offline_forced() else "the judge's fixed reference pool"
    print(f"MNIST train: offline subset data/{OFFLINE_FILE}, {len(images):,} digits ({reason})")
    return images


def real_digits(n: int, part: int = 0, seed: int = FLOOR_SEED) -> torch.Tensor:
    """``n`` real training digits: part 0 or 1 of a seeded shuffle, so the two parts never overlap.

    They come from the committed offline subset (``_train_images``), whatever ``load_mnist`` gives.
    """
    images = _train_images()
    if 2 * n > len(images):
        raise ValueError(
            f"two disjoint sets of {n} need {2 * n} digits; the train split has {len(images)}"
        )
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    return images[order[part * n : (part + 1) * n]]


@lru_cache(maxsize=8)
def _real_features(n: int, part: int, seed: int) -> np.ndarray:
    features = judge_features(real_digits(n, part, seed))
    features.flags.writeable = False  # cached: nobody may change it
    return features


def fd_floor(n: int = EVAL_SIZE, seed: int = FLOOR_SEED, model: SmallCNN | None = None) -> float:
    """The Fréchet distance between two disjoint sets of ``n`` real training digits.

    Even a perfect generator, whose samples are real digits, scores about this
    much with ``n`` samples, because a mean and covariance estimated from a finite
    set are noisy. Report a model as FD / floor (DESIGN §7); ``n`` must be the
    number of samples judged (2,000 in the generative chapters).
    """
    if model is not None:
        return frechet_distance(
            judge_features(real_digits(n, 0, seed), model),
            judge_features(real_digits(n, 1, seed), model),
        )
    return frechet_distance(_real_features(n, 0, seed), _real_features(n, 1, seed))


def fd_to_real(images: torch.Tensor | np.ndarray, seed: int = FLOOR_SEED) -> float:
    """FD between the images and as many real training digits (part 0 of ``real_digits``).

    The floor for this number is ``fd_floor(len(images))``, which compares part 0
    with the disjoint part 1.
    """
    features = judge_features(images)
    return frechet_distance(features, _real_features(len(features), 0, seed))


def class_coverage(images: torch.Tensor | np.ndarray) -> np.ndarray:
    """The share of the images that the judge puts in each class 0..9: shape (10,), sums to 1.

    A generator that covers all digits has about 0.1 everywhere; a collapsed one
    (chapter 3) has a few large shares and some zeros.
    """
    predictions = _judge_outputs(images)[1].argmax(axis=1)
    return np.bincount(predictions, minlength=10) / max(len(predictions), 1)


def sample_metrics(images: torch.Tensor | np.ndarray, seed: int) -> dict:
    """How the judge scores a generator's samples (stored in each generative checkpoint's metadata).

    FD to as many real digits, the floor for that many, their ratio (DESIGN §7),
    the class coverage and its smallest share. ``seed`` is the seed the samples
    were drawn with, recorded so that the numbers can be reproduced.
    """
    fd, floor = fd_to_real(images), fd_floor(len(images))
    coverage = class_coverage(images)
    return {
        "eval_samples": len(images),
        "eval_seed": seed,
        "fd": round(fd, 3),
        "fd_floor": round(floor, 3),
        "fd_over_floor": round(fd / floor, 3),
        "class_coverage": [round(float(c), 4) for c in coverage],
        "min_class_share": round(float(coverage.min()), 4),
    }


def conditional_accuracy(
    images: torch.Tensor | np.ndarray, labels: torch.Tensor | np.ndarray
) -> float:
    """The share of images that the judge reads as the class they were generated for.

    For a class-conditional generator: ``labels[i]`` is the class asked for image ``i``.
    """
    labels = np.asarray(torch.as_tensor(labels).cpu()).reshape(-1)
    predictions = _judge_outputs(images)[1].argmax(axis=1)
    if len(predictions) != len(labels):
        raise ValueError(f"{len(predictions)} images but {len(labels)} labels")
    return float(np.mean(predictions == labels))


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Each image convolved with a Gaussian of standard deviation ``sigma`` pixels (sigma 0: unchanged)."""
    if sigma <= 0:
        return images.clone()
    radius = int(np.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=images.dtype)
    kernel = torch.exp(-(t**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    x = F.conv2d(images, kernel.view(1, 1, 1, -1), padding=(0, radius))  # along rows
    return F.conv2d(x, kernel.view(1, 1, -1, 1), padding=(radius, 0))  # then along columns


def add_noise(images: torch.Tensor, std: float, seed: int = 0) -> torch.Tensor:
    """Images plus Gaussian noise of standard deviation ``std`` (seeded), clipped to [0, 1]."""
    noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(seed))
    return (images + std * noise.to(images.dtype)).clamp(0.0, 1.0)


def mnist_source(n_train: int) -> str:
    """Which MNIST a training split of ``n_train`` digits came from (recorded in the metadata)."""
    if n_train == 60_000:
        return "full MNIST (torchvision)"
    return f"offline subset data/{OFFLINE_FILE}" if n_train == 8_500 else f"{n_train} digits"


def train_judge(
    device: torch.device | str = "cpu", progress: bool = False
) -> tuple[SmallCNN, History]:
    """Train a new judge on the train split that ``load_mnist`` gives (full MNIST online, else the subset)."""
    images, labels = load_mnist("train")
    model = new_judge().to(device)
    history = train_classifier(
        model,
        images,
        labels,
        epochs=JUDGE_CONFIG["epochs"],
        lr=JUDGE_CONFIG["lr"],
        batch_size=JUDGE_CONFIG["batch_size"],
        augment=True,
        progress=progress,
    )
    return model.cpu().eval(), history


def measure_judge(model: SmallCNN) -> dict:
    """The numbers stored with the judge: test accuracy, the FD floor, FD to blurred and noisy test digits.

    Measured on the weights as they are stored (rounded to float16, in place), so
    that the loaded judge gives exactly these numbers. The second floor is at the
    test split's size, capped at half the reference pool (two disjoint sets must
    fit in it: 10,000 test digits online do not); the n used is ``fd_floor_n_test_n``.
    """
    model = checkpoints.round_as_stored(model.cpu().eval())
    train_images, _ = load_mnist("train")
    test_images, test_labels = load_mnist("test")
    test_features = judge_features(test_images, model)
    n_test = len(test_labels)
    # the second floor is at the test split's size, but two disjoint sets must fit in the pool
    n_floor = min(n_test, len(_train_images()) // 2)
    return {
        "test_accuracy": round(accuracy(model, test_images, test_labels), 5),
        "test_split": f"test, {n_test} digits",
        "mnist_source": mnist_source(len(train_images)),
        "n_train": len(train_images),
        "eval_size": EVAL_SIZE,
        "fd_floor": round(fd_floor(EVAL_SIZE, model=model), 4),
        "fd_floor_n_test": round(fd_floor(n_floor, model=model), 4),
        "fd_floor_n_test_n": n_floor,
        "fd_test_vs_blurred": round(
            frechet_distance(
                test_features, judge_features(gaussian_blur(test_images, BLUR_SIGMA), model)
            ),
            4,
        ),
        "fd_test_vs_noisy": round(
            frechet_distance(
                test_features, judge_features(add_noise(test_images, NOISE_STD), model)
            ),
            4,
        ),
        "blur_sigma": BLUR_SIGMA,
        "noise_std": NOISE_STD,
    }
