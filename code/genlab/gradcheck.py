"""Numerical gradient checking (chapters 1 and 2): compare a derived gradient with finite differences.

The central difference  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)  approximates
the partial derivative df/dx_i with an error of order eps^2. A correct analytic
gradient agrees with it to a relative error of about 1e-7 in float64; a wrong one
is off by orders of magnitude.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The central-difference gradient of the scalar function f at x (any shape), in float64."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a| + |b|, tiny): scale-free, so 1e-7 means 'agree to 7 digits'."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-300))
