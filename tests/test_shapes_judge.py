"""Tests of the shapes judge (chapter 9): accuracy on real and slightly-off renders, speed,
prompt adherence and the swap flag."""


import numpy as np
import pytest

from genlab.data import captions as C
from genlab.data import shapes as S
from genlab.eval import shapes as J

ATTRIBUTES = ("shape", "colour", "size", "position", "relation")


@pytest.fixture(scope="module")
def scenes_and_images():
    """5,000 fresh scenes (half one-object, half two-object, every split) and their renders."""
    scenes = S.sample_scenes(2500, seed=2026, n_objects=1, split="all")
    scenes += S.sample_scenes(2500, seed=2027, n_objects=2, split="all")
    return scenes, S.render_many(scenes, 32)


def test_judge_meets_the_bars_on_5000_renders(scenes_and_images):
    scenes, images = scenes_and_images
    objs = [o for s in scenes for o in s.objects]
    # the test set covers every colour, shape, size, position and relation
    assert {o.colour for o in objs} == set(S.COLOUR_NAMES)
    assert {o.shape for o in objs} == set(S.SHAPES) and {o.size for o in objs} == set(S.SIZES)
    assert {s.position for s in scenes if s.position} == set(S.POSITIONS)
    assert {s.relation for s in scenes if s.relation} == set(S.RELATIONS)
    accuracy = J.judge_accuracy(scenes, J.judge_batch(images))
    for attribute in ATTRIBUTES:
        assert accuracy[attribute] >= 0.995, accuracy
    assert accuracy["whole scene"] >= 0.99, accuracy


def test_judge_holds_up_on_noisy_and_blurred_renders(scenes_and_images):
    scenes, images = scenes_and_images
    scenes, images = scenes[::5], images[::5]  # 1,000 of them
    for perturbed in (J.add_noise(images, 0.05, seed=0), J.blur(images, 0.5)):
        accuracy = J.judge_accuracy(scenes, J.judge_batch(perturbed))
        for attribute in ATTRIBUTES:
            assert accuracy[attribute] >= 0.99, accuracy
        assert accuracy["whole scene"] >= 0.98, accuracy


def test_judge_at_64_and_on_tensors():
    scenes = S.sample_scenes(200, seed=3, split="all")
    accuracy = J.judge_accuracy(scenes, J.judge_batch(S.render_many(scenes, 64)))
    assert min(accuracy.values()) >= 0.99, accuracy
    batch = S.render_batch(scenes[:20], 32)  # (N, 3, H, W) in [-1, 1]
    from_tensor, from_uint8 = J.judge_batch(batch), J.judge_batch(S.render_many(scenes[:20], 32))
    for dets_t, dets_u in zip(from_tensor, from_uint8, strict=True):
        assert [(d.shape, d.colour, d.size, d.position) for d in dets_t] == [
            (d.shape, d.colour, d.size, d.position) for d in dets_u]
        assert [d.x for d in dets_t] == pytest.approx([d.x for d in dets_u], abs=1e-4)


def test_judge_sees_nothing_in_an_empty_or_noisy_background():
    empty = np.zeros((1, 32, 32, 3), np.uint8)
    assert J.judge(empty[0]) == []
    assert J.judge(J.add_noise(empty, 0.05, seed=1)[0]) == []


def _scene():
    return S.place_two(("circle", "red", "small"), "above", ("square", "blue", "big"),
                       np.random.default_rng(0))


def test_adherence_passes_the_true_prompt_and_checks_each_constraint():
    image = S.render(_scene())
    result = J.adherence(image, "a small red circle above a big blue square")
    assert result.passed and not result.swap
    assert set(result.checks) == {"count", "relation"} | {
        f"object {i} {a}" for i in (1, 2) for a in ("shape", "colour", "size")}
    assert J.adherence(image, "a big blue square below a small red circle").passed
    assert J.adherence(image, "a red shape over a square").passed  # free attributes
    wrong = J.adherence(image, "a small red triangle above a big blue square")
    assert not wrong.passed and not wrong.swap
    assert wrong.checks["object 1 shape"] is False and wrong.checks["relation"] is True
    assert not J.adherence(image, "a small red circle").passed  # two objects, not one
    assert not J.adherence(image, "a small red circle").checks["count"]


def test_adherence_flags_swaps():
    image = S.render(_scene())
    reversed_relation = J.adherence(image, "a small red circle below a big blue square")
    assert not reversed_relation.passed and reversed_relation.swap
    assert reversed_relation.checks["relation"] is False
    exchanged = J.adherence(image, "a small blue circle above a big red square")
    assert not exchanged.passed and exchanged.swap
    one = S.render(S.place_one("cross", "cyan", "big", "top left", np.random.default_rng(0)))
    assert J.adherence(one, "a big cyan cross in the top left").passed
    miss = J.adherence(one, "a big cyan cross in the bottom left")
    assert not miss.passed and not miss.swap and miss.checks["position"] is False


def test_adherence_on_eval_prompts_rendered_faithfully():
    """The ceiling: every evaluation prompt, rendered faithfully, passes."""
    rng = np.random.default_rng(0)
    results = [J.adherence(C.render_prompt(p.text, rng), p.text) for p in C.eval_prompts()]
    rates = J.adherence_rates(results)
    assert rates["whole prompt"] == 1.0 and rates["swap"] == 0.0, rates


def test_adherence_flags_reversed_and_exchanged_renders_of_eval_prompts():
    """The other side of the ceiling: drawn with the relation reversed or the two colours
    exchanged, every two-object eval prompt fails and is flagged as a swap, except when its
    two objects are identical (then the reversed picture is the same picture)."""
    rng = np.random.default_rng(1)
    for prompt in C.eval_prompts():
        c = C.parse(prompt.text)
        if len(c.objects) != 2:
            continue
        reversed_ = J.adherence(C.render_prompt(c, rng, relation=S.INVERSE[c.relation]), c)
        if c.objects[0] == c.objects[1]:
            assert reversed_.passed
        else:
            assert reversed_.swap and not reversed_.passed, prompt.text
        if c.objects[0].colour != c.objects[1].colour:
            result = J.adherence(C.render_prompt(c, rng, exchange=True), c)
            assert result.swap and not result.passed, prompt.text


def test_match_detections_pairs_objects_by_distance():
    scene = _scene()
    found = J.judge(S.render(scene))
    matched = J.match_detections(scene, found[::-1])  # the order of detections does not matter
    assert [(d.shape, d.colour) for d in matched] == [("circle", "red"), ("square", "blue")]
    one = J.match_detections(scene, [d for d in found if d.colour == "blue"])
    assert one[0] is None and one[1].colour == "blue"  # too few detections: None for the rest
    assert J.match_detections(scene, []) == [None, None]


def test_a_relation_passes_by_a_hair_near_the_diagonal():
    """Known limit (chapter 9, pitfall 2): B at 44 degrees below-right of A passes "left of"."""
    for angle, reads in ((44, "left of"), (46, "above")):
        t = np.radians(angle)
        a = S.ShapeObject("circle", "red", "small", 0.3, 0.3)
        b = S.ShapeObject("square", "blue", "small", 0.3 + 0.4 * np.cos(t), 0.3 + 0.4 * np.sin(t))
        image = S.render(S.Scene((a, b), relation=reads))
        assert J.adherence(image, f"a small red circle {reads} a small blue square").passed
        other = "above" if reads == "left of" else "left of"
        assert not J.adherence(image, f"a small red circle {other} a small blue square").passed
