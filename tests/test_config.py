import os
import random
import subprocess
import sys

import numpy as np
import torch

from genlab import config


def test_paths_point_into_the_repository():
    root = config.repo_root()
    assert (root / "_config.yml").is_file()
    assert (root / "code" / "genlab" / "config.py").is_file()
    assert config.data_dir() == root / "data"
    assert config.checkpoints_dir() == root / "data" / "checkpoints"
    assert config.checkpoints_dir().is_dir()


def test_paths_work_from_any_working_directory(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", "from genlab import config; print(config.data_dir())"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == str(config.data_dir())


def test_root_override(monkeypatch, tmp_path):
    monkeypatch.setenv("GENLAB_ROOT", str(tmp_path))
    assert config.data_dir() == tmp_path / "data"


def test_device_and_training_switch_agree():
    dev = config.device()
    assert isinstance(dev, torch.device)
    assert config.train_full_default() == (dev.type != "cpu")
    if not torch.cuda.is_available():
        assert dev.type in ("cpu", "mps")


def test_colab_detection(monkeypatch):
    assert config.on_colab() == ("google.colab" in sys.modules)
    monkeypatch.setitem(sys.modules, "google.colab", object())
    assert config.on_colab()


def test_seed_everything_repeats_every_generator():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    config.seed_everything(123)
    first = draw()
    config.seed_everything(123)
    assert draw() == first
    config.seed_everything(124)
    assert draw() != first


def test_limit_threads_sets_torch_and_blas_threads():
    import scipy.linalg  # noqa: F401  (loads SciPy's own OpenBLAS too)

    before = torch.get_num_threads()
    try:
        limited = config.limit_threads(1, blas=1)
        assert torch.get_num_threads() == 1
        counts = config.blas_threads()
        assert limited >= 0 and all(c == 1 for c in counts)
        if sys.platform.startswith("linux") and counts:
            assert limited == len(counts)  # every OpenBLAS of the process was set
        config.limit_threads(before, blas=2)
        assert all(c == 2 for c in config.blas_threads())
    finally:
        config.limit_threads(before, blas=1)


def test_package_is_not_importable_as_code():
    import code

    assert "genlab" not in (code.__file__ or "")
    assert not (config.repo_root() / "code" / "__init__.py").exists()
    assert os.path.basename(os.path.dirname(code.__file__)) != "code"
