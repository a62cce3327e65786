import pytest
import torch
from torch import nn

from genlab import train


def regression_batches(seed=0, n=256):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3
    return [(x[i : i + 32], y[i : i + 32]) for i in range(0, n, 32)]


def mse(model, batch):
    x, y = batch
    return ((model(x).squeeze(-1) - y) ** 2).mean()


def test_training_lowers_the_loss_on_a_toy_problem():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    history = train.train(
        model,
        mse,
        regression_batches(),
        torch.optim.SGD(model.parameters(), lr=0.1),
        steps=200,
        progress=False,
    )
    assert history.steps == 200 and len(history.losses) == 200
    assert history.final(last=20) < 0.01 * history.losses[0]


def test_seeded_runs_repeat_exactly():
    def once():
        torch.manual_seed(1)
        model = nn.Linear(3, 1)
        return train.train(
            model,
            mse,
            regression_batches(),
            torch.optim.Adam(model.parameters()),
            steps=30,
            progress=False,
        ).losses

    assert once() == once()


def test_seconds_budget_stops_the_run():
    history = train.run(lambda batch: 1.0, [0], seconds=0.2, progress=False)
    assert 0.2 <= history.seconds < 1.0 and history.steps > 10


def test_a_budget_is_required():
    with pytest.raises(ValueError, match="budget"):
        train.run(lambda batch: 1.0, [0])


def test_run_records_every_named_value_and_summarises():
    history = train.run(lambda b: {"D": 1.0 + b, "G": 2.0}, [0, 1], steps=4, progress=False)
    assert history.values == {"D": [1.0, 2.0, 1.0, 2.0], "G": [2.0] * 4}
    assert history.losses == history.values["D"]
    assert "4 steps" in history.summary() and "G 2" in history.summary()


def test_batches_may_come_from_a_function():
    counter = iter(range(100))
    history = train.run(lambda b: float(b), lambda: next(counter), steps=5, progress=False)
    assert history.losses == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_gradient_clipping_bounds_the_update():
    model = nn.Linear(1, 1, bias=False)
    nn.init.zeros_(model.weight)

    def huge(model, batch):
        return 1e6 * model(torch.ones(1, 1)).sum()

    train.train(
        model,
        huge,
        [0],
        torch.optim.SGD(model.parameters(), lr=1.0),
        steps=1,
        clip_grad=1.0,
        progress=False,
    )
    assert model.weight.abs().item() == pytest.approx(1.0)


def test_ema_follows_the_weights_slowly():
    model = nn.Linear(1, 1, bias=False)
    nn.init.zeros_(model.weight)
    ema = train.EMA(model, decay=0.9)
    with torch.no_grad():
        model.weight.fill_(1.0)
    ema.update(model)
    assert ema.model.weight.item() == pytest.approx(0.1)
    assert not ema.model.weight.requires_grad


def test_progress_prints_a_final_summary_line(capsys):
    train.run(lambda b: 0.5, [0], steps=3, progress=True)
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("3 steps in") and "final loss 0.5" in out[-1]


def test_an_exhausted_iterator_is_an_error_not_an_endless_loop():
    spent = iter([])
    with pytest.raises(ValueError, match="exhausted iterator"):
        train.run(lambda b: 1.0, spent, steps=3, progress=False)


def test_no_output_without_progress(capsys):
    train.run(lambda b: 0.5, [0], steps=3, progress=False)
    assert capsys.readouterr().out == ""
