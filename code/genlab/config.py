"""Where things are and what runs where: device, seeds, threads, paths, Colab, full-vs-demo training.

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
import threadpoolctl
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


def blas_threads() -> list[int]:
    """The number of threads of each BLAS library (OpenBLAS, MKL...) loaded in this process."""
    return [info["num_threads"] for info in threadpoolctl.threadpool_info()
            if info["user_api"] == "blas"]


def limit_threads(n: int = 1, blas: int = 1) -> int:
    """Use ``n`` threads for torch and ``blas`` threads for NumPy's BLAS; returns how many BLAS libraries are loaded.

    Why (chapter 2): NumPy's matrix products run on OpenBLAS, which starts one
    thread per core and lets idle threads *spin*, waiting for work; torch keeps
    its own pool of threads too. On a 2-core machine that runs both, or shares
    its cores with another job, these threads fight for the cores
    (oversubscription), and chapter 2's NumPy MLP trains several times slower
    than with one BLAS thread. The course's networks are small (batches of 128)
    and gain little from a second thread, and one thread gives the same numbers
    on every machine, so the chapters call ``limit_threads(1, blas=1)``.

    ``threadpoolctl`` sets the BLAS threads after ``import numpy`` (the
    ``OPENBLAS_NUM_THREADS`` variable only works if set before). Returns the number
    of BLAS libraries loaded (each one is limited).
    """
    torch.set_num_threads(n)
    threadpoolctl.threadpool_limits(limits=blas, user_api="blas")
    return len(blas_threads())
