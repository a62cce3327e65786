"""Classifier-free guidance (chapter 11; Ho & Salimans 2022).

Training: with probability p the prompt of an example is replaced by the null prompt "",
so that one network learns both the conditional velocity v(x, t, c) and the unconditional
v(x, t, null).

Sampling: extrapolate from the unconditional towards the conditional prediction,

    v_w = v_uncond + w (v_cond - v_uncond),

with guidance scale w: w = 0 ignores the prompt, w = 1 is the plain conditional model, and
w > 1 pushes samples to agree with the prompt more (at some cost in diversity). Both
predictions come from one forward pass on a batch of twice the size.
"""

from __future__ import annotations

import torch
from torch import nn

from genlab.data.captions import MAX_TOKENS, NULL_ID, PAD_ID


def null_ids(n: int, length: int = MAX_TOKENS, device: torch.device | str = "cpu") -> torch.Tensor:
    """n copies of the null prompt: [NULL_ID, PAD_ID, PAD_ID, ...] (what encode("") gives)."""
    ids = torch.full((n, length), PAD_ID, dtype=torch.long, device=device)
    ids[:, 0] = NULL_ID
    return ids


def drop_prompts(ids: torch.Tensor, p: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Replace each row of ids (B, L) by the null prompt with probability p (condition dropout)."""
    drop = torch.rand(ids.shape[0], generator=generator, device=ids.device) < p
    return torch.where(drop[:, None], null_ids(ids.shape[0], ids.shape[1], ids.device), ids)


def guided_velocity(model: nn.Module, x: torch.Tensor, t: torch.Tensor, ids: torch.Tensor,
                    w: float) -> torch.Tensor:
    """v_uncond + w (v_cond - v_uncond), both from one batched call model(x, t, ids)."""
    both = model(torch.cat([x, x]), torch.cat([t, t]),
                 torch.cat([ids, null_ids(ids.shape[0], ids.shape[1], ids.device)]))
    v_cond, v_uncond = both.chunk(2)
    return v_uncond + w * (v_cond - v_uncond)
