"""The Colab path of the notebooks' setup cell, run against a local clone instead of the public URL."""

import os
import subprocess
import sys

import pytest
from book_toc import ROOT

SETUP_CELL = (ROOT / "tests" / "setup_cell.py").read_text()
CHECK = """
import pathlib, genlab
from genlab import config
from genlab.data.mnist import load_mnist
here = pathlib.Path.cwd().resolve()
assert pathlib.Path(genlab.__file__).resolve().is_relative_to(here / "genai-from-scratch"), genlab.__file__
assert config.repo_root() == here / "genai-from-scratch"
assert (config.data_dir() / "mnist_offline.npz").is_file()
assert config.checkpoints_dir().is_dir()
images, labels = load_mnist("test")
assert images.shape == (1500, 1, 28, 28)
print("COLAB SETUP OK")
"""


@pytest.mark.skipif(
    subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True).returncode != 0,
    reason="the repository has no commit to clone yet",
)
def test_setup_cell_clones_the_repository_and_finds_data(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("GENLAB_ROOT", "PYTHONPATH")}
    env.update(
        GENLAB_CLONE_SETUP="1",
        GENLAB_REPO_URL=f"file://{ROOT}",
        GENLAB_OFFLINE="1",
        MPLBACKEND="Agg",
    )
    for attempt in range(
        2
    ):  # the second run reuses the existing clone, as a re-run cell on Colab does
        out = subprocess.run(
            [sys.executable, "-c", SETUP_CELL + CHECK],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        assert "course data: found" in out.stdout and "COLAB SETUP OK" in out.stdout, (
            attempt,
            out.stdout,
        )
