"""genlab.guidance: prompt dropout and v_uncond + w (v_cond - v_uncond) in one batched call."""

import torch

from genlab import guidance
from genlab.data.captions import encode, encode_batch
from genlab.models.unet import UNet


def _model() -> UNet:
    torch.manual_seed(0)
    model = UNet(channels=(16, 32), patch=2, text_dim=32, text_layers=1).eval()
    with torch.no_grad():  # zero-initialised output layers would make every output 0
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model


def test_null_ids_are_the_empty_prompt():
    assert guidance.null_ids(2, 24).tolist() == [encode("")] * 2


def test_drop_prompts():
    ids = encode_batch(["a red circle", "a blue square"] * 50)
    g = torch.Generator().manual_seed(0)
    assert torch.equal(guidance.drop_prompts(ids, 0.0, g), ids)
    assert torch.equal(guidance.drop_prompts(ids, 1.0, g), guidance.null_ids(100, 24))
    dropped = (guidance.drop_prompts(ids, 0.3, g) != ids).any(dim=1).float().mean().item()
    assert 0.15 < dropped < 0.45


def test_guidance_one_is_conditional_and_zero_is_unconditional():
    model = _model()
    x, t = torch.randn(3, 3, 8, 8), torch.rand(3)
    ids = encode_batch(["a red circle", "a big blue square", "a cross above a circle"])
    with torch.no_grad():
        v_cond, v_uncond = model(x, t, ids), model(x, t, guidance.null_ids(3, ids.shape[1]))
        assert not torch.allclose(v_cond, v_uncond, atol=1e-4)  # the prompt matters
        assert torch.allclose(guidance.guided_velocity(model, x, t, ids, 1.0), v_cond, atol=1e-5)
        assert torch.allclose(guidance.guided_velocity(model, x, t, ids, 0.0), v_uncond, atol=1e-5)
        v3 = guidance.guided_velocity(model, x, t, ids, 3.0)
        assert torch.allclose(v3, v_uncond + 3 * (v_cond - v_uncond), atol=1e-4)
