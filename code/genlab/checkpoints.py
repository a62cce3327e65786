"""Pretrained weights with their metadata: save, load, and check them (DESIGN §3).

A checkpoint NAME is two files in ``data/checkpoints/``:

- ``NAME.pt``: the model's ``state_dict`` (floating tensors stored in half
  precision to keep the repository small; they load back as float32);
- ``NAME.json``: its metadata: recipe and config, the command that made it,
  the git commit, the device, wall time, steps, the metrics measured at the
  end, and the sha256 of ``NAME.pt``.

The checkpoint NAME is also the name of the recipe that recreates it:
``python -m genlab.recipes NAME``. Loading checks the sha256 and uses
``torch.load(..., weights_only=True)``, which cannot run code from the file.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from pathlib import Path

import torch

from genlab import config


class CheckpointError(RuntimeError):
    """A checkpoint is missing, damaged or does not match its metadata."""


def _paths(name: str, folder: Path | None = None) -> tuple[Path, Path]:
    folder = folder or config.checkpoints_dir()
    return folder / f"{name}.pt", folder / f"{name}.json"


def _recreate(name: str) -> str:
    return f"Recreate it with: python -m genlab.recipes {name}   (or restore it with git checkout)."


def sha256(path: Path) -> str:
    """The sha256 hex digest of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_commit() -> str:
    """The current git commit of the repository, with " (plus uncommitted changes)" when the
    code that trains (the package, its requirements) differs from it, or 'unknown' outside
    a clone. Edits to the book's pages do not count: they cannot change a checkpoint."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=config.repo_root(), capture_output=True,
                              text=True, timeout=10)

    try:
        head, status = git("rev-parse", "HEAD"), git("status", "--porcelain", "--untracked-files=no", "--",
                                                      "code", "pyproject.toml", "requirements.txt")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    dirty = status.returncode == 0 and status.stdout.strip() != ""
    return head.stdout.strip() + (" (plus uncommitted changes)" if dirty else "")


def device_name(device: torch.device | str) -> str:
    """A readable device name for the metadata, e.g. 'cuda: NVIDIA H100' or 'cpu: x86_64, 2 threads'."""
    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    return f"{device.type}: {platform.machine()}, {torch.get_num_threads()} threads"


def save(
    name: str,
    state_dict: dict[str, torch.Tensor],
    *,
    config_: dict,
    steps: int,
    wall_time_s: float,
    metrics: dict,
    device: torch.device | str,
    half: bool = True,
    folder: Path | None = None,
) -> dict:
    """Write ``NAME.pt`` and ``NAME.json``; returns the metadata.

    ``config_`` is the recipe's configuration (the trailing underscore avoids
    shadowing the ``genlab.config`` module).
    """
    weights_path, meta_path = _paths(name, folder)
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {
        k: (v.detach().half() if half and v.is_floating_point() else v.detach()).cpu().contiguous()
        for k, v in state_dict.items()
    }
    torch.save(tensors, weights_path)
    meta = {
        "name": name,
        "recipe": name,
        "command": f"python -m genlab.recipes {name}",
        "argv": " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:]),
        "config": config_,
        "commit": git_commit(),
        "device": device_name(device),
        "torch": torch.__version__,
        "wall_time_s": round(wall_time_s, 1),
        "steps": steps,
        "metrics": metrics,
        "dtype": "float16" if half else "float32",
        "size_bytes": weights_path.stat().st_size,
        "sha256": sha256(weights_path),
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def round_as_stored(model: torch.nn.Module) -> torch.nn.Module:
    """Round the model's floating-point weights in place to float16 and back, as ``save`` stores
    them, and return it: metrics measured afterwards are the ones the loaded checkpoint gives."""
    model.load_state_dict({k: v.half().float() if v.is_floating_point() else v
                           for k, v in model.state_dict().items()})
    return model


def load_metadata(name: str, folder: Path | None = None) -> dict:
    """The metadata of checkpoint NAME; a clear error names the recipe if it is missing."""
    _, meta_path = _paths(name, folder)
    if not meta_path.is_file():
        raise CheckpointError(
            f"No metadata for checkpoint '{name}' at {meta_path}. {_recreate(name)}"
        )
    return json.loads(meta_path.read_text())


def load(name: str, folder: Path | None = None) -> tuple[dict[str, torch.Tensor], dict]:
    """Load checkpoint NAME as (float32 ``state_dict``, metadata), checking its sha256.

    Raises ``CheckpointError`` naming ``python -m genlab.recipes NAME`` when a
    file is missing, its hash differs from the metadata, or it cannot be read.
    """
    weights_path, _ = _paths(name, folder)
    meta = load_metadata(name, folder)
    if not weights_path.is_file():
        raise CheckpointError(
            f"Checkpoint weights '{name}' are missing: {weights_path}. {_recreate(name)}"
        )
    digest = sha256(weights_path)
    if digest != meta["sha256"]:
        raise CheckpointError(
            f"Checkpoint '{name}' is corrupt: sha256 {digest[:12]}... differs from its metadata "
            f"({meta['sha256'][:12]}...). {_recreate(name)}"
        )
    try:
        tensors = torch.load(weights_path, map_location="cpu", weights_only=True)
    except Exception as err:  # unreadable file: say which recipe makes a new one
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise CheckpointError(
            f"Checkpoint '{name}' cannot be read ({reason}). {_recreate(name)}"
        ) from err
    state = {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}
    return state, meta


def load_into(model: torch.nn.Module, name: str, folder: Path | None = None) -> dict:
    """Load checkpoint NAME into ``model`` (strictly: every key must match); returns the metadata."""
    state, meta = load(name, folder)
    model.load_state_dict(state)
    return meta
