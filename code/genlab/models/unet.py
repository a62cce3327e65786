"""The UNet velocity network (chapter 5 builds it; chapters 6, 7 and 11 condition it).

    v_theta(x_t, t, prompt) -> a tensor shaped like x_t

- **Time** t in [0, 1] enters as a sinusoidal embedding (Vaswani et al. 2017), an MLP, and
  then a scale and shift of every residual block's normalised features (FiLM):
  h <- GroupNorm(h) * (1 + s(t)) + b(t).
- **Shape**: a downsampling path (32 -> 16 -> 8 for 32x32 input), a middle, and an upsampling
  path that concatenates the matching downsampling features (the skip connections).
- **Self-attention** at the low resolutions (``attn_res``) lets distant pixels talk: one
  object's position can depend on the other's.
- **Conditioning on a prompt**, two ways (the ablation of chapter 11):
  ``"tokens"``: cross-attention from the image features (queries) to the per-token states
  of the text encoder (keys and values), softmax(Q K^T / sqrt(d)) V, at ``cross_res``;
  the pooled vector is added to the time embedding as well.
  ``"pooled"``: only the pooled prompt vector, added to the time embedding (and, with
  ``layout=True``, the thumbnail below, which is made from it).
  ``None``: no prompt (an unconditional model).
- **A thumbnail of the prompt** (``layout=True``): a small MLP reads the pooled prompt vector
  and predicts an 8x8 thumbnail of the image, trained to match the average-pooled training
  image (``genlab.generator``). The thumbnail is upsampled (nearest neighbour) to the stem's
  resolution and added through a zero-initialised 3x3 convolution,
  h = stem(x) + Conv_0(up(thumbnail)), so the network gets the prompt's layout, "red on top,
  blue below", as a picture. Where each object goes is decided in the first steps from pure
  noise, where nothing in x_t can tell.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from genlab.models.text import TextEncoder

GROUPS = 8  # GroupNorm groups in every block
THUMBNAIL = 8  # side of the prompt's predicted thumbnail (layout=True)


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal embedding of times t (B,) in [0, 1] -> (B, dim):
    [cos(1000 t w_k), sin(1000 t w_k)] with frequencies w_k = max_period^(-k / (dim/2))."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device) / half)
    angles = 1000.0 * t.float()[:, None] * freqs[None]  # (B, half)
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)


def zero_init(module: nn.Module) -> nn.Module:
    """Set a layer's weights and bias to zero: a residual branch then starts as the identity."""
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


class ResBlock(nn.Module):
    """x + conv(silu(FiLM(GroupNorm(conv(silu(GroupNorm(x))))))), with a 1x1 skip if channels change."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(GROUPS, c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.film = nn.Linear(emb_dim, 2 * c_out)  # scale and shift from the embedding
        self.norm2 = nn.GroupNorm(GROUPS, c_out)
        self.conv2 = zero_init(nn.Conv2d(c_out, c_out, 3, padding=1))
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))  # (B, c_out, H, W)
        scale, shift = self.film(F.silu(emb))[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        return self.skip(x) + self.conv2(F.silu(h))


class Attention(nn.Module):
    """x + attention over the H*W pixels of x: self-attention when ``context`` is None,
    cross-attention to ``context`` tokens (B, L, context_dim) otherwise, with ``mask``
    (B, L) True where a token may be attended to."""

    def __init__(self, channels: int, context_dim: int | None = None, heads: int = 4) -> None:
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(GROUPS, channels)
        self.to_q = nn.Linear(channels, channels)
        self.to_kv = nn.Linear(context_dim or channels, 2 * channels)
        self.out = zero_init(nn.Linear(channels, channels))

    def _split(self, h: torch.Tensor) -> torch.Tensor:  # (B, N, C) -> (B, heads, N, C / heads)
        return h.unflatten(-1, (self.heads, -1)).transpose(1, 2)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        b, c, height, width = x.shape
        h = self.norm(x).flatten(2).transpose(1, 2)  # (B, H*W, C): one query per pixel
        k, v = self.to_kv(h if context is None else context).chunk(2, dim=-1)
        attn_mask = None if mask is None else mask[:, None, None, :]  # (B, 1, 1, L)
        o = F.scaled_dot_product_attention(self._split(self.to_q(h)), self._split(k),
                                           self._split(v), attn_mask=attn_mask)
        o = self.out(o.transpose(1, 2).flatten(2))  # (B, H*W, C)
        return x + o.transpose(1, 2).reshape(b, c, height, width)


class Level(nn.Module):
    """One resolution of the UNet: residual blocks, each followed by the attention it has here."""

    def __init__(self, c_in: int, c_out: int, n_blocks: int, emb_dim: int,
                 self_attn: bool, context_dim: int | None) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            ResBlock(c_in if i == 0 else c_out, c_out, emb_dim) for i in range(n_blocks))
        self.self_attn = nn.ModuleList(
            Attention(c_out) if self_attn else nn.Identity() for _ in range(n_blocks))
        self.cross_attn = nn.ModuleList(
            Attention(c_out, context_dim) if context_dim else nn.Identity() for _ in range(n_blocks))

    def forward(self, x: torch.Tensor, emb: torch.Tensor, context: torch.Tensor | None,
                mask: torch.Tensor | None) -> torch.Tensor:
        for block, self_attn, cross_attn in zip(self.blocks, self.self_attn, self.cross_attn,
                                                strict=True):
            x = block(x, emb)
            if isinstance(self_attn, Attention):
                x = self_attn(x)
            if isinstance(cross_attn, Attention):
                x = cross_attn(x, context, mask)
        return x


class UNet(nn.Module):
    """A UNet for images of side ``image_size`` (a multiple of 2^(levels-1)), optionally
    conditioned on a prompt through its own ``TextEncoder`` (see the module docstring).

    ``channels[i]`` is the width at resolution image_size / (patch 2^i); ``attn_res`` and
    ``cross_res`` are the resolutions (in feature-map pixels) at and below which self- and
    cross-attention are used.
    """

    def __init__(self, image_channels: int = 3, image_size: int = 32,
                 channels: tuple[int, ...] = (32, 64, 128), blocks: int = 1,
                 attn_res: int = 8, cross_res: int = 16, conditioning: str | None = "tokens",
                 patch: int = 1, layout: bool = False,
                 text_dim: int = 64, text_layers: int = 2, text_heads: int = 4) -> None:
        super().__init__()
        if conditioning not in ("tokens", "pooled", None):
            raise ValueError(f"conditioning must be 'tokens', 'pooled' or None, not {conditioning!r}")
        if layout and not conditioning:
            raise ValueError("layout=True needs a prompt: conditioning 'tokens' or 'pooled'")
        self.conditioning = conditioning
        emb_dim = 4 * channels[0]
        self.time_mlp = nn.Sequential(nn.Linear(channels[0], emb_dim), nn.SiLU(),
                                      nn.Linear(emb_dim, emb_dim))
        self.text = TextEncoder(text_dim, text_layers, text_heads) if conditioning else None
        self.pooled_proj = nn.Linear(text_dim, emb_dim) if conditioning else None
        # patch > 1 folds each patch x patch block of pixels into channels (space-to-depth),
        # a lossless rearrangement that makes every level patch^2 times cheaper.
        self.stem = nn.Sequential(nn.PixelUnshuffle(patch),
                                  nn.Conv2d(image_channels * patch**2, channels[0], 3, padding=1))
        resolutions = [image_size // patch // 2**i for i in range(len(channels))]
        # layout=True: pooled prompt -> thumbnail (B, C, 8, 8), added to the stem's features.
        self.layout_head = (nn.Sequential(nn.Linear(text_dim, 4 * text_dim), nn.GELU(),
                                          nn.Linear(4 * text_dim, image_channels * THUMBNAIL**2))
                            if layout else None)
        self.layout_in = (zero_init(nn.Conv2d(image_channels, channels[0], 3, padding=1))
                          if layout else None)

        def level(c_in: int, c_out: int, res: int) -> Level:
            cross = text_dim if conditioning == "tokens" and res <= cross_res else None
            return Level(c_in, c_out, blocks, emb_dim, res <= attn_res, cross)

        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        c_prev = channels[0]
        for i, (c, res) in enumerate(zip(channels, resolutions, strict=True)):
            self.down.append(level(c_prev, c, res))
            last = i == len(channels) - 1
            self.downsample.append(nn.Identity() if last else nn.Conv2d(c, c, 3, stride=2, padding=1))
            c_prev = c
        self.middle = level(c_prev, c_prev, resolutions[-1])
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i in reversed(range(len(channels))):  # input: upsampled features + the skip
            self.up.append(level(c_prev + channels[i], channels[i], resolutions[i]))
            self.upsample.append(nn.Upsample(scale_factor=2, mode="nearest") if i > 0 else nn.Identity())
            c_prev = channels[i]
        self.head = nn.Sequential(nn.GroupNorm(GROUPS, channels[0]), nn.SiLU(),
                                  zero_init(nn.Conv2d(channels[0], image_channels * patch**2, 3,
                                                      padding=1)),
                                  nn.PixelShuffle(patch))
        self.channels = channels
        self.image_size = image_size
        self.image_channels = image_channels

    def thumbnail(self, pooled: torch.Tensor) -> torch.Tensor:
        """The predicted 8x8 thumbnail (B, C, 8, 8) of the image a pooled prompt (B, D) asks for."""
        if self.layout_head is None:
            raise ValueError("this UNet has no thumbnail head (build it with layout=True)")
        return self.layout_head(pooled).unflatten(1, (self.image_channels, THUMBNAIL, THUMBNAIL))

    def forward(self, x: torch.Tensor, t: torch.Tensor,
                ids: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, C, H, W), t (B,) in [0, 1], ids (B, L) prompt tokens -> velocity (B, C, H, W)."""
        emb = self.time_mlp(timestep_embedding(t, self.channels[0]))  # (B, emb_dim)
        context = mask = None
        if self.text is not None:
            if ids is None:
                raise ValueError("this UNet is conditioned on a prompt: pass ids "
                                 "(genlab.data.captions.encode_batch; '' is the null prompt)")
            context, pooled, mask = self.text(ids)  # (B, L, D), (B, D), (B, L)
            emb = emb + self.pooled_proj(pooled)
        h = self.stem(x)
        if self.layout_in is not None:
            thumb = F.interpolate(self.thumbnail(pooled), size=h.shape[-2:], mode="nearest")
            h = h + self.layout_in(thumb)
        skips = []
        for level, down in zip(self.down, self.downsample, strict=True):
            h = level(h, emb, context, mask)
            skips.append(h)
            h = down(h)
        h = self.middle(h, emb, context, mask)
        for level, up in zip(self.up, self.upsample, strict=True):
            h = level(torch.cat([h, skips.pop()], dim=1), emb, context, mask)
            h = up(h)
        return self.head(h)
