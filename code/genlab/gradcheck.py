"""Numerical gradient checking (chapters 1 and 2): compare a derived gradient with finite differences.

The central difference  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)  approximates
the partial derivative df/dx_i with two errors (chapter 1, section 1.5, plots both):

- truncation, from Taylor's theorem: about eps^2 |f'''| / 6, which is 1e-13 or less at
  the default eps = 1e-6 for chapter 1's log-loss;
- rounding: each f is computed with an error of about u |f|, u = 2.2e-16 in float64,
  and dividing by 2 eps magnifies it to about u |f| / eps, ~1e-10 at eps = 1e-6.

Rounding dominates at eps = 1e-6 (the best eps is near u^(1/3), about 1e-5). A
correct analytic gradient therefore agrees with the central difference to a
relative error of about 1e-10 in float64; the book's checks assert below 1e-7, a
wide margin, while a wrong gradient is off by orders of magnitude.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
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
