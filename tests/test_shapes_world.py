"""Tests of the shapes world (chapter 9): scenes, rendering, splits, captions, tokenizer, parser."""


import numpy as np
import pytest
import torch

from genlab.data import captions as C
from genlab.data import shapes as S

# ---------------------------------------------------------------- scenes and rendering


def test_render_formats():
    scene = S.sample_scenes(1, seed=0, n_objects=2)[0]
    for size in (32, 64):
        image = S.render(scene, size)
        assert image.shape == (size, size, 3) and image.dtype == np.uint8
        assert (image[0, 0] == 0).all()  # plain black background in the corner
    batch = S.render_batch([scene, scene], 32)
    assert batch.shape == (2, 3, 32, 32) and batch.dtype == torch.float32
    assert batch.min() >= -1 and batch.max() <= 1 and batch.min() == -1
    assert np.array_equal(S.to_uint8(batch)[0], S.render(scene, 32))
    with pytest.raises(ValueError, match="32 or 64"):
        S.render(scene, 48)


def test_deterministic_given_seed():
    a, b = S.sample_scenes(50, seed=7), S.sample_scenes(50, seed=7)
    assert a == b
    assert np.array_equal(S.render_many(a), S.render_many(b))
    assert S.sample_scenes(50, seed=8) != a
    images, caps, scenes = C.training_examples(20, seed=3)
    images2, caps2, scenes2 = C.training_examples(20, seed=3)
    assert torch.equal(images, images2) and caps == caps2 and scenes == scenes2


def test_scene_validation():
    obj = S.ShapeObject("circle", "red", "big", 0.5, 0.5)
    with pytest.raises(ValueError, match="unknown colour 'pink'"):
        S.Scene((S.ShapeObject("circle", "pink", "big", 0.5, 0.5),), position="center")
    with pytest.raises(ValueError, match="needs a position"):
        S.Scene((obj,))
    with pytest.raises(ValueError, match="needs a relation"):
        S.Scene((obj, obj), position="center")
    with pytest.raises(ValueError, match="1 or 2 objects"):
        S.Scene((obj, obj, obj), relation="above")


def test_no_overlap_in_frame_and_relations_hold_by_margin():
    scenes = S.sample_scenes(1000, seed=11, split="all")
    assert {len(s.objects) for s in scenes} == {1, 2}
    for scene in scenes:
        for obj in scene.objects:
            assert S.inside_frame(obj), obj
            # the rendered object keeps a whole pixel of black to the border
            r0, c0, alpha = S.coverage(obj.shape, obj.x * 32, obj.y * 32,
                                       S.SIZE_FRACTION[obj.size] * 32, 32)
            assert r0 >= 1 and c0 >= 1 and r0 + alpha.shape[0] <= 31 and c0 + alpha.shape[1] <= 31
        if scene.position is not None:
            assert S.position_of(scene.objects[0].x, scene.objects[0].y) == scene.position
            continue
        a, b = scene.objects
        assert S.box_gap(a, b) >= S.GAP - 1e-9
        along = abs(a.x - b.x) if scene.relation in ("left of", "right of") else abs(a.y - b.y)
        assert along - a.half - b.half >= S.GAP - 1e-9  # the gap is along the relation's axis
        assert S.relation_holds(a.x, a.y, b.x, b.y, scene.relation)
        assert not S.relation_holds(a.x, a.y, b.x, b.y, S.INVERSE[scene.relation])
        # pixel level: the two rendered objects never share a pixel
        masks = []
        for obj in (a, b):
            r0, c0, alpha = S.coverage(obj.shape, obj.x * 32, obj.y * 32,
                                       S.SIZE_FRACTION[obj.size] * 32, 32)
            mask = np.zeros((32, 32), bool)
            mask[r0:r0 + alpha.shape[0], c0:c0 + alpha.shape[1]] = alpha > 0
            masks.append(mask)
        assert not (masks[0] & masks[1]).any()


def test_every_attribute_position_and_relation_is_sampled():
    scenes = S.sample_scenes(2000, seed=5, split="all")
    objs = [o for s in scenes for o in s.objects]
    assert {o.shape for o in objs} == set(S.SHAPES) and len(S.SHAPES) >= 4
    assert {o.colour for o in objs} == set(S.COLOUR_NAMES) and len(S.COLOUR_NAMES) >= 6
    assert {o.size for o in objs} == set(S.SIZES)
    assert {s.position for s in scenes if s.position} == set(S.POSITIONS)
    assert {s.relation for s in scenes if s.relation} == set(S.RELATIONS)


def test_supersampling_antialiases_and_keeps_area():
    side = 11.0
    for shape in S.SHAPES:
        _, _, smooth = S.coverage(shape, 16.3, 15.7, side, 32, factor=8)
        _, _, naive = S.coverage(shape, 16.3, 15.7, side, 32, factor=1)
        assert set(np.unique(naive)) <= {0.0, 1.0}  # naive drawing: all or nothing
        assert ((smooth > 0) & (smooth < 1)).sum() >= 8  # anti-aliased edge pixels
        assert smooth.sum() == pytest.approx(S.FILL[shape] * side**2, rel=0.02)


def test_heldout_combinations_never_in_training():
    assert len(S.HELDOUT_PAIRS) == 4 and len(S.HELDOUT_TRIPLES) == 4
    for shape, colour in S.HELDOUT_PAIRS:
        S.check_attributes(shape, colour, "big")
    # every shape and every colour still appears in training with other partners
    assert {p[0] for p in S.HELDOUT_PAIRS} == set(S.SHAPES)
    assert len({p[1] for p in S.HELDOUT_PAIRS}) == 4
    train = S.sample_scenes(3000, seed=2, split="train")
    assert not any(S.scene_is_heldout(s) for s in train)
    pairs = {(o.shape, o.colour) for s in train for o in s.objects}
    assert pairs.isdisjoint(S.HELDOUT_PAIRS) and len(pairs) == 24 - 4
    triples = {S.canonical_triple(s.objects[0].shape, s.relation, s.objects[1].shape)
               for s in train if s.relation}
    assert triples.isdisjoint(S.HELDOUT_TRIPLES)
    assert ("square", "above", "circle") in triples  # the mirror of a held-out triple is seen
    heldout = S.sample_scenes(300, seed=2, split="heldout")
    assert all(S.scene_is_heldout(s) for s in heldout)
    _, _, scenes = C.training_examples(500, seed=4)
    assert not any(S.scene_is_heldout(s) for s in scenes)


def test_eval_prompts_fixed_and_labelled():
    prompts = C.eval_prompts()
    assert len(prompts) == 72
    counts = {split: sum(p.split == split for p in prompts)
              for split in ("in", "heldout pair", "heldout triple")}
    assert counts == {"in": 40, "heldout pair": 16, "heldout triple": 16}
    assert prompts == C.eval_prompts()  # the same every call
    assert prompts[0].text == "one large cyan square in the upper right corner"
    for p in prompts:
        c = C.parse(p.text)
        assert C.prompt_split(c) == p.split
        assert all(None not in (o.shape, o.colour, o.size) for o in c.objects)
    triples = {C.prompt_split(C.parse(p.text)) for p in prompts if p.split == "heldout triple"}
    assert triples == {"heldout triple"}


# ---------------------------------------------------------------- captions and parsing


def test_captions_round_trip_with_scenes():
    rng = np.random.default_rng(0)
    for scene in S.sample_scenes(1000, seed=9, split="all"):
        text = C.caption(scene, rng)
        c = C.parse(text)
        assert C.canonical(c) == C.canonical(C.describe(scene)), text
        assert C.satisfies(scene, c), text
    scene = S.sample_scenes(1, seed=0, n_objects=2)[0]
    assert C.parse(C.caption(scene)) == C.describe(scene)  # the plain caption, no rng


def test_captions_paraphrase_and_both_directions():
    scene = S.place_two(("circle", "red", "big"), "above", ("square", "blue", "small"),
                        np.random.default_rng(0))
    rng = np.random.default_rng(1)
    texts = {C.caption(scene, rng) for _ in range(300)}
    assert len(texts) > 50
    assert any(" below " in t or " under " in t or " beneath " in t for t in texts)
    assert any(" above " in t or " over " in t for t in texts)
    assert any("large red circle" in t for t in texts) and any("big red circle" in t for t in texts)
    assert any("red circle, big" in t for t in texts)
    assert C.caption(scene) == "a big red circle above a small blue square"


def test_parse_examples_and_free_attributes():
    c = C.parse("A small red circle above a big blue square.")
    assert c == C.Constraints((C.ObjectSpec("circle", "red", "small"),
                               C.ObjectSpec("square", "blue", "big")), None, "above")
    assert C.parse("red circle, big") == C.parse("a large red circle")
    assert C.parse("a red shape") == C.Constraints((C.ObjectSpec(None, "red", None),))
    assert C.parse("a triangle in the top-left corner").position == "top left"
    assert C.parse("a cross at the top").position == "top"
    assert C.parse("a cross in the middle").position == "center"
    assert C.parse("a disc on the left side").position == "left"
    assert C.parse("a purple plus").objects[0] == C.ObjectSpec("cross", "magenta", None)
    c = C.parse("a blue square to the right of a green triangle")
    assert c.relation == "right of" and C.canonical(c).relation == "left of"
    assert C.canonical(c).objects[0].shape == "triangle"
    assert C.parse("a circle and a square").relation is None


def test_partial_captions_are_satisfied():
    rng = np.random.default_rng(3)
    for scene in S.sample_scenes(300, seed=4, split="all"):
        text = C.caption(scene, rng, p_drop=0.4)
        assert C.satisfies(scene, C.parse(text)), text


BAD_PROMPTS = [
    ("", "empty prompt"),
    ("a red circle with stripes", r"unknown word\(s\) \['with', 'stripes'\].*vocabulary is: "),
    ("a red blue circle", "contradiction: .* red and blue"),
    ("a small big circle", "contradiction: .* small and big"),
    ("a red circle square", "two shapes"),
    ("a circle in the top bottom", "contradiction: the position words"),
    ("a circle on the left right", "contradiction: the position words"),
    ("a red circle above a blue square left of a green cross", "more objects than supported"),
    ("a circle and a square and a cross", "more objects than supported"),
    ("two red circles", "more objects than supported"),
    ("three squares", "more objects than supported"),
    ("above a blue square", "needs an object on each side"),
    ("a red circle above", "needs an object on each side"),
    ("a red circle in the top left above a blue square", "position .* one-object"),
    ("a big red", "no object named"),
    ("a circle of a square", "'of' must follow"),
    ("a circle on top of a square", "'top of' is not a relation .* say 'above'"),
    ("a cross at the bottom of a square", "'bottom of' is not a relation .* say 'below'"),
    ("a square and", "^'and' needs an object on each side"),
    ("and a square", "^'and' needs an object on each side"),
    ("a circle in the center at the top right", "contradiction: the position words .* not the center"),
    ("a circle in the middle at the bottom left", "contradiction: the position words"),
    ("a square in the centre on the left", "contradiction: the position words"),
    ("a circle left of and above a square", r"two relations \['left of', 'above'\]"),
    ("a circle above and to the right of a square", "two relations"),
]


def test_middle_fills_in_a_row_or_a_column():
    assert C.parse("a circle at the top middle").position == "top"
    assert C.parse("a circle at the middle left").position == "left"
    assert C.parse("a circle in the middle").position == "center"


@pytest.mark.parametrize(("prompt", "message"), BAD_PROMPTS)
def test_bad_prompts_raise_clear_errors(prompt, message):
    with pytest.raises(ValueError, match=message):
        C.parse(prompt)


def test_unknown_word_error_lists_the_vocabulary():
    with pytest.raises(ValueError) as info:
        C.parse("a pink circle")
    for word in ("red", "circle", "above", "left", "small"):
        assert word in str(info.value)


# ---------------------------------------------------------------- tokenizer


def test_tokenizer():
    ids = C.encode("A big red circle, above a small blue square.")
    assert len(ids) == C.MAX_TOKENS and ids[-1] == C.PAD_ID
    assert C.decode(ids) == "a big red circle, above a small blue square"
    assert C.encode("") == [C.NULL_ID] + [C.PAD_ID] * (C.MAX_TOKENS - 1)
    assert C.decode(C.encode("")) == ""
    assert C.VOCAB[C.PAD_ID] == "<pad>" and C.VOCAB[C.NULL_ID] == "<null>"
    assert len(set(C.VOCAB)) == len(C.VOCAB)
    batch = C.encode_batch(["a red circle", "a blue square below a green cross"])
    assert batch.shape == (2, C.MAX_TOKENS) and batch.dtype == torch.long
    with pytest.raises(ValueError, match="unknown word"):
        C.encode("a pink circle")
    with pytest.raises(ValueError, match="more than the maximum"):
        C.encode("a red circle " * 10)
    # every caption the grammar writes fits, with room to spare
    rng = np.random.default_rng(0)
    longest = max(len(C.tokenize(C.caption(s, rng))) for s in S.sample_scenes(2000, 0, 2))
    assert longest <= C.MAX_TOKENS - 4


def test_exactly_one_relation_holds_in_every_two_object_scene():
    """The judge's rule reads each sampled two-object scene one way only (no diagonal reading)."""
    scenes = S.sample_scenes(2000, seed=5, n_objects=2)
    for scene in scenes:
        a, b = scene.objects
        holding = [r for r in S.RELATIONS if S.relation_holds(a.x, a.y, b.x, b.y, r)]
        assert holding == [scene.relation]


def test_a_diagonal_pair_is_in_no_relation():
    assert not any(S.relation_holds(0.3, 0.3, 0.6, 0.6, r) for r in S.RELATIONS)


def test_off_the_diagonal_the_dominant_axis_decides():
    """Pitfall 2 of chapter 9: a relation passes by a hair just off a diagonal."""
    assert [r for r in S.RELATIONS if S.relation_holds(0, 0, 0.3, 0.2, r)] == ["left of"]
    assert [r for r in S.RELATIONS if S.relation_holds(0, 0, 0.2, 0.3, r)] == ["above"]
    assert not any(S.relation_holds(0, 0, 0.09, 0.05, r) for r in S.RELATIONS)  # within m


def test_relation_angle():
    assert S.relation_angle(0.2, 0.5, 0.7, 0.5, "left of") == pytest.approx(0)
    assert S.relation_angle(0.2, 0.5, 0.7, 0.5, "right of") == pytest.approx(180)
    assert S.relation_angle(0.5, 0.2, 0.5, 0.8, "above") == pytest.approx(0)
    assert S.relation_angle(0.3, 0.3, 0.6, 0.6, "left of") == pytest.approx(45)
    assert S.relation_angle(0.3, 0.3, 0.6, 0.6, "above") == pytest.approx(45)
    with pytest.raises(ValueError, match="unknown relation"):
        S.relation_angle(0, 0, 1, 1, "near")
    # every sampled scene is far from a diagonal: at most atan(delta / d_min), about 28 degrees
    d_min = S.SIZE_FRACTION["small"] + S.GAP
    bound = np.degrees(np.arctan(S.MAX_CROSS_OFFSET / d_min))
    for scene in S.sample_scenes(500, seed=12, n_objects=2):
        a, b = scene.objects
        assert S.relation_angle(a.x, a.y, b.x, b.y, scene.relation) <= bound + 1e-9


def test_exchange_colours_and_mirror():
    scene = S.place_two(("circle", "red", "small"), "left of", ("square", "blue", "big"),
                        np.random.default_rng(0))
    swapped = S.exchange_colours(scene)
    assert [o.colour for o in swapped.objects] == ["blue", "red"]
    assert [(o.shape, o.size, o.x, o.y) for o in swapped.objects] == [
        (o.shape, o.size, o.x, o.y) for o in scene.objects]
    assert S.exchange_colours(swapped) == scene
    with pytest.raises(ValueError, match="two-object"):
        S.exchange_colours(S.place_one("circle", "red", "big", "top", np.random.default_rng(0)))
    mirrored = S.mirror(scene)
    twice = S.mirror(mirrored)
    assert mirrored.relation == "right of" and twice.relation == scene.relation
    assert [o.x for o in twice.objects] == pytest.approx([o.x for o in scene.objects])
    for s in S.sample_scenes(200, seed=13, split="all"):
        m = S.mirror(s)
        assert np.array_equal(S.render(m), S.render(s)[:, ::-1])  # what a flip shows
        if s.position is not None:
            assert m.position == S.position_of(m.objects[0].x, m.objects[0].y)
        else:
            a, b = m.objects
            assert S.relation_holds(a.x, a.y, b.x, b.y, m.relation)
            assert m.relation == (S.INVERSE[s.relation] if s.relation in ("left of", "right of")
                                  else s.relation)


def test_place_and_render_prompt():
    rng = np.random.default_rng(0)
    for prompt in C.eval_prompts():
        c = C.parse(prompt.text)
        assert C.satisfies(C.place_prompt(c, rng), c), prompt.text
        if len(c.objects) == 2:
            reversed_ = C.place_prompt(c, rng, relation=S.INVERSE[c.relation])
            assert reversed_.relation == S.INVERSE[c.relation]
            exchanged = C.place_prompt(c, rng, exchange=True)
            assert [o.colour for o in exchanged.objects] == [o.colour for o in c.objects][::-1]
    # free attributes, position and relation are drawn at random, stated ones are kept
    for text in ("a red shape", "a big square and a small circle", "a cross above a thing"):
        c = C.parse(text)
        scenes = [C.place_prompt(c, rng) for _ in range(40)]
        assert all(C.satisfies(s, c) for s in scenes), text
        assert len({s.objects[0].colour for s in scenes}) > 1 or c.objects[0].colour
    image = C.render_prompt("a small red circle above a big blue square", rng, size=64)
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8
    with pytest.raises(ValueError, match="two-object"):
        C.place_prompt(C.parse("a red circle"), rng, exchange=True)
    with pytest.raises(ValueError, match="unknown relation"):
        C.place_prompt(C.parse("a circle above a square"), rng, relation="near")
