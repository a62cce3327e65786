"""One neuron in NumPy (chapter 1): the sigmoid, the log-loss, its gradient, and gradient descent.

Logistic regression models the probability of class 1 as

    p = sigma(z),   z = X w + b,   sigma(z) = 1 / (1 + exp(-z)).

Maximising the Bernoulli likelihood is minimising the mean log-loss

    L(w, b) = mean_i [ log(1 + exp(z_i)) - y_i z_i ],

whose gradient is  dL/dw = X^T (p - y) / n  and  dL/db = mean(p - y),  and whose
Hessian in theta = (w, b) is  H = X~^T S X~ / n  with  S = diag(p (1 - p))  and
X~ = [X, 1].  Chapter 1 derives each line; this module is the version later chapters import.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + exp(-z)), computed without overflow for large |z|."""
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))


def log_loss(z: np.ndarray, y: np.ndarray) -> float:
    """Mean log-loss from the logits z = X w + b: mean[ log(1 + e^z) - y z ].

    Equal to -mean[ y log p + (1 - y) log(1 - p) ] with p = sigma(z), but stable.
    """
    z = np.asarray(z, dtype=np.float64)
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def gradient(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Gradient of the mean log-loss: (X^T (p - y) / n, mean(p - y)), for X of shape (n, d)."""
    error = sigmoid(X @ w + b) - y  # (n,)
    return X.T @ error / len(y), float(np.mean(error))


def hessian(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """Hessian of the mean log-loss in theta = (w, b): X~^T diag(p (1 - p)) X~ / n, shape (d + 1, d + 1).

    X~ = [X, 1] is X of shape (n, d) with a column of ones for the bias (last row
    and column of H). Since p (1 - p) <= 1/4, H <= X~^T X~ / (4 n) = hessian(0, 0, X)
    everywhere (chapter 1, section 1.8): the curvature is largest at w = 0, b = 0.
    """
    X_tilde = np.column_stack([X, np.ones(len(X))])  # (n, d + 1)
    p = sigmoid(X @ w + b)  # (n,)
    return X_tilde.T @ (X_tilde * (p * (1 - p))[:, None]) / len(X)


def fit(
    X: np.ndarray, y: np.ndarray, lr: float = 0.5, steps: int = 1000
) -> tuple[np.ndarray, float, list[float]]:
    """Full-batch gradient descent on the log-loss from w = 0, b = 0.

    Returns (w, b, losses), where losses[t] is the loss before step t and the
    last entry is the loss at the returned parameters.
    """
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(steps):
        losses.append(log_loss(X @ w + b, y))
        grad_w, grad_b = gradient(w, b, X, y)
        w, b = w - lr * grad_w, b - lr * grad_b
    losses.append(log_loss(X @ w + b, y))
    return w, b, losses


def predict(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """The predicted class: 1 where p = sigma(X w + b) > 1/2, that is where X w + b > 0."""
    return (X @ w + b > 0).astype(np.int64)
