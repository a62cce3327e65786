"""Where things are and what runs where: device, seeds, paths, Colab, full-vs-demo training.

Used by every chapter from chapter 1 on. Paths are computed from this file's
location, so they work from any working directory (a notebook in ``book/``, a
test in ``tests/``, a recipe run from the repository root).
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import numpy as np
import torch

# code/genlab/config.py -> the repository root is two folders above the package.
_PACKAGE_DIR = Path(__file__).resolve().parent


def repo_root() -> Path:
    """The course repository's root folder (it holds ``_config.yml`` and ``data/``).

    ``GENLAB_ROOT`` overrides it, for an install that is not a clone.
    """
    override = os.environ.get("GENLAB_ROOT")
    if override:
        return Path(override).resolve()
    return _PACKAGE_DIR.parent.parent


def data_dir() -> Path:
    """The folder of the small offline datasets, ``<repo>/data``."""
    return repo_root() / "data"


def checkpoints_dir() -> Path:
    """The folder of pretrained weights and their metadata, ``<repo>/data/checkpoints``."""
    return data_dir() / "checkpoints"


def on_colab() -> bool:
    """True inside a Google Colab kernel."""
    return "google.colab" in sys.modules


def device() -> torch.device:
    """The best available device: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def train_full_default() -> bool:
    """The default of each chapter's ``TRAIN_FULL`` toggle: True when a GPU is present.

    With a GPU the chapter trains its full recipe; on a CPU it runs a short demo
    and then loads the pretrained checkpoint (DESIGN §3).
    """
    return device().type != "cpu"


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's random generators so that a run repeats exactly.

    On the CPU, seeded torch reproduces bit for bit; on a GPU some kernels do not.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
