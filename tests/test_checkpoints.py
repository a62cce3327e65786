import json

import pytest
import torch
from torch import nn

from genlab import checkpoints


def saved(tmp_path, name="toy"):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
    meta = checkpoints.save(
        name,
        model.state_dict(),
        config_={"hidden": 8},
        steps=10,
        wall_time_s=1.234,
        metrics={"accuracy": 0.9},
        device="cpu",
        folder=tmp_path,
    )
    return model, meta


def test_round_trip_keeps_weights_and_metadata(tmp_path):
    model, meta = saved(tmp_path)
    for key in (
        "recipe",
        "command",
        "commit",
        "device",
        "wall_time_s",
        "steps",
        "metrics",
        "sha256",
        "config",
    ):
        assert key in meta
    assert meta["command"] == "python -m genlab.recipes toy"
    fresh = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
    loaded_meta = checkpoints.load_into(fresh, "toy", folder=tmp_path)
    assert loaded_meta == meta
    for a, b in zip(model.state_dict().values(), fresh.state_dict().values(), strict=True):
        assert a.dtype == b.dtype
        assert torch.allclose(a.float(), b.float(), atol=1e-2)  # stored in half precision
    assert json.loads((tmp_path / "toy.json").read_text())["metrics"] == {"accuracy": 0.9}


def test_round_as_stored_gives_exactly_the_weights_a_checkpoint_loads(tmp_path):
    model, _ = saved(tmp_path)
    fresh = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
    checkpoints.load_into(fresh, "toy", folder=tmp_path)
    assert checkpoints.round_as_stored(model) is model
    for a, b in zip(model.state_dict().values(), fresh.state_dict().values(), strict=True):
        assert a.dtype == b.dtype and torch.equal(a, b)      # the metrics' weights = the loaded ones


def test_corrupt_checkpoint_is_refused_with_the_recipe_named(tmp_path):
    saved(tmp_path)
    path = tmp_path / "toy.pt"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(checkpoints.CheckpointError, match=r"corrupt.*python -m genlab.recipes toy"):
        checkpoints.load("toy", folder=tmp_path)


def test_unreadable_file_with_matching_hash_is_refused(tmp_path):
    saved(tmp_path)
    (tmp_path / "toy.pt").write_bytes(b"not a torch file")
    meta = json.loads((tmp_path / "toy.json").read_text())
    meta["sha256"] = checkpoints.sha256(tmp_path / "toy.pt")
    (tmp_path / "toy.json").write_text(json.dumps(meta))
    with pytest.raises(checkpoints.CheckpointError, match="cannot be read.*genlab.recipes toy"):
        checkpoints.load("toy", folder=tmp_path)


def test_missing_checkpoint_names_its_recipe(tmp_path):
    with pytest.raises(checkpoints.CheckpointError, match="python -m genlab.recipes nothing_here"):
        checkpoints.load("nothing_here", folder=tmp_path)
    saved(tmp_path)
    (tmp_path / "toy.pt").unlink()
    with pytest.raises(checkpoints.CheckpointError, match="missing.*genlab.recipes toy"):
        checkpoints.load("toy", folder=tmp_path)


def test_loading_never_unpickles_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.pt"
    torch.save({"w": Evil()}, path)
    (tmp_path / "evil.json").write_text(json.dumps({"sha256": checkpoints.sha256(path)}))
    with pytest.raises(checkpoints.CheckpointError, match="cannot be read"):
        checkpoints.load("evil", folder=tmp_path)


def test_every_committed_checkpoint_loads_and_has_its_recipe():
    from genlab import config, recipes

    for meta_path in sorted(config.checkpoints_dir().glob("*.json")):
        name = meta_path.stem
        state, meta = checkpoints.load(name)
        assert state and meta["recipe"] == name
        assert name in recipes.RECIPES, f"checkpoint {name} has no recipe"
        assert meta["size_bytes"] < 8 * 2**20


def test_git_commit_names_the_commit_and_says_when_the_tree_differs():
    """What a recipe records as its provenance: 40 hex digits, and a note when the tracked files
    have uncommitted changes in the package (the weights then did not come from that commit alone)."""
    import re

    commit = checkpoints.git_commit()
    assert commit == "unknown" or re.fullmatch(r"[0-9a-f]{40}( \(plus uncommitted changes\))?", commit)
