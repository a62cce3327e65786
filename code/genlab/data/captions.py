"""Captions and prompts of the shapes world (chapter 9): grammar, vocabulary, tokenizer, parser.

- ``caption(scene, rng)`` writes a scene in words from a small template grammar with
  paraphrases and synonyms ("a big red circle", "a large red circle", "red circle, big"),
  stating a relation in either direction ("A above B" or "B below A").
- ``parse(prompt)`` reads a prompt back into ``Constraints``: the attributes, position and
  relation it states; what it does not mention stays ``None`` (free). Bad prompts raise a
  ``ValueError`` that says what is wrong, never a silent guess.
- ``VOCAB``, ``encode``, ``encode_batch``, ``decode``: a word-level tokenizer with a fixed
  length ``MAX_TOKENS``, padding id ``PAD_ID`` and a null prompt ``NULL_ID`` (for
  classifier-free guidance in chapter 11).
- ``training_examples``: (images, captions, scenes) for training a generator, without
  held-out combinations; ``eval_prompts``: the fixed evaluation prompts.
- ``place_prompt`` / ``render_prompt``: a scene / image that follows a prompt's constraints,
  optionally with the relation replaced or the two colours exchanged: the ceiling and the
  classic swaps against which chapter 9 checks the judge and chapter 11 reads a generator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import torch

from genlab.data.shapes import (
    COLOUR_NAMES,
    HELDOUT_PAIRS,
    HELDOUT_TRIPLES,
    INVERSE,
    POSITIONS,
    RELATIONS,
    SHAPES,
    SIZES,
    Scene,
    ShapeObject,
    canonical_triple,
    exchange_colours,
    place_one,
    place_two,
    position_of,
    relation_holds,
    render,
    render_batch,
    sample_scene,
)

# ---------------------------------------------------------------- the grammar's words
# The first word of each list is the plain one, used by caption(scene) without an rng.

SIZE_WORDS: dict[str, tuple[str, ...]] = {"small": ("small", "little", "tiny"),
                                          "big": ("big", "large")}
COLOUR_WORDS: dict[str, tuple[str, ...]] = {c: (c,) for c in COLOUR_NAMES}
COLOUR_WORDS["magenta"] = ("magenta", "purple")
SHAPE_WORDS: dict[str, tuple[str, ...]] = {"circle": ("circle", "disc"), "square": ("square",),
                                           "triangle": ("triangle",), "cross": ("cross", "plus")}
GENERIC_NOUNS: tuple[str, ...] = ("shape", "object", "thing")  # a noun that leaves the shape free
RELATION_WORDS: dict[str, tuple[str, ...]] = {
    "left of": ("left of", "to the left of", "on the left of"),
    "right of": ("right of", "to the right of", "on the right of"),
    "above": ("above", "over"),
    "below": ("below", "under", "beneath"),
}
ROW_WORDS: dict[str, str] = {"top": "top", "upper": "top", "bottom": "bottom", "lower": "bottom"}
COLUMN_WORDS: tuple[str, ...] = ("left", "right")
CENTRE_WORDS: tuple[str, ...] = ("center", "centre", "middle")
FILLERS: tuple[str, ...] = ("a", "an", "the", "one", "in", "at", "on", "to", "corner", "side", ",")
ARTICLES: tuple[str, ...] = ("a", "the", "one")
NUMBER_WORDS: tuple[str, ...] = ("two", "three", "four", "five", "several", "many", "some")

# How each named position may be said; the first phrase is the plain one.
POSITION_PHRASES: dict[str, tuple[str, ...]] = {
    "top left": ("in the top left", "at the top left", "in the upper left corner"),
    "top": ("at the top", "at the top middle", "in the upper middle"),
    "top right": ("in the top right", "at the top right", "in the upper right corner"),
    "left": ("on the left", "at the middle left", "on the left side"),
    "center": ("in the center", "in the middle", "in the centre"),
    "right": ("on the right", "at the middle right", "on the right side"),
    "bottom left": ("in the bottom left", "at the bottom left", "in the lower left corner"),
    "bottom": ("at the bottom", "at the bottom middle", "in the lower middle"),
    "bottom right": ("in the bottom right", "at the bottom right", "in the lower right corner"),
}

# ---------------------------------------------------------------- vocabulary and tokenizer


def _all_words() -> list[str]:
    words: set[str] = set(FILLERS) | set(GENERIC_NOUNS) | set(ROW_WORDS) | set(COLUMN_WORDS)
    words |= set(CENTRE_WORDS) | {"and", "of"}
    for table in (SIZE_WORDS, COLOUR_WORDS, SHAPE_WORDS, RELATION_WORDS, POSITION_PHRASES):
        for phrases in table.values():
            for phrase in phrases:
                words |= set(phrase.split())
    return sorted(words)


PAD_ID = 0  # pads every prompt to MAX_TOKENS
NULL_ID = 1  # the empty prompt "" is [NULL_ID, PAD_ID, ...]: the unconditional input
VOCAB: tuple[str, ...] = ("<pad>", "<null>", *_all_words())
WORD_TO_ID: dict[str, int] = {word: i for i, word in enumerate(VOCAB)}
MAX_TOKENS = 24


def tokenize(prompt: str) -> list[str]:
    """Lower-case words; a comma is a word of its own, a hyphen a space, a final '.' is dropped."""
    text = prompt.lower().replace("-", " ").strip().rstrip(".")
    return re.findall(r"[a-z]+|,|[^\sa-z,]+", text)


def _check_words(words: list[str]) -> None:
    """Raise a ValueError for counts, plurals and words outside the vocabulary."""
    for word in words:
        if word in NUMBER_WORDS or (word.endswith("s") and word[:-1] in WORD_TO_ID
                                    and word[:-1] not in FILLERS):
            raise ValueError(f"{word!r}: more objects than supported; a prompt describes one "
                             "object, or two objects joined by a relation such as 'above'")
    unknown = [word for word in words if word not in WORD_TO_ID]
    if unknown:
        known = ", ".join(word for word in VOCAB if not word.startswith("<"))
        raise ValueError(f"unknown word(s) {unknown}; the vocabulary is: {known}")


def encode(prompt: str, length: int = MAX_TOKENS) -> list[int]:
    """Token ids of a prompt, padded with PAD_ID to ``length``; "" gives the null prompt."""
    words = tokenize(prompt)
    _check_words(words)
    ids = [WORD_TO_ID[word] for word in words] or [NULL_ID]
    if len(ids) > length:
        raise ValueError(f"prompt has {len(ids)} tokens, more than the maximum {length}")
    return ids + [PAD_ID] * (length - len(ids))


def encode_batch(prompts: list[str], length: int = MAX_TOKENS) -> torch.Tensor:
    """Token ids of many prompts, a long tensor (N, length)."""
    return torch.tensor([encode(p, length) for p in prompts], dtype=torch.long)


def decode(ids: list[int] | torch.Tensor) -> str:
    """The words of token ids, without padding; the null prompt decodes to ""."""
    words = [VOCAB[int(i)] for i in ids if int(i) not in (PAD_ID, NULL_ID)]
    return " ".join(words).replace(" ,", ",")


# ---------------------------------------------------------------- structured constraints


@dataclass(frozen=True)
class ObjectSpec:
    """What a prompt says about one object; None means the prompt leaves it free."""

    shape: str | None = None
    colour: str | None = None
    size: str | None = None

    def matches(self, obj: ShapeObject) -> bool:
        """True when the object has every attribute the spec states."""
        return all(want is None or want == got for want, got in
                   ((self.shape, obj.shape), (self.colour, obj.colour), (self.size, obj.size)))


@dataclass(frozen=True)
class Constraints:
    """A parsed prompt: 1 or 2 objects, a position (one object only), ``objects[0] relation objects[1]``."""

    objects: tuple[ObjectSpec, ...]
    position: str | None = None
    relation: str | None = None


def describe(scene: Scene) -> Constraints:
    """The full constraints of a scene: every attribute, its position or its relation."""
    specs = tuple(ObjectSpec(o.shape, o.colour, o.size) for o in scene.objects)
    return Constraints(specs, scene.position, scene.relation)


def canonical(c: Constraints) -> Constraints:
    """The same constraints with the relation "left of" or "above": "B below A" -> "A above B"."""
    if c.relation in ("right of", "below"):
        return Constraints(c.objects[::-1], c.position, INVERSE[c.relation])
    return c


def satisfies(scene: Scene, c: Constraints) -> bool:
    """Does the scene satisfy the constraints? Objects are matched in either order; the
    relation is checked on the centres with ``relation_holds``, the position with ``position_of``."""
    if len(scene.objects) != len(c.objects):
        return False
    orders = [scene.objects] if len(scene.objects) == 1 else [scene.objects, scene.objects[::-1]]
    for objs in orders:
        if not all(spec.matches(obj) for spec, obj in zip(c.objects, objs, strict=True)):
            continue
        if c.position is not None and position_of(objs[0].x, objs[0].y) != c.position:
            continue
        if c.relation is not None and not relation_holds(objs[0].x, objs[0].y, objs[1].x,
                                                         objs[1].y, c.relation):
            continue
        return True
    return False


# ---------------------------------------------------------------- captions


def _choose(options: tuple[str, ...], rng: np.random.Generator | None) -> str:
    return options[0] if rng is None else options[int(rng.integers(len(options)))]


def _drop(rng: np.random.Generator | None, p_drop: float) -> bool:
    return rng is not None and p_drop > 0 and rng.random() < p_drop


def object_phrase(spec: ObjectSpec, rng: np.random.Generator | None = None) -> str:
    """One object in words: "a big red circle", or the paraphrase "red circle, big".

    Missing attributes are left out; a missing shape becomes a generic noun ("a red shape").
    """
    noun = _choose(SHAPE_WORDS[spec.shape], rng) if spec.shape else _choose(GENERIC_NOUNS, rng)
    size = _choose(SIZE_WORDS[spec.size], rng) if spec.size else None
    colour = _choose(COLOUR_WORDS[spec.colour], rng) if spec.colour else None
    article = _choose(ARTICLES, rng)
    if size is not None and rng is not None and rng.random() < 0.25:
        return " ".join(w for w in (colour, noun) if w) + f", {size},"  # "red circle, big,"
    return " ".join(w for w in (article, size, colour, noun) if w)


def position_phrase(position: str, rng: np.random.Generator | None = None) -> str:
    """A named position in words: "in the top left", "on the left side", "in the middle"."""
    return _choose(POSITION_PHRASES[position], rng)


def constraints_caption(c: Constraints, rng: np.random.Generator | None = None) -> str:
    """Constraints in words. With an rng, paraphrases, synonyms and the relation's direction
    ("A above B" or "B below A") are drawn at random; without one, the plain form is used."""
    if len(c.objects) == 1:
        text = object_phrase(c.objects[0], rng)
        if c.position is not None:
            text = f"{text} {position_phrase(c.position, rng)}"
    else:
        a, b, relation = c.objects[0], c.objects[1], c.relation
        if relation is not None and rng is not None and rng.random() < 0.5:
            a, b, relation = b, a, INVERSE[relation]
        joiner = _choose(RELATION_WORDS[relation], rng) if relation else "and"
        text = f"{object_phrase(a, rng)} {joiner} {object_phrase(b, rng)}"
    return re.sub(r",\s*$", "", text.replace(",,", ","))


def caption(scene: Scene, rng: np.random.Generator | None = None, p_drop: float = 0.0) -> str:
    """A caption of a scene. ``p_drop``: the chance that each attribute (shape, colour, size),
    the position or the relation is left unsaid, for training on partial prompts."""
    specs = []
    for o in scene.objects:
        specs.append(ObjectSpec(None if _drop(rng, p_drop) else o.shape,
                                None if _drop(rng, p_drop) else o.colour,
                                None if _drop(rng, p_drop) else o.size))
    position = None if _drop(rng, p_drop) else scene.position
    relation = None if _drop(rng, p_drop) else scene.relation
    return constraints_caption(Constraints(tuple(specs), position, relation), rng)


# ---------------------------------------------------------------- parsing prompts

_RELATION_SINGLE: dict[str, str] = {"above": "above", "over": "above", "below": "below",
                                    "under": "below", "beneath": "below"}


def _find_joiners(words: list[str]) -> list[tuple[int, int, str | None]]:
    """(start, end, relation) of every word that joins two objects; "and" has relation None."""
    joiners = []
    for i, word in enumerate(words):
        if word in _RELATION_SINGLE:
            joiners.append((i, i + 1, _RELATION_SINGLE[word]))
        elif word in COLUMN_WORDS and i + 1 < len(words) and words[i + 1] == "of":
            joiners.append((i, i + 2, f"{word} of"))
        elif word == "and":
            joiners.append((i, i + 1, None))
        elif word == "of" and i > 0 and words[i - 1] in ROW_WORDS:  # "on top of"
            instead = "above" if ROW_WORDS[words[i - 1]] == "top" else "below"
            raise ValueError(f"'{words[i - 1]} of' is not a relation of this world; say "
                             f"{instead!r}, as in 'a red circle {instead} a blue square' ('of' "
                             "must follow 'left' or 'right', as in 'left of')")
        elif word == "of" and (i == 0 or words[i - 1] not in COLUMN_WORDS):
            raise ValueError("'of' must follow 'left' or 'right', as in 'left of'")
    return joiners


def _set_once(current: str | None, new: str, what: str) -> str:
    if current is not None and current != new:
        raise ValueError(f"contradiction: one object cannot be both {current} and {new} ({what})")
    return new


def _parse_position(rows: list[str], cols: list[str], centres: list[str]) -> str | None:
    """The named position of one object phrase from its row, column and centre words.

    "middle" fills in the missing row or column ("top middle" is "top", "middle left" is
    "left"); "center"/"centre" stands alone. Words that name two different cells raise.
    """
    words = rows + cols + centres
    if len(set(rows)) > 1 or len(set(cols)) > 1:
        raise ValueError(f"contradiction: the position words {words} disagree")
    row, col = (rows[0] if rows else None), (cols[0] if cols else None)
    strict = [w for w in centres if w != "middle"]  # "center", "centre": the centre cell only
    if (strict and (row or col)) or (centres and row and col):
        where = " ".join(w for w in (row, col) if w)
        raise ValueError(f"contradiction: the position words {words} disagree: {where!r} is not "
                         f"the {centres[0]}; a position is one of {list(POSITIONS)}")
    if row is None and col is None:
        return "center" if centres else None
    return " ".join(w for w in (row, col) if w)


def _parse_object(words: list[str]) -> tuple[ObjectSpec, str | None]:
    """One object phrase -> (its spec, its position or None)."""
    shape = colour = size = None
    rows, cols, centres, has_noun = [], [], [], False
    for word in words:
        if word in GENERIC_NOUNS:
            has_noun = True
        elif any(word in w for w in SHAPE_WORDS.values()):
            new = next(s for s, w in SHAPE_WORDS.items() if word in w)
            if shape is not None and shape != new:
                raise ValueError(f"two shapes ({shape}, {new}) in one object phrase "
                                 f"{' '.join(words)!r}; join two objects with a relation "
                                 f"such as 'above' or 'left of'")
            shape, has_noun = new, True
        elif any(word in w for w in COLOUR_WORDS.values()):
            new = next(c for c, w in COLOUR_WORDS.items() if word in w)
            colour = _set_once(colour, new, "colour")
        elif any(word in w for w in SIZE_WORDS.values()):
            size = _set_once(size, next(s for s, w in SIZE_WORDS.items() if word in w), "size")
        elif word in ROW_WORDS:
            rows.append(ROW_WORDS[word])
        elif word in COLUMN_WORDS:
            cols.append(word)
        elif word in CENTRE_WORDS:
            centres.append(word)
    if not has_noun:
        nouns = sorted({w for ws in SHAPE_WORDS.values() for w in ws} | set(GENERIC_NOUNS))
        raise ValueError(f"no object named in {' '.join(words)!r}; expected a noun: {nouns}")
    return ObjectSpec(shape, colour, size), _parse_position(rows, cols, centres)


def _check_one_relation_per_gap(words: list[str],
                                joiners: list[tuple[int, int, str | None]]) -> None:
    """Raise when two relations join the same two objects ("left of and above"): joiners with
    only filler words or "and" between them stand in one gap between two object phrases."""
    group: list[tuple[int, int, str | None]] = []
    for joiner in joiners:
        if group and any(w not in FILLERS for w in words[group[-1][1]:joiner[0]]):
            group = []
        group.append(joiner)
        relations = [relation for _, _, relation in group if relation is not None]
        if len(relations) > 1:
            raise ValueError(f"two relations {relations} between the same two objects; a prompt "
                             "states one relation (left of, right of, above or below): a "
                             "diagonal arrangement such as 'left of and above' is not in this world")


def parse(prompt: str) -> Constraints:
    """The constraints a prompt states. Grammar: OBJECT [POSITION] | OBJECT RELATION OBJECT |
    OBJECT and OBJECT. Raises ValueError for an empty prompt, unknown words (listing the
    vocabulary), contradictions (also between position words: "in the center at the top
    right"), two relations for one pair ("left of and above"), more than two objects, a
    relation missing an object and a position given in a two-object prompt."""
    words = tokenize(prompt)
    if not words:
        raise ValueError("empty prompt: describe one object, or two joined by a relation")
    _check_words(words)
    joiners = _find_joiners(words)
    _check_one_relation_per_gap(words, joiners)
    if len(joiners) > 1:
        raise ValueError(f"more objects than supported: {len(joiners) + 1} object phrases; "
                         "a prompt describes at most 2 objects, joined by one relation")
    if not joiners:
        spec, position = _parse_object(words)
        return Constraints((spec,), position, None)
    start, end, relation = joiners[0]
    left, right = words[:start], words[end:]
    if not [w for w in left if w not in FILLERS] or not [w for w in right if w not in FILLERS]:
        if relation is None:  # "and" joins two objects without stating a relation
            raise ValueError("'and' needs an object on each side, as in 'a red circle and a "
                             "blue square'")
        raise ValueError(f"the relation {' '.join(words[start:end])!r} needs an object on "
                         "each side, as in 'a red circle above a blue square'")
    (spec_a, pos_a), (spec_b, pos_b) = _parse_object(left), _parse_object(right)
    if pos_a is not None or pos_b is not None:
        raise ValueError("a position (such as 'top left') can only be given for a one-object "
                         "prompt; two objects are placed by their relation")
    return Constraints((spec_a, spec_b), None, relation)


# ---------------------------------------------------------------- datasets and evaluation prompts


def training_examples(n: int, seed: int, size: int = 32,
                      p_drop: float = 0.0) -> tuple[torch.Tensor, list[str], list[Scene]]:
    """n training examples without held-out combinations: images as a float tensor
    (n, 3, size, size) in [-1, 1], a caption for each (paraphrased at random, attributes
    dropped with probability ``p_drop``) and the scenes. The same seed gives the same data."""
    rng = np.random.default_rng(seed)
    scenes = [sample_scene(rng, None, "train") for _ in range(n)]
    captions = [caption(scene, rng, p_drop) for scene in scenes]
    return render_batch(scenes, size), captions, scenes


@dataclass(frozen=True)
class EvalPrompt:
    """One evaluation prompt; split is "in", "heldout pair" or "heldout triple"."""

    text: str
    split: str


EVAL_SEED = 9  # the evaluation prompts are drawn once, from this seed


def eval_prompts() -> list[EvalPrompt]:
    """The fixed evaluation prompts (72): 40 in distribution (20 one-object, 20 two-object),
    16 with a held-out (shape, colour) pair (each pair at both sizes alone, and each pair
    twice beside another object) and 16 with a held-out relation triple (each triple 4 times,
    with random in-distribution colours and sizes). Every prompt states every attribute."""
    rng = np.random.default_rng(EVAL_SEED)
    prompts = []
    for n_objects in (1, 2):
        for _ in range(20):
            scene = sample_scene(rng, n_objects, "train")
            prompts.append(EvalPrompt(caption(scene, rng), "in"))
    for (shape, colour) in HELDOUT_PAIRS:
        for size in SIZES:
            position = POSITIONS[int(rng.integers(len(POSITIONS)))]
            prompts.append(EvalPrompt(caption(place_one(shape, colour, size, position, rng),
                                              rng), "heldout pair"))
        for _ in range(2):
            other = _train_object(rng, shape=None)
            relation = RELATIONS[int(rng.integers(len(RELATIONS)))]
            a = (shape, colour, SIZES[int(rng.integers(2))])
            scene = place_two(a, relation, other, rng)
            prompts.append(EvalPrompt(caption(scene, rng), "heldout pair"))
    for (shape_a, relation, shape_b) in HELDOUT_TRIPLES:
        for _ in range(4):
            a = _train_object(rng, shape=shape_a)
            b = _train_object(rng, shape=shape_b)
            scene = place_two(a, relation, b, rng)
            prompts.append(EvalPrompt(caption(scene, rng), "heldout triple"))
    return prompts


def _train_object(rng: np.random.Generator, shape: str | None) -> tuple[str, str, str]:
    """A random (shape, colour, size) that is not a held-out pair; ``shape`` fixes the shape."""
    while True:
        pick = shape or SHAPES[int(rng.integers(len(SHAPES)))]
        colour = COLOUR_NAMES[int(rng.integers(len(COLOUR_NAMES)))]
        if (pick, colour) not in HELDOUT_PAIRS:
            return pick, colour, SIZES[int(rng.integers(2))]


def prompt_split(c: Constraints) -> str:
    """Which split a fully stated prompt belongs to: "in", "heldout pair" or "heldout triple"."""
    if any((o.shape, o.colour) in HELDOUT_PAIRS for o in c.objects):
        return "heldout pair"
    if c.relation is not None:
        a, b = c.objects
        if canonical_triple(a.shape, c.relation, b.shape) in HELDOUT_TRIPLES:
            return "heldout triple"
    return "in"



# ---------------------------------------------------------------- faithful and swapped renders


def place_prompt(c: Constraints, rng: np.random.Generator, relation: str | None = None,
                 exchange: bool = False) -> Scene:
    """A scene that follows the constraints ``c``: what ``c`` states is kept, what it leaves
    free (an attribute, the position, the relation) is drawn uniformly with ``rng``.

    relation: place the two objects in this relation instead of ``c.relation`` (with
    ``INVERSE[c.relation]``: the relation-reversed picture). exchange: give each of the two
    objects the other's colour (the colour-swapped picture). Both need a two-object ``c``.
    For a fully stated ``c`` the rng is used only by ``place_one`` / ``place_two``.
    """
    kinds = [(spec.shape or SHAPES[int(rng.integers(len(SHAPES)))],
              spec.colour or COLOUR_NAMES[int(rng.integers(len(COLOUR_NAMES)))],
              spec.size or SIZES[int(rng.integers(len(SIZES)))]) for spec in c.objects]
    if len(kinds) == 1:
        if relation is not None or exchange:
            raise ValueError("a relation or a colour exchange needs a two-object prompt")
        position = c.position or POSITIONS[int(rng.integers(len(POSITIONS)))]
        return place_one(*kinds[0], position, rng)
    if relation is not None and relation not in RELATIONS:
        raise ValueError(f"unknown relation {relation!r}; expected one of {RELATIONS}")
    relation = relation or c.relation or RELATIONS[int(rng.integers(len(RELATIONS)))]
    scene = place_two(kinds[0], relation, kinds[1], rng)
    return exchange_colours(scene) if exchange else scene


def render_prompt(c: Constraints | str, rng: np.random.Generator, relation: str | None = None,
                  exchange: bool = False, size: int = 32) -> np.ndarray:
    """``render(place_prompt(c, rng, relation, exchange), size)``: a uint8 image (size, size, 3)
    of a prompt (text or parsed constraints). Faithful renders of every evaluation prompt
    form the ceiling of prompt adherence (chapter 9, section 9.8)."""
    constraints = parse(c) if isinstance(c, str) else c
    return render(place_prompt(constraints, rng, relation, exchange), size)
