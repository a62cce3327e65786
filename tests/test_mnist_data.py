"""genlab.data.mnist: the offline subset's shapes, ranges, split, and its clear errors."""

import shutil

import numpy as np
import pytest
import torch

from genlab import config
from genlab.data import mnist


@pytest.fixture(scope="module")
def splits():
    return {split: mnist.load_mnist(split) for split in ("train", "test")}


@pytest.mark.parametrize("split, n", [("train", 8500), ("test", 1500)])
def test_shapes_types_and_ranges(splits, split, n):
    images, labels = splits[split]
    assert images.shape == (n, 1, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (n,) and labels.dtype == torch.int64
    assert images.min() == 0.0 and images.max() == 1.0
    assert set(labels.unique().tolist()) == set(range(10))
    # real digits: mostly dark background with some ink (about 10-25% of the pixels)
    ink = (images > 0.5).float().mean().item()
    assert 0.05 < ink < 0.3, ink


def test_split_is_stratified_150_per_class_in_test(splits):
    # The npm files hold the first 10,000 MNIST training digits with their natural class
    # counts (1,001 zeros, 1,127 ones, ...); each class gives exactly 150 to the test split
    # and the rest, 8,500 in all, to the train split.
    assert np.bincount(splits["test"][1].numpy(), minlength=10).tolist() == [150] * 10
    per_class = np.bincount(splits["train"][1].numpy(), minlength=10)
    assert per_class.tolist() == [851, 977, 841, 882, 830, 713, 864, 920, 794, 828]
    assert (per_class + 150).tolist() == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]


def test_train_and_test_do_not_share_digits(splits):
    def rows(images):
        return {
            bytes(row)
            for row in (images * 255).round().to(torch.uint8).reshape(len(images), -1).numpy()
        }

    assert not rows(splits["train"][0]) & rows(splits["test"][0])


def test_offline_flag_is_honoured_and_said(capsys, monkeypatch):
    monkeypatch.setenv("GENLAB_OFFLINE", "1")
    assert mnist.offline_forced()
    _, labels = mnist.load_mnist("test")
    out = capsys.readouterr().out
    assert "offline subset" in out and "1,500 digits" in out and len(labels) == 1500


def test_bad_split_name():
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        mnist.load_mnist("validation")
    with pytest.raises(ValueError, match="split"):
        mnist.load_offline("TRAIN")


def _copy_to(tmp_path, damage: bool):
    (tmp_path / "data").mkdir()
    target = tmp_path / "data" / mnist.OFFLINE_FILE
    shutil.copy(config.data_dir() / mnist.OFFLINE_FILE, target)
    if damage:
        raw = bytearray(target.read_bytes())
        raw[len(raw) // 2] ^= 0xFF  # flip one byte in the middle
        target.write_bytes(bytes(raw))
    return target


def test_a_good_copy_elsewhere_loads(tmp_path, monkeypatch):
    _copy_to(tmp_path, damage=False)
    monkeypatch.setenv("GENLAB_ROOT", str(tmp_path))
    images, labels = mnist.load_mnist("test")
    assert images.shape == (1500, 1, 28, 28)


def test_a_damaged_copy_says_how_to_get_the_data_back(tmp_path, monkeypatch):
    _copy_to(tmp_path, damage=True)
    monkeypatch.setenv("GENLAB_ROOT", str(tmp_path))
    with pytest.raises(OSError, match="damaged") as info:
        mnist.load_mnist("train")
    message = str(info.value)
    assert "git checkout -- data/mnist_offline.npz" in message
    assert "make_mnist_offline.py" in message and "mnist@1.1.0" in message


def test_a_missing_file_says_how_to_get_the_data_back(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("GENLAB_ROOT", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="missing") as info:
        mnist.load_mnist("test")
    assert "git checkout" in str(info.value) and "data/README.md" in str(info.value)
