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


def test_hessian_is_the_derivative_of_the_gradient_and_bounded_by_its_value_at_zero():
    X, y = toy()
    theta = np.array([0.8, -0.4, 0.2])

    def grad(t):
        return np.append(*neuron.gradient(t[:2], t[2], X, y))

    H = neuron.hessian(theta[:2], theta[2], X)
    assert H.shape == (3, 3) and np.allclose(H, H.T)
    numeric = np.stack(
        [gradcheck.numerical_gradient(lambda t, k=k: grad(t)[k], theta) for k in range(3)]
    )
    assert gradcheck.relative_error(H, numeric) < 1e-7
    H0 = neuron.hessian(np.zeros(2), 0.0, X)
    X_tilde = np.column_stack([X, np.ones(len(X))])
    assert np.allclose(H0, X_tilde.T @ X_tilde / (4 * len(X)))
    assert np.linalg.eigvalsh(H0 - H).min() > -1e-12  # p (1 - p) <= 1/4: H <= H0
    assert np.linalg.eigvalsh(H0 - H).max() > 1e-3  # and strictly smaller away from 0


def test_numerical_gradient_error_is_smallest_at_a_moderate_eps():
    X, y = toy()
    theta = np.array([0.3, -0.7, 0.1])
    analytic = np.append(*neuron.gradient(theta[:2], theta[2], X, y))

    def error(eps):
        numeric = gradcheck.numerical_gradient(
            lambda t: neuron.log_loss(X @ t[:2] + t[2], y), theta, eps
        )
        return gradcheck.relative_error(analytic, numeric)

    # truncation (eps^2) dominates at large eps, rounding (u / eps) at small eps
    assert error(1e-1) > 100 * error(1e-5) and error(1e-10) > 100 * error(1e-5)
    assert error(1e-6) < 1e-8


def test_live_frontend_is_off_headless_and_follows_jupyter_and_the_override(monkeypatch):
    """Chapter 1 builds its slider only where viz.live_frontend() is True (never under nbval)."""
    from genlab import viz

    monkeypatch.delenv("GENLAB_WIDGETS", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert not viz.live_frontend()  # a plain process, like nbconvert's or nbval's kernel
    monkeypatch.setenv("JPY_SESSION_NAME", "book/01_neuron.ipynb")
    assert viz.live_frontend()  # a kernel that Jupyter's server started for a notebook
    monkeypatch.setenv("GENLAB_WIDGETS", "0")
    assert not viz.live_frontend()  # the override wins
