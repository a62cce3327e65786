"""The one small training loop of the course, used from chapter 2 on.

Two layers, both short enough to read in one sitting:

- ``run(step, batches, ...)`` calls ``step(batch)`` until a budget of steps or
  seconds is spent, records what it returns, shows progress while it runs, and
  leaves a clean summary behind (a final line, and a loss curve if asked).
  A GAN, with its two optimisers, calls ``run`` with its own ``step``.
- ``train(model, loss_fn, batches, optimizer, ...)`` is ``run`` with the usual
  step: zero the gradients, ``loss.backward()``, optional gradient clipping,
  ``optimizer.step()``, optional EMA update.

A budget in steps repeats exactly when seeded (the notebooks use it);
a budget in seconds repeats the wall time instead (recipes and demos may use it).
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass
class History:
    """What a run recorded: every value ``step`` returned, the number of steps and the wall time."""

    values: dict[str, list[float]] = field(default_factory=dict)
    steps: int = 0
    seconds: float = 0.0

    @property
    def losses(self) -> list[float]:
        """The history of the first value, by convention the loss."""
        return next(iter(self.values.values()), [])

    def final(self, name: str | None = None, last: int = 50) -> float:
        """Mean of the last ``last`` values of ``name`` (the loss by default): less noisy than the last one."""
        values = self.values[name] if name else self.losses
        tail = values[-last:]
        return sum(tail) / len(tail)

    def summary(self) -> str:
        """One line: steps, time, speed and the final value of each recorded quantity."""
        rate = self.steps / self.seconds if self.seconds > 0 else float("inf")
        finals = ", ".join(f"{k} {self.final(k):.4g}" for k in self.values)
        return f"{self.steps} steps in {self.seconds:.1f} s ({rate:.1f} steps/s); final {finals}"


class EMA:
    """Exponential moving average of a model's weights: theta_ema <- d * theta_ema + (1 - d) * theta.

    Sampling from the averaged weights gives smoother, better samples (used from chapter 6 on).
    ``ema.model`` is a frozen copy holding the averaged weights.
    """

    def __init__(self, model: nn.Module, decay: float = 0.999) -> None:
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for avg, new in zip(
            self.model.state_dict().values(), model.state_dict().values(), strict=True
        ):
            if avg.dtype.is_floating_point:
                avg.lerp_(new, 1.0 - self.decay)
            else:
                avg.copy_(new)


def forever(batches: Iterable | Callable[[], object]) -> Iterator:
    """Endless batches: re-iterate an iterable (a new epoch each time), or call a function again and again.

    An iterable must be re-iterable (a list, a tensor, a DataLoader): a spent
    generator yields nothing on its second pass, which raises ``ValueError``
    instead of looping forever.
    """
    if callable(batches) and not hasattr(batches, "__iter__"):
        while True:
            yield batches()
    while True:
        empty = True
        for batch in batches:
            empty = False
            yield batch
        if empty:
            raise ValueError(
                "no batches: the iterable is empty or an exhausted iterator; "
                "pass a list, a tensor or a DataLoader, which can be iterated again"
            )


def _in_notebook() -> bool:
    """True when running inside a Jupyter or Colab kernel (progress is then a live-updating line)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class _Progress:
    """A progress line: one updating line in a notebook, a printed line now and then in a terminal."""

    def __init__(self, total: str, every_s: float, enabled: bool) -> None:
        self.total, self.every_s, self.enabled = total, every_s, enabled
        self.handle = None
        self.last = 0.0
        if enabled and _in_notebook():
            from IPython.display import display

            self.handle = display("starting...", display_id=True)

    def show(self, text: str, force: bool = False) -> None:
        now = time.perf_counter()
        if not self.enabled or (not force and now - self.last < self.every_s):
            return
        self.last = now
        if self.handle is not None:
            self.handle.update(text)
        else:
            print(text, flush=True)

    def close(self, text: str) -> None:
        """Replace the live line by the final summary (in a notebook) or print it (in a terminal)."""
        if not self.enabled:
            return
        if self.handle is not None:
            self.handle.update(text)
        else:
            print(text, flush=True)


def run(
    step: Callable[[object], float | dict[str, float]],
    batches: Iterable | Callable[[], object],
    steps: int | None = None,
    seconds: float | None = None,
    progress: bool = True,
    every_s: float = 1.0,
    plot: bool = False,
) -> History:
    """Call ``step(batch)`` until ``steps`` steps or ``seconds`` seconds are spent (whichever first).

    ``step`` returns a float (the loss) or a dict of floats (e.g. the losses of D and G);
    every value is recorded in the returned ``History``. With ``plot=True`` the
    loss curve is drawn at the end.
    """
    if steps is None and seconds is None:
        raise ValueError("give a budget: steps=..., seconds=..., or both")
    budget = " / ".join(
        b for b in (f"{steps} steps" if steps else "", f"{seconds:g} s" if seconds else "") if b
    )
    bar = _Progress(budget, every_s, progress)
    history = History()
    start = time.perf_counter()
    for i, batch in zip(itertools.count(), forever(batches)):
        if (steps is not None and i >= steps) or (
            seconds is not None and time.perf_counter() - start >= seconds
        ):
            break
        out = step(batch)
        for name, value in ({"loss": out} if not isinstance(out, dict) else out).items():
            history.values.setdefault(name, []).append(float(value))
        history.steps = i + 1
        history.seconds = time.perf_counter() - start
        bar.show(
            f"step {history.steps} of {budget} | {history.seconds:.1f} s | loss {history.losses[-1]:.4g}"
        )
    history.seconds = time.perf_counter() - start
    bar.close(history.summary())
    if plot:
        import matplotlib.pyplot as plt

        from genlab.viz import plot_losses

        plot_losses(history.values)
        plt.show()
    return history


def train(
    model: nn.Module,
    loss_fn: Callable[[nn.Module, object], torch.Tensor],
    batches: Iterable | Callable[[], object],
    optimizer: torch.optim.Optimizer,
    steps: int | None = None,
    seconds: float | None = None,
    clip_grad: float | None = None,
    ema: EMA | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    on_step: Callable[[int], None] | None = None,
    progress: bool = True,
    plot: bool = False,
) -> History:
    """Train ``model`` by gradient descent on ``loss_fn(model, batch)``; returns the loss history.

    One step: zero the gradients, backpropagate the loss, clip the gradient norm
    to ``clip_grad`` (if given), take an optimiser step, step the learning-rate
    ``scheduler`` and update the EMA (if given), then call ``on_step(number of steps done)``.
    """
    model.train()
    done = 0

    def step(batch: object) -> float:
        nonlocal done
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model, batch)
        loss.backward()
        if clip_grad is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if ema is not None:
            ema.update(model)
        done += 1
        if on_step is not None:
            on_step(done)
        return loss.item()

    return run(step, batches, steps=steps, seconds=seconds, progress=progress, plot=plot)
