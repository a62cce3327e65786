"""The prompt encoder of the shapes generator (chapter 10, CLIP; used by chapter 11).

A prompt is a row of token ids (``genlab.data.captions.encode``). The encoder turns it into
one vector per token and one pooled vector for the whole prompt:

    h_0 = E[ids] + P                 (learned word embedding E, learned position embedding P,
                                      both initialised N(0, 1): the same scale, so that word
                                      order is not drowned out by the words themselves)
    h_l = TransformerLayer(h_{l-1})  (self-attention between the words, then an MLP; l = 1..L)
    pooled = sum_i m_i h_L,i / sum_i m_i   (mean over the real tokens, mask m_i = [id_i != PAD])

The per-token states are what cross-attention reads (``genlab.models.unet``); the pooled
vector is what a single-vector conditioning gets. The encoder is trained together with the
generator, from scratch: nothing is pretrained.
"""

from __future__ import annotations

import torch
from torch import nn

from genlab.data.captions import MAX_TOKENS, PAD_ID, VOCAB


class TextEncoder(nn.Module):
    """Word + position embedding, then ``layers`` pre-norm transformer layers (chapter 8)."""

    def __init__(self, dim: int = 64, layers: int = 2, heads: int = 4,
                 vocab_size: int = len(VOCAB), max_tokens: int = MAX_TOKENS) -> None:
        super().__init__()
        self.dim = dim
        self.embed = nn.Embedding(vocab_size, dim)
        self.position = nn.Parameter(torch.randn(max_tokens, dim))  # nn.Embedding's scale
        layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=4 * dim, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """ids (B, L) -> token states (B, L, dim), pooled (B, dim), mask (B, L) of real tokens."""
        mask = ids != PAD_ID  # (B, L); the null prompt has one real token, NULL_ID
        h = self.embed(ids) + self.position[: ids.shape[1]]
        h = self.norm(self.layers(h, src_key_padding_mask=~mask))
        weights = mask.unsqueeze(-1).to(h.dtype)  # (B, L, 1)
        pooled = (h * weights).sum(1) / weights.sum(1)
        return h, pooled, mask
