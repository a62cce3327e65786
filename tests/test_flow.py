"""genlab.flow: the straight path, time sampling, the loss, and the Euler / Heun samplers."""

import math

import pytest
import torch

from genlab import flow


def test_interpolate_ends_at_noise_and_data():
    x0, x1 = torch.randn(4, 3, 2, 2), torch.randn(4, 3, 2, 2)
    assert torch.equal(flow.interpolate(x0, x1, torch.zeros(4)), x0)
    assert torch.allclose(flow.interpolate(x0, x1, torch.ones(4)), x1)
    half = flow.interpolate(x0, x1, torch.full((4,), 0.5))
    assert torch.allclose(half, (x0 + x1) / 2)


def test_time_sampling():
    g = torch.Generator().manual_seed(0)
    for kind in flow.TIME_SAMPLING:
        t = flow.sample_time(20_000, kind, g)
        assert t.min() > 0 and t.max() < 1 and abs(t.mean().item() - 0.5) < 0.01
    # logit-normal puts more times in the middle than uniform does
    middle = [(flow.sample_time(20_000, k, g) - 0.5).abs().lt(0.25).float().mean().item()
              for k in flow.TIME_SAMPLING]
    assert middle[1] > middle[0] + 0.1
    with pytest.raises(ValueError, match="unknown time sampling"):
        flow.sample_time(3, "cosine")


def _error(sampler, steps: int) -> float:
    """Error at t = 1 of dx/dt = -x t from x(0) = 1; exact x(1) = exp(-1/2)."""
    x = sampler(lambda x, t: -x * t[:, None], torch.ones(1, 1, dtype=torch.float64), steps)
    return abs(x.item() - math.exp(-0.5))


def test_heun_is_second_order_and_beats_euler():
    e20, e40 = _error(flow.euler, 20), _error(flow.euler, 40)
    h20, h40 = _error(flow.heun, 20), _error(flow.heun, 40)
    assert 1.9 < e20 / e40 < 2.1  # first order: half the step, half the error
    assert 3.5 < h20 / h40 < 4.1  # second order: a quarter
    assert _error(flow.heun, 10) < _error(flow.euler, 10) / 20  # much better at equal steps


def _exact_velocity(x: torch.Tensor, t: torch.Tensor, mu: float, s: float) -> torch.Tensor:
    """E[x1 - x0 | x_t = x] for x0 ~ N(0, 1), x1 ~ N(mu, s^2), independent (1-D, per coordinate):
    x_t ~ N(t mu, (1-t)^2 + t^2 s^2) and Cov(x1 - x0, x_t) = t s^2 - (1 - t)."""
    t = t[:, None]
    return mu + (t * s**2 - (1 - t)) / ((1 - t) ** 2 + t**2 * s**2) * (x - t * mu)


def test_gaussian_to_gaussian_velocity_and_samples():
    mu, s = 2.0, 0.5
    g = torch.Generator().manual_seed(0)
    n = 50_000
    # the regression target's least-squares fit at a fixed t is the exact velocity
    t = torch.full((n,), 0.3, dtype=torch.float64)
    x0 = torch.randn(n, 1, generator=g, dtype=torch.float64)
    x1 = mu + s * torch.randn(n, 1, generator=g, dtype=torch.float64)
    xt = flow.interpolate(x0, x1, t)
    design = torch.cat([xt, torch.ones_like(xt)], dim=1)
    slope, intercept = torch.linalg.lstsq(design, x1 - x0).solution[:, 0]
    probe = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    exact = _exact_velocity(probe, torch.full((2,), 0.3, dtype=torch.float64), mu, s)
    assert torch.allclose(intercept + slope * probe, exact, atol=0.01)
    # the exact velocity has the smallest flow-matching loss of all (perturbed ones lose)
    def loss(shift: float) -> float:
        return flow.flow_matching_loss(
            lambda x, tt: _exact_velocity(x, tt, mu, s) + shift, x1, x0, t).item()
    assert loss(0.0) < min(loss(0.05), loss(-0.05))
    # integrating it carries N(0, 1) to N(mu, s^2)
    samples = flow.heun(lambda x, tt: _exact_velocity(x, tt, mu, s),
                        torch.randn(n, 1, generator=g, dtype=torch.float64), 50)
    assert abs(samples.mean().item() - mu) < 0.01 and abs(samples.std().item() - s) < 0.01
