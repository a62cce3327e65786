"""genlab.models.unet and genlab.models.text: shapes, conditioning modes, masking."""

import pytest
import torch

from genlab.data.captions import encode_batch
from genlab.models.text import TextEncoder
from genlab.models.unet import Attention, UNet, timestep_embedding


@pytest.mark.parametrize("conditioning", ["tokens", "pooled", None])
@pytest.mark.parametrize("patch", [1, 2])
def test_unet_output_shape_and_identity_start(conditioning, patch):
    model = UNet(channels=(16, 32, 32), patch=patch, conditioning=conditioning, text_dim=32,
                 text_layers=1)
    x, t = torch.randn(2, 3, 32, 32), torch.rand(2)
    ids = encode_batch(["a red circle", "a blue square above a green cross"]) if conditioning else None
    out = model(x, t, ids)
    assert out.shape == x.shape
    assert torch.count_nonzero(out) == 0  # the last layer starts at zero (zero_init)


def test_only_the_tokens_model_has_cross_attention():
    def cross(model: UNet) -> int:
        return sum(1 for name, module in model.named_modules()
                   if name.endswith("cross_attn.0") and isinstance(module, Attention))
    assert cross(UNet(channels=(16, 32), conditioning="tokens", text_dim=32)) > 0
    assert cross(UNet(channels=(16, 32), conditioning="pooled", text_dim=32)) == 0


def test_unet_errors():
    with pytest.raises(ValueError, match="conditioning must be"):
        UNet(conditioning="labels")
    with pytest.raises(ValueError, match="pass ids"):
        UNet(channels=(16, 32), text_dim=32)(torch.randn(1, 3, 32, 32), torch.rand(1))
    with pytest.raises(ValueError, match="layout=True needs a prompt"):
        UNet(channels=(16, 32), conditioning=None, layout=True)
    with pytest.raises(ValueError, match="no thumbnail head"):
        UNet(channels=(16, 32), text_dim=32).thumbnail(torch.randn(1, 32))


def test_thumbnail_head_shape_and_zero_start():
    """layout=True: the pooled prompt gives an 8x8 thumbnail; its way into the stem starts at
    zero, so a fresh model's output does not depend on the head."""
    torch.manual_seed(0)
    model = UNet(channels=(16, 32, 32), patch=2, text_dim=32, text_layers=1, layout=True)
    ids = encode_batch(["a red circle", "a blue square above a green cross"])
    _, pooled, _ = model.text(ids)
    assert model.thumbnail(pooled).shape == (2, 3, 8, 8)
    assert torch.count_nonzero(model.layout_in.weight) == torch.count_nonzero(model.layout_in.bias) == 0
    for layer in model.down:                       # let the rest of the network respond at all
        torch.nn.init.normal_(layer.blocks[0].conv2.weight, std=0.1)
    torch.nn.init.normal_(model.head[2].weight, std=0.1)
    x, t = torch.randn(2, 3, 32, 32), torch.rand(2)
    with torch.no_grad():
        before = model(x, t, ids)
        model.layout_head[-1].bias.add_(1.0)       # a different thumbnail...
        assert torch.equal(model(x, t, ids), before)   # ...changes nothing yet


def test_position_embedding_has_the_words_scale():
    """Positions start at N(0, 1), like nn.Embedding's words, so that word order is not
    drowned out (at std 0.02 a swapped prompt pooled to cosine 0.9998 of the original)."""
    torch.manual_seed(0)
    enc = TextEncoder(dim=64, layers=1)
    assert 0.8 < enc.position.std().item() < 1.2 and 0.8 < enc.embed.weight.std().item() < 1.2


def test_timestep_embedding():
    e = timestep_embedding(torch.tensor([0.0, 0.5, 1.0]), 16)
    assert e.shape == (3, 16)
    assert torch.allclose(e[0, :8], torch.ones(8)) and torch.allclose(e[0, 8:], torch.zeros(8))


def test_text_encoder_ignores_padding():
    torch.manual_seed(0)
    enc = TextEncoder(dim=32, layers=2).eval()
    prompt = ["a small red circle above a big blue square"]
    with torch.no_grad():
        states24, pooled24, mask24 = enc(encode_batch(prompt, length=24))
        states12, pooled12, mask12 = enc(encode_batch(prompt, length=12))
    assert states24.shape == (1, 24, 32) and mask24.sum() == mask12.sum() == 9
    assert torch.allclose(pooled24, pooled12, atol=1e-5)
    assert torch.allclose(states24[:, :9], states12[:, :9], atol=1e-5)
