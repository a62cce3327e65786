"""Flow matching on the straight (rectified-flow) path (chapter 7; used by chapter 11).

Noise x_0 ~ N(0, I) and data x_1 are joined by a straight line,

    x_t = (1 - t) x_0 + t x_1,   t in [0, 1],

whose velocity is dx_t/dt = x_1 - x_0. A network v_theta(x_t, t) learns it by regression,

    L(theta) = E_{t, x_0, x_1} || v_theta(x_t, t) - (x_1 - x_0) ||^2,

and the minimiser is the conditional mean E[x_1 - x_0 | x_t], the velocity field whose ODE
dx/dt = v(x, t) carries noise at t = 0 to data at t = 1 (Lipman et al. 2023; Liu et al. 2023).
Sampling integrates that ODE with Euler or Heun steps.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Velocity = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # v(x (B, ...), t (B,))
TIME_SAMPLING: tuple[str, ...] = ("uniform", "logit_normal")


def interpolate(x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The point x_t = (1 - t) x_0 + t x_1 on the straight path; t has shape (B,)."""
    t = t.view(-1, *([1] * (x0.dim() - 1)))
    return (1 - t) * x0 + t * x1


def sample_time(n: int, kind: str = "uniform", generator: torch.Generator | None = None,
                device: torch.device | str = "cpu") -> torch.Tensor:
    """n training times in (0, 1): uniform, or logit-normal t = sigmoid(u), u ~ N(0, 1),
    which puts more of them in the middle of the path, where the velocity is hardest to
    predict (Esser et al. 2024)."""
    if kind == "uniform":
        return torch.rand(n, generator=generator, device=device)
    if kind == "logit_normal":
        return torch.sigmoid(torch.randn(n, generator=generator, device=device))
    raise ValueError(f"unknown time sampling {kind!r}; choose one of {TIME_SAMPLING}")


def flow_matching_loss(velocity: Velocity, x1: torch.Tensor, x0: torch.Tensor,
                       t: torch.Tensor) -> torch.Tensor:
    """Mean squared error between v(x_t, t) and the path's velocity x_1 - x_0."""
    return (velocity(interpolate(x0, x1, t), t) - (x1 - x0)).pow(2).mean()


def _times(x: torch.Tensor, t: float) -> torch.Tensor:
    return torch.full((x.shape[0],), t, device=x.device, dtype=x.dtype)


@torch.no_grad()
def euler(velocity: Velocity, x: torch.Tensor, steps: int, t0: float = 0.0,
          t1: float = 1.0) -> torch.Tensor:
    """Integrate dx/dt = v(x, t) from t0 to t1 with ``steps`` Euler steps:
    x <- x + h v(x, t), h = (t1 - t0) / steps. Global error O(h)."""
    h = (t1 - t0) / steps
    for i in range(steps):
        x = x + h * velocity(x, _times(x, t0 + i * h))
    return x


@torch.no_grad()
def heun(velocity: Velocity, x: torch.Tensor, steps: int, t0: float = 0.0,
         t1: float = 1.0) -> torch.Tensor:
    """Heun's method (the trapezoid rule with an Euler predictor), global error O(h^2):
    x' = x + h v(x, t);  x <- x + h/2 (v(x, t) + v(x', t + h)). Two evaluations per step."""
    h = (t1 - t0) / steps
    for i in range(steps):
        t = t0 + i * h
        v = velocity(x, _times(x, t))
        x_pred = x + h * v
        x = x + 0.5 * h * (v + velocity(x_pred, _times(x, t + h)))
    return x


SAMPLERS: dict[str, Callable[..., torch.Tensor]] = {"euler": euler, "heun": heun}
