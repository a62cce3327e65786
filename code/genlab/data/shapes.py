"""The shapes world of chapter 9: objects, scenes, anti-aliased rendering and held-out splits.

A scene is structured data (the dataclasses ``ShapeObject`` and ``Scene``) from which an
image is rendered, so that the ground truth of every image is known exactly:

- objects: 4 shapes x 6 colours x 2 sizes, drawn on a plain black background;
- scenes: one object at one of 9 named positions, or two objects in a relation
  (``"left of"``, ``"right of"``, ``"above"``, ``"below"``);
- objects never overlap and never leave the frame, and a stated relation holds
  with a gap of at least ``GAP`` between the two bounding boxes;
- rendering evaluates each shape on a grid ``RENDER_FACTOR`` times finer than the
  image and averages it down, so edges are anti-aliased;
- held-out combinations (``HELDOUT_PAIRS``, ``HELDOUT_TRIPLES``) never appear in the
  ``"train"`` split.

All coordinates in a ``Scene`` are fractions of the image side, so one scene renders
at 32x32 or 64x64. ``render`` gives a uint8 array (H, W, 3); ``render_batch`` gives a
float tensor (N, 3, H, W) in [-1, 1]. Captions, prompts and the tokenizer are in
``genlab.data.captions``; the judge that reads images back is ``genlab.eval.shapes``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "cross")
COLOURS: dict[str, tuple[float, float, float]] = {
    "red": (0.90, 0.10, 0.10),
    "green": (0.10, 0.80, 0.10),
    "blue": (0.15, 0.25, 0.95),
    "yellow": (0.95, 0.90, 0.10),
    "magenta": (0.85, 0.15, 0.85),
    "cyan": (0.10, 0.85, 0.85),
}
COLOUR_NAMES: tuple[str, ...] = tuple(COLOURS)
BACKGROUND: tuple[float, float, float] = (0.0, 0.0, 0.0)
SIZES: tuple[str, ...] = ("small", "big")
# Side of an object's bounding box as a fraction of the image side (7 and 11 pixels at 32x32).
SIZE_FRACTION: dict[str, float] = {"small": 7 / 32, "big": 11 / 32}
# Fraction of the bounding box a shape covers, and its centroid below the box centre
# in units of the half side (only the triangle's centroid is off centre).
FILL: dict[str, float] = {"circle": np.pi / 4, "square": 1.0, "triangle": 0.5, "cross": 5 / 9}
CENTROID_OFFSET: dict[str, float] = {"circle": 0.0, "square": 0.0, "triangle": 1 / 3, "cross": 0.0}
CROSS_ARM = 1 / 3  # half-width of the cross's arms, in units of the half side

POSITIONS: tuple[str, ...] = (
    "top left", "top", "top right",
    "left", "center", "right",
    "bottom left", "bottom", "bottom right",
)  # fmt: skip
POSITION_CENTRES: tuple[float, float, float] = (0.24, 0.5, 0.76)  # cell centres, fraction
POSITION_BOUNDS: tuple[float, float] = (0.37, 0.63)  # a centre left of 0.37 is in column 0
POSITION_JITTER = 0.025  # a one-object scene moves up to this far from its cell centre

RELATIONS: tuple[str, ...] = ("left of", "right of", "above", "below")
INVERSE: dict[str, str] = {
    "left of": "right of", "right of": "left of", "above": "below", "below": "above",
}  # fmt: skip
EDGE = 1 / 32  # smallest distance from a bounding box to the frame border
GAP = 2 / 32  # smallest gap between the two boxes along the relation's axis
MAX_CROSS_OFFSET = 0.15  # largest offset of the two centres across the relation's axis
RELATION_MARGIN = 0.1  # a relation holds when the centres differ by this much along its axis
RENDER_FACTOR = 8  # supersampling factor of `render`

# Held-out combinations: never in the "train" split (chapter 9, "held-out splits").
# Each shape and each colour still appears in training with other partners.
HELDOUT_PAIRS: tuple[tuple[str, str], ...] = (
    ("circle", "green"),
    ("square", "magenta"),
    ("triangle", "blue"),
    ("cross", "yellow"),
)
# (shape A, relation, shape B) in canonical form: relation "left of" or "above".
# "circle above square" is held out, while "square above circle" is in training.
HELDOUT_TRIPLES: tuple[tuple[str, str, str], ...] = (
    ("circle", "above", "square"),
    ("square", "left of", "triangle"),
    ("triangle", "above", "cross"),
    ("cross", "left of", "circle"),
)
SPLITS: tuple[str, ...] = ("train", "heldout", "all")


@dataclass(frozen=True)
class ShapeObject:
    """One object: its attributes and the centre (x, y) of its bounding box.

    x is measured from the left and y from the top, as fractions of the image side.
    """

    shape: str
    colour: str
    size: str
    x: float
    y: float

    @property
    def half(self) -> float:
        """Half the side of the bounding box, as a fraction of the image side."""
        return SIZE_FRACTION[self.size] / 2


@dataclass(frozen=True)
class Scene:
    """One object at a named ``position``, or two objects with ``objects[0] <relation> objects[1]``."""

    objects: tuple[ShapeObject, ...]
    position: str | None = None
    relation: str | None = None

    def __post_init__(self) -> None:
        for obj in self.objects:
            check_attributes(obj.shape, obj.colour, obj.size)
        if len(self.objects) == 1:
            if self.position not in POSITIONS or self.relation is not None:
                raise ValueError(f"a one-object scene needs a position in {POSITIONS}")
        elif len(self.objects) == 2:
            if self.relation not in RELATIONS or self.position is not None:
                raise ValueError(f"a two-object scene needs a relation in {RELATIONS}")
        else:
            raise ValueError(f"a scene holds 1 or 2 objects, not {len(self.objects)}")


def check_attributes(shape: str, colour: str, size: str) -> None:
    """Raise a ValueError naming the allowed values when an attribute is unknown."""
    for value, allowed, name in ((shape, SHAPES, "shape"), (colour, COLOUR_NAMES, "colour"),
                                 (size, SIZES, "size")):
        if value not in allowed:
            raise ValueError(f"unknown {name} {value!r}; expected one of {allowed}")


# ---------------------------------------------------------------- geometry and relations


def position_of(x: float, y: float) -> str:
    """The named position of a centre: column and row of the 3x3 grid cut at POSITION_BOUNDS."""
    col = int(x > POSITION_BOUNDS[0]) + int(x > POSITION_BOUNDS[1])
    row = int(y > POSITION_BOUNDS[0]) + int(y > POSITION_BOUNDS[1])
    return POSITIONS[3 * row + col]


def relation_holds(ax: float, ay: float, bx: float, by: float, relation: str,
                   margin: float = RELATION_MARGIN) -> bool:
    """Does A <relation> B hold for centres (ax, ay), (bx, by)? Rule: along the relation's
    axis the centres differ by at least ``margin``, and by more than across it, so that at
    most one of the four relations holds (y grows downwards, so "above" is ay < by)."""
    dx, dy = bx - ax, by - ay  # where B is, seen from A
    components = {"left of": (dx, dy), "right of": (-dx, dy), "above": (dy, dx), "below": (-dy, dx)}
    if relation not in components:
        raise ValueError(f"unknown relation {relation!r}; expected one of {RELATIONS}")
    along, across = components[relation]
    return along >= margin and abs(across) < along


def relation_angle(ax: float, ay: float, bx: float, by: float, relation: str) -> float:
    """The angle, in degrees, between B - A and the direction of ``relation``: 0 when B lies
    exactly in that direction, 45 on a diagonal, where ``relation_holds`` flips to the
    perpendicular relation. A relation that holds with an angle near 45 holds by a hair
    (chapter 9, pitfall 2); every sampled scene has an angle of at most
    atan(MAX_CROSS_OFFSET / d_min), about 28 degrees."""
    dx, dy = bx - ax, by - ay
    directions = {"left of": (1.0, 0.0), "right of": (-1.0, 0.0), "above": (0.0, 1.0),
                  "below": (0.0, -1.0)}
    if relation not in directions:
        raise ValueError(f"unknown relation {relation!r}; expected one of {RELATIONS}")
    ux, uy = directions[relation]
    return float(np.degrees(np.arctan2(abs(ux * dy - uy * dx), ux * dx + uy * dy)))


def box_gap(a: ShapeObject, b: ShapeObject) -> float:
    """The gap between two bounding boxes: the larger of the horizontal and vertical gaps.

    It is positive when the boxes are apart, and at most 0 when they overlap.
    """
    gap_x = abs(a.x - b.x) - a.half - b.half
    gap_y = abs(a.y - b.y) - a.half - b.half
    return max(gap_x, gap_y)


def inside_frame(obj: ShapeObject, edge: float = EDGE) -> bool:
    """True when the bounding box keeps at least ``edge`` from every border of the frame."""
    lo, hi = edge + obj.half - 1e-9, 1 - edge - obj.half + 1e-9
    return lo <= obj.x <= hi and lo <= obj.y <= hi


def canonical_triple(shape_a: str, relation: str, shape_b: str) -> tuple[str, str, str]:
    """Write A <relation> B with relation "left of" or "above": "B below A" -> "A above B"."""
    if relation in ("right of", "below"):
        return shape_b, INVERSE[relation], shape_a
    return shape_a, relation, shape_b


def scene_is_heldout(scene: Scene) -> bool:
    """True when a scene contains a held-out (shape, colour) pair or a held-out relation triple."""
    if any((obj.shape, obj.colour) in HELDOUT_PAIRS for obj in scene.objects):
        return True
    if scene.relation is not None:
        a, b = scene.objects
        return canonical_triple(a.shape, scene.relation, b.shape) in HELDOUT_TRIPLES
    return False


def exchange_colours(scene: Scene) -> Scene:
    """The two-object scene with its two objects' colours exchanged, everything else kept:
    the picture of the classic colour swap (chapter 9, section 9.8; chapter 11). Raises ValueError for a one-object scene."""
    if len(scene.objects) != 2:
        raise ValueError("exchanging colours needs a two-object scene")
    a, b = scene.objects
    return replace(scene, objects=(replace(a, colour=b.colour), replace(b, colour=a.colour)))


_MIRROR_WORDS: dict[str, str] = {"left": "right", "right": "left"}


def mirror(scene: Scene) -> Scene:
    """The scene that a horizontal flip of its image shows: every x becomes 1 - x, so "left of"
    becomes "right of" and a "top left" position becomes "top right" (chapter 9, pitfall 6:
    why flipping is no augmentation for this world). ``render(mirror(s))`` equals
    ``render(s)[:, ::-1]``: every shape, and the sample points of every pixel, are symmetric
    about a vertical axis."""
    objects = tuple(replace(o, x=1 - o.x) for o in scene.objects)
    relation = scene.relation
    if relation in ("left of", "right of"):
        relation = INVERSE[relation]
    position = scene.position
    if position is not None:
        position = " ".join(_MIRROR_WORDS.get(word, word) for word in position.split())
    return Scene(objects, position=position, relation=relation)


# ---------------------------------------------------------------- sampling scenes


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def place_one(shape: str, colour: str, size: str, position: str,
              rng: np.random.Generator) -> Scene:
    """A one-object scene: the object's centre is its cell centre plus a small uniform jitter."""
    index = POSITIONS.index(position)
    row, col = divmod(index, 3)
    x = POSITION_CENTRES[col] + rng.uniform(-POSITION_JITTER, POSITION_JITTER)
    y = POSITION_CENTRES[row] + rng.uniform(-POSITION_JITTER, POSITION_JITTER)
    return Scene((ShapeObject(shape, colour, size, float(x), float(y)),), position=position)


def place_two(a: tuple[str, str, str], relation: str, b: tuple[str, str, str],
              rng: np.random.Generator) -> Scene:
    """A two-object scene with A <relation> B, by rejection sampling of the two centres.

    Constraints: both boxes inside the frame (EDGE), a gap >= GAP between them along the
    relation's axis, and an offset <= MAX_CROSS_OFFSET across it.
    """
    half_a, half_b = SIZE_FRACTION[a[2]] / 2, SIZE_FRACTION[b[2]] / 2
    along = "x" if relation in ("left of", "right of") else "y"
    sign = -1.0 if relation in ("left of", "above") else 1.0  # sign of A - B along the axis
    for _ in range(1000):
        pa = rng.uniform(EDGE + half_a, 1 - EDGE - half_a, size=2)
        pb = rng.uniform(EDGE + half_b, 1 - EDGE - half_b, size=2)
        i, j = (0, 1) if along == "x" else (1, 0)
        if sign * (pa[i] - pb[i]) < half_a + half_b + GAP:
            continue
        if abs(pa[j] - pb[j]) > MAX_CROSS_OFFSET:
            continue
        obj_a = ShapeObject(*a, float(pa[0]), float(pa[1]))
        obj_b = ShapeObject(*b, float(pb[0]), float(pb[1]))
        return Scene((obj_a, obj_b), relation=relation)
    raise RuntimeError(f"could not place {a} {relation} {b}")  # cannot happen at these sizes


def sample_scene(rng: np.random.Generator, n_objects: int | None = None,
                 split: str = "train") -> Scene:
    """One random scene. n_objects: 1, 2 or None (either, with equal odds).

    split "train" excludes held-out combinations, "heldout" keeps only scenes with one,
    "all" keeps everything. Attributes, positions and relations are uniform.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    if n_objects not in (None, 1, 2):
        raise ValueError(f"n_objects must be 1, 2 or None, not {n_objects!r}")
    while True:
        n = n_objects if n_objects is not None else int(rng.integers(1, 3))
        kinds = [(_pick(rng, SHAPES), _pick(rng, COLOUR_NAMES), _pick(rng, SIZES))
                 for _ in range(n)]
        if n == 1:
            scene = place_one(*kinds[0], _pick(rng, POSITIONS), rng)
        else:
            scene = place_two(kinds[0], _pick(rng, RELATIONS), kinds[1], rng)
        heldout = scene_is_heldout(scene)
        if split == "all" or (split == "heldout") == heldout:
            return scene


def sample_scenes(n: int, seed: int, n_objects: int | None = None,
                  split: str = "train") -> list[Scene]:
    """n random scenes, the same for the same seed (see ``sample_scene``)."""
    rng = np.random.default_rng(seed)
    return [sample_scene(rng, n_objects, split) for _ in range(n)]


# ---------------------------------------------------------------- rendering


def shape_mask(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Is the point (u, v) inside the shape? u, v are measured from the box centre in units of
    the half side, so the bounding box is [-1, 1]^2 (v grows downwards).

    circle u^2 + v^2 <= 1; square |u|, |v| <= 1; triangle (apex up) v <= 1 and |u| <= (v + 1)/2;
    cross: |u| <= 1/3 and |v| <= 1, or |v| <= 1/3 and |u| <= 1.
    """
    if shape == "circle":
        return u * u + v * v <= 1.0
    if shape == "square":
        return (np.abs(u) <= 1.0) & (np.abs(v) <= 1.0)
    if shape == "triangle":
        return (v <= 1.0) & (np.abs(u) <= (v + 1.0) / 2)
    if shape == "cross":
        au, av = np.abs(u), np.abs(v)
        return ((au <= CROSS_ARM) & (av <= 1.0)) | ((av <= CROSS_ARM) & (au <= 1.0))
    raise ValueError(f"unknown shape {shape!r}; expected one of {SHAPES}")


def coverage(shape: str, cx: float, cy: float, side: float, image_size: int,
             factor: int = RENDER_FACTOR) -> tuple[int, int, np.ndarray]:
    """Anti-aliased coverage of one shape, in pixels: (row0, col0, alpha) with alpha (h, w).

    The box centre (cx, cy) and side are in pixels. Pixel (i, j) covers [j, j+1) x [i, i+1);
    alpha is the fraction of its factor x factor sample points, at columns j + (b + 1/2)/factor
    and rows i + (a + 1/2)/factor for a, b = 0 .. factor - 1, that fall inside the shape.
    factor = 1 is naive drawing: a pixel is in or out by its centre alone.
    """
    half = side / 2
    c0, c1 = max(int(np.floor(cx - half)), 0), min(int(np.ceil(cx + half)), image_size)
    r0, r1 = max(int(np.floor(cy - half)), 0), min(int(np.ceil(cy + half)), image_size)
    offsets = (np.arange(factor) + 0.5) / factor
    xs = (np.arange(c0, c1)[:, None] + offsets).reshape(-1)
    ys = (np.arange(r0, r1)[:, None] + offsets).reshape(-1)
    inside = shape_mask(shape, ((xs - cx) / half)[None, :], ((ys - cy) / half)[:, None])
    alpha = inside.reshape(r1 - r0, factor, c1 - c0, factor).mean(axis=(1, 3))
    return r0, c0, alpha


def render_float(scene: Scene, size: int = 32, factor: int = RENDER_FACTOR) -> np.ndarray:
    """The scene as floats in [0, 1], shape (size, size, 3).

    Each object is painted over the background: pixel = (1 - alpha) * pixel + alpha * colour.
    """
    image = np.empty((size, size, 3), dtype=np.float32)
    image[:] = BACKGROUND
    for obj in scene.objects:
        side = SIZE_FRACTION[obj.size] * size
        r0, c0, alpha = coverage(obj.shape, obj.x * size, obj.y * size, side, size, factor)
        a = alpha[:, :, None].astype(np.float32)
        h, w = alpha.shape
        patch = image[r0:r0 + h, c0:c0 + w]
        image[r0:r0 + h, c0:c0 + w] = (1 - a) * patch + a * np.asarray(COLOURS[obj.colour])
    return image


def render(scene: Scene, size: int = 32, factor: int = RENDER_FACTOR) -> np.ndarray:
    """The scene as a uint8 image of shape (size, size, 3), rendered at ``factor`` x resolution."""
    if size not in (32, 64):
        raise ValueError(f"image size must be 32 or 64, not {size}")
    return np.rint(render_float(scene, size, factor) * 255).astype(np.uint8)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 images (N, H, W, 3) in [0, 255] -> float tensor (N, 3, H, W) in [-1, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float()
    return x / 127.5 - 1.0


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Float tensor (N, 3, H, W) in [-1, 1] -> uint8 images (N, H, W, 3); values are clipped."""
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round()
    return x.to(torch.uint8).permute(0, 2, 3, 1).numpy()


def render_batch(scenes: list[Scene], size: int = 32) -> torch.Tensor:
    """Render scenes into a float tensor (N, 3, size, size) in [-1, 1], ready for a model."""
    return to_tensor(render_many(scenes, size))


def render_many(scenes: list[Scene], size: int = 32) -> np.ndarray:
    """Render scenes into uint8 images (N, size, size, 3)."""
    images = np.zeros((len(scenes), size, size, 3), dtype=np.uint8)
    for i, scene in enumerate(scenes):
        images[i] = render(scene, size)
    return images
