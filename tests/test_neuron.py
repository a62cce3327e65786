import numpy as np

from genlab import gradcheck, neuron


def toy(seed=0, n=100):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(-1, 1, size=(n, 2)), rng.normal(1, 1, size=(n, 2))])
    return X, np.repeat([0, 1], n)


def test_sigmoid_is_stable_and_symmetric():
    z = np.array([-1000.0, -5.0, 0.0, 5.0, 1000.0])
    s = neuron.sigmoid(z)
    assert np.all(np.isfinite(s)) and s[2] == 0.5
    assert np.allclose(neuron.sigmoid(-z), 1 - s)


def test_log_loss_equals_the_textbook_form():
    rng = np.random.default_rng(1)
    z, y = rng.normal(size=20) * 4, rng.integers(0, 2, size=20)
    p = 1 / (1 + np.exp(-z))
    assert np.isclose(neuron.log_loss(z, y), -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert np.isclose(neuron.log_loss(np.zeros(4), np.array([0, 1, 0, 1])), np.log(2))


def test_gradient_passes_the_numerical_check():
    X, y = toy()
    theta = np.array([0.3, -0.7, 0.1])
    analytic = np.append(*neuron.gradient(theta[:2], theta[2], X, y))
    numeric = gradcheck.numerical_gradient(lambda t: neuron.log_loss(X @ t[:2] + t[2], y), theta)
    assert gradcheck.relative_error(analytic, numeric) < 1e-7


def test_gradcheck_catches_a_wrong_gradient():
    def f(x):
        return float(np.sum(x**3))

    x = np.array([1.0, -2.0, 0.5])
    assert gradcheck.relative_error(3 * x**2, gradcheck.numerical_gradient(f, x)) < 1e-8
    assert gradcheck.relative_error(2 * x**2, gradcheck.numerical_gradient(f, x)) > 0.1


def test_fit_lowers_the_loss_and_separates_the_classes():
    X, y = toy()
    w, b, losses = neuron.fit(X, y, lr=0.5, steps=300)
    assert len(losses) == 301 and losses[-1] < 0.5 * losses[0]
    assert np.all(
        np.diff(losses) <= 1e-12
    )  # a small enough step never goes uphill on this convex loss
    assert np.mean(neuron.predict(w, b, X) == y) > 0.85  # the Bayes rate here is about 0.92
