"""genlab.eval (the MNIST judge of chapter 2): the committed judge, the Fréchet distance, coverage, accuracy."""

import numpy as np
import pytest
import scipy.linalg
import torch

import genlab.eval
from genlab import checkpoints
from genlab.data.mnist import load_mnist
from genlab.eval import mnist as judge_eval
from genlab.models.cnn import SmallCNN, random_shift_rotate, train_classifier

N = 500  # digits per set in the corruption tests: enough for stable statistics, fast on 2 cores


@pytest.fixture(scope="module")
def test_split():
    return load_mnist("test")


@pytest.fixture(scope="module")
def base(test_split):
    """N test digits and their judge features."""
    images = test_split[0][:N]
    return images, judge_eval.judge_features(images)


def test_committed_judge_loads_and_meets_the_bar(test_split):
    meta = checkpoints.load_metadata("mnist_judge")
    images, labels = test_split
    measured = genlab.eval.conditional_accuracy(images, labels)
    assert measured >= 0.985, measured
    assert measured == pytest.approx(meta["metrics"]["test_accuracy"], abs=1e-4)
    assert meta["metrics"]["mnist_source"] and meta["config"]["seed"] == 0
    assert meta["size_bytes"] < 2_000_000


def test_features_are_the_penultimate_layer(test_split):
    images = test_split[0][:20]
    features = judge_eval.judge_features(images)
    assert features.shape == (20, 128) and features.dtype == np.float64
    assert (features >= 0).all()  # after the ReLU
    logits = judge_eval.judge().head(torch.from_numpy(features).float())
    assert torch.allclose(logits, judge_eval.judge()(images), atol=1e-4)
    # NumPy, (N, 28, 28) and (N, 784) inputs give the same features
    as_numpy = images.numpy()
    assert np.allclose(judge_eval.judge_features(as_numpy.reshape(20, 28, 28)), features)
    assert np.allclose(judge_eval.judge_features(as_numpy.reshape(20, 784)), features)


def test_images_in_minus_one_one_are_refused(test_split):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        judge_eval.judge_features(test_split[0][:4] * 2 - 1)


def test_frechet_distance_matches_the_textbook_formula():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6))
    b = rng.normal(size=(400, 6)) @ rng.normal(size=(6, 6)) + 0.5
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s_a @ s_b).real
    reference = np.sum((mu_a - mu_b) ** 2) + np.trace(s_a + s_b - 2 * covmean)
    assert genlab.eval.frechet_distance(a, b) == pytest.approx(reference, rel=1e-8)


def test_frechet_distance_of_shifted_gaussians_is_the_squared_shift():
    rng = np.random.default_rng(1)
    shift = np.array([3.0, -4.0, 0.0])
    a = rng.normal(size=(20000, 3))
    b = rng.normal(size=(20000, 3)) + shift
    assert genlab.eval.frechet_distance(a, b) == pytest.approx(25.0, abs=0.2)


def test_frechet_distance_rejects_bad_shapes():
    with pytest.raises(ValueError):
        genlab.eval.frechet_distance(np.zeros((10, 3)), np.zeros((10, 4)))
    with pytest.raises(ValueError):
        genlab.eval.frechet_distance(np.zeros((1, 3)), np.zeros((10, 3)))


def test_distance_to_itself_is_zero_and_symmetric(base, test_split):
    _, features = base
    assert genlab.eval.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)
    other = judge_eval.judge_features(test_split[0][N : 2 * N])
    d_ab = genlab.eval.frechet_distance(features, other)
    d_ba = genlab.eval.frechet_distance(other, features)
    assert d_ab > 0 and d_ab == pytest.approx(d_ba, rel=1e-6)


@pytest.mark.parametrize(
    "corrupt, amounts",
    [
        (judge_eval.add_noise, [0.0, 0.1, 0.25, 0.5]),
        (judge_eval.gaussian_blur, [0.0, 0.6, 1.2, 2.0]),
    ],
    ids=["noise", "blur"],
)
def test_distance_grows_steadily_with_corruption(base, corrupt, amounts):
    images, features = base
    distances = [
        genlab.eval.frechet_distance(features, judge_eval.judge_features(corrupt(images, a)))
        for a in amounts
    ]
    assert distances[0] == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.diff(distances) > 0), distances


def test_floor_is_small_and_far_below_uniform_noise():
    floor = genlab.eval.fd_floor(N)
    noise = torch.rand(N, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    to_noise = genlab.eval.fd_to_real(noise)
    assert 0 < floor < 0.05 * to_noise, (floor, to_noise)
    # the floor is exactly fd_to_real of the other (disjoint) half of real digits
    assert genlab.eval.fd_to_real(judge_eval.real_digits(N, part=1)) == pytest.approx(floor)


def test_real_digit_sets_are_disjoint():
    a, b = judge_eval.real_digits(N, part=0), judge_eval.real_digits(N, part=1)
    flat_a = {bytes(x) for x in (a * 255).round().to(torch.uint8).reshape(N, -1).numpy()}
    flat_b = {bytes(x) for x in (b * 255).round().to(torch.uint8).reshape(N, -1).numpy()}
    assert not flat_a & flat_b
    with pytest.raises(ValueError):
        judge_eval.real_digits(5000)


def test_class_coverage(test_split):
    images, labels = test_split
    coverage = genlab.eval.class_coverage(images[:N])
    truth = np.bincount(labels[:N].numpy(), minlength=10) / N
    assert coverage.shape == (10,) and coverage.sum() == pytest.approx(1.0)
    assert np.abs(coverage - truth).max() < 0.02
    sevens = images[labels == 7][:100]
    assert genlab.eval.class_coverage(sevens)[7] >= 0.97  # a "collapsed" set: one class


def test_conditional_accuracy(test_split):
    images, labels = test_split[0][:N], test_split[1][:N]
    assert genlab.eval.conditional_accuracy(images, labels) >= 0.98
    wrong = (labels + 1) % 10  # every image asked for the wrong class
    assert genlab.eval.conditional_accuracy(images, wrong) < 0.05
    with pytest.raises(ValueError):
        genlab.eval.conditional_accuracy(images, labels[:10])


def test_missing_judge_names_the_recipe(tmp_path, monkeypatch):
    monkeypatch.setenv("GENLAB_ROOT", str(tmp_path))
    judge_eval.judge.cache_clear()
    try:
        with pytest.raises(
            checkpoints.CheckpointError, match="python -m genlab.recipes mnist_judge"
        ):
            judge_eval.judge()
    finally:
        judge_eval.judge.cache_clear()  # the next test loads the real judge again


def test_augmentation_keeps_shape_and_ink(test_split):
    torch.manual_seed(0)
    images = test_split[0][:64]
    moved = random_shift_rotate(images)
    assert moved.shape == images.shape and not torch.equal(moved, images)
    assert moved.sum() == pytest.approx(
        images.sum().item(), rel=0.05
    )  # the digit stays in the frame
    assert torch.allclose(random_shift_rotate(images, 0.0, 0.0), images, atol=1e-5)


def test_train_classifier_lowers_the_loss(test_split):
    torch.manual_seed(0)
    images, labels = test_split[0][:512], test_split[1][:512]
    model = SmallCNN(channels=(8, 16))
    history = train_classifier(model, images, labels, epochs=4, lr=3e-3, batch_size=32)
    assert history.steps == 64 and len(history.losses) == 64
    assert np.mean(history.losses[-8:]) < 0.7 * np.mean(history.losses[:8])
    assert not model.training  # left in eval mode


def test_reference_digits_are_the_committed_subset_even_online(monkeypatch):
    """FD and floor must not depend on network access: online, load_mnist gives other digits."""
    from genlab.data.mnist import load_offline

    online = (torch.rand(60, 1, 28, 28), torch.zeros(60, dtype=torch.long))  # stands in for full MNIST
    monkeypatch.setenv("GENLAB_OFFLINE", "0")
    monkeypatch.setattr(judge_eval, "load_mnist", lambda split="train": online)
    pool = load_offline("train")[0]
    judge_eval._train_images.cache_clear()
    try:
        digits = judge_eval.real_digits(N, part=1)
    finally:
        judge_eval._train_images.cache_clear()  # later tests reload the pool as usual
    order = torch.randperm(len(pool), generator=torch.Generator().manual_seed(judge_eval.FLOOR_SEED))
    assert torch.equal(digits, pool[order[N : 2 * N]])
