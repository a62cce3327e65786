"""Chapter 2 with the sizes of full MNIST (Colab, online): 10,000 test digits, 60,000 training digits.

The FD reference pool is always the committed subset, so two disjoint sets of 10,000 real
digits do not fit in it: the chapter and the recipe must ask for floors that fit.
"""

import numpy as np
import pytest
import torch

import genlab.eval
from genlab.data.mnist import load_offline
from genlab.eval import mnist as judge_eval
from genlab.models.cnn import SmallCNN

N_TEST_ONLINE = 10_000  # MNIST's official test split
N_SMALL = 1000  # the smaller n of the chapter's section 2.10 (cell c51)


def test_the_pool_cannot_hold_two_sets_of_the_online_test_size():
    pool = len(load_offline("train")[0])
    assert 2 * N_TEST_ONLINE > pool
    with pytest.raises(ValueError):
        judge_eval.real_digits(N_TEST_ONLINE)


def test_section_2_10_floors_fit_the_pool():
    pool = len(load_offline("train")[0])
    assert 2 * max(N_SMALL, judge_eval.EVAL_SIZE) <= pool
    small, usual = genlab.eval.fd_floor(N_SMALL), genlab.eval.fd_floor(judge_eval.EVAL_SIZE)
    assert small > usual > 0  # fewer digits, a higher floor


def test_class_coverage_matches_unbalanced_label_shares():
    images, labels = load_offline("test")
    keep = (labels != 3) | (torch.arange(len(labels)) % 3 == 0)  # drop two thirds of the 3s
    images, labels = images[keep], labels[keep]
    shares = np.bincount(labels.numpy(), minlength=10) / len(labels)
    assert np.abs(genlab.eval.class_coverage(images) - shares).max() < 0.01
    assert np.abs(shares - 0.1).max() > 0.02  # the balanced assumption would be wrong here


def test_measure_judge_with_the_online_test_size(monkeypatch):
    train = load_offline("train")
    test_images = torch.rand(N_TEST_ONLINE, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    test_labels = torch.arange(N_TEST_ONLINE) % 10
    monkeypatch.setattr(
        judge_eval, "load_mnist", lambda split="train": train if split == "train" else (test_images, test_labels)
    )
    torch.manual_seed(0)
    model = SmallCNN(channels=(2, 4))  # small and untrained: only the sizes matter here
    metrics = judge_eval.measure_judge(model)
    assert metrics["test_split"] == f"test, {N_TEST_ONLINE} digits"
    assert metrics["fd_floor_n_test_n"] == len(train[0]) // 2
    assert np.isfinite(metrics["fd_floor_n_test"]) and metrics["fd_floor_n_test"] >= 0
