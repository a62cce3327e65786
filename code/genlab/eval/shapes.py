"""The shapes judge of chapter 9: read an image back into objects, and score prompt adherence.

``judge(image)`` finds the objects of a shapes-world image in three rule-based steps:

1. segment by colour: a pixel is foreground when its brightest channel exceeds
   ``FOREGROUND``, and takes the palette colour whose direction in RGB space is closest
   (largest cosine);
2. connected components of each colour are the candidate objects (specks smaller than
   ``MIN_AREA`` are dropped);
3. shape and size by template matching: each of the 8 (shape, size) objects the world can
   hold is drawn at the component's centroid, and the one with the smallest squared error
   to the component's coverage map wins.

``adherence(image, prompt)`` checks each constraint of a prompt (per-constraint pass/fail),
the whole prompt, and a swap flag: the image fails the prompt but satisfies it with the
relation reversed or the two colours exchanged (the classic failure of chapter 11).
``judge_accuracy`` scores the judge against the ground truth of rendered scenes (pairing
true and detected objects with ``match_detections``), and
``add_noise`` / ``blur`` make the slightly-off images on which it is also tested.

Known limits, measured in chapter 9 (sections 9.9 and 9.10); a reading is never flagged:

- every bright pixel is snapped to the nearest palette direction: grey and white objects
  are read as magenta, orange ones as yellow;
- templates exist only at the world's two sizes: a circle of 8-9 px is read as a small
  square, a square of 6 px as a small circle, a square or triangle of 9 px as a circle;
- touching objects of one colour form one component and are read as one object;
- the template error does not separate images outside the world: correctly read renders
  blurred by 1 px reach larger errors than an orange or white circle;
- a relation is read from the two centres alone (``relation_holds``): it passes by a hair
  when B lies almost on a diagonal of A, say 44 degrees below-right for "A left of B";
  ``genlab.data.shapes.relation_angle`` measures how close to the diagonal a pair is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import permutations

import numpy as np
import torch
from scipy import ndimage

from genlab.data.captions import Constraints, ObjectSpec, parse
from genlab.data.shapes import (
    CENTROID_OFFSET,
    COLOUR_NAMES,
    COLOURS,
    INVERSE,
    SHAPES,
    SIZE_FRACTION,
    SIZES,
    Scene,
    coverage,
    position_of,
    relation_holds,
)

FOREGROUND = 0.3  # a pixel whose brightest channel exceeds this is part of an object
MIN_AREA = 8.0  # smallest object area kept, in pixels at 32x32 (the smallest object has 24.5)
TEMPLATE_FACTOR = 4  # supersampling of the templates
_PALETTE = np.array([COLOURS[c] for c in COLOUR_NAMES], dtype=np.float32)  # (6, 3)
_DIRECTIONS = _PALETTE / np.linalg.norm(_PALETTE, axis=1, keepdims=True)


@dataclass(frozen=True)
class Detection:
    """One object found by the judge. (x, y) is the centre of its bounding box as fractions of
    the image side; area is its coverage in pixels; error the template's squared error."""

    shape: str
    colour: str
    size: str
    x: float
    y: float
    position: str
    area: float
    error: float


def as_float_image(image: np.ndarray | torch.Tensor) -> np.ndarray:
    """One image as floats in [0, 1], shape (H, W, 3). Accepts a uint8 array (H, W, 3), a float
    array (H, W, 3) in [0, 1], or a tensor (3, H, W) in [-1, 1] (the models' convention)."""
    if isinstance(image, torch.Tensor):
        if image.ndim != 3 or image.shape[0] != 3:
            raise ValueError(f"expected a tensor (3, H, W), got {tuple(image.shape)}")
        return ((image.detach().float().cpu().clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an array (H, W, 3), got {image.shape}")
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255
    return image.astype(np.float32)


def segment(image: np.ndarray) -> np.ndarray:
    """Colour index of each pixel of a float image (H, W, 3): -1 for background, else the
    palette colour k maximising the cosine <p, c_k> / (|p| |c_k|)."""
    labels = np.argmax(image @ _DIRECTIONS.T, axis=2)  # |p| is the same for every k
    return np.where(image.max(axis=2) > FOREGROUND, labels, -1)


def _fit_template(alpha: np.ndarray, r0: int, c0: int, size: int) -> tuple[str, str, float,
                                                                           float, float]:
    """The (shape, size) whose template best matches the coverage map ``alpha`` (a window whose
    top-left pixel is (r0, c0)): returns shape, size, box centre x, y (pixels) and the error."""
    h, w = alpha.shape
    total = alpha.sum()
    rows, cols = np.arange(h) + r0 + 0.5, np.arange(w) + c0 + 0.5
    cx = float((alpha.sum(axis=0) * cols).sum() / total)
    cy = float((alpha.sum(axis=1) * rows).sum() / total)
    best = ("", "", 0.0, 0.0, np.inf)
    for shape in SHAPES:
        for size_name in SIZES:
            side = SIZE_FRACTION[size_name] * size
            box_y = cy - CENTROID_OFFSET[shape] * side / 2  # the centroid sits below a triangle's box centre
            tr0, tc0, t = coverage(shape, cx, box_y, side, size, TEMPLATE_FACTOR)
            template = np.zeros_like(alpha)
            a0, b0 = max(tr0 - r0, 0), max(tc0 - c0, 0)
            a1, b1 = min(tr0 - r0 + t.shape[0], h), min(tc0 - c0 + t.shape[1], w)
            template[a0:a1, b0:b1] = t[a0 - (tr0 - r0):a1 - (tr0 - r0), b0 - (tc0 - c0):b1 - (tc0 - c0)]
            error = float(((alpha - template) ** 2).sum()) + float(t.sum() - template.sum())
            if error < best[4]:
                best = (shape, size_name, cx, box_y, error)
    return best


def judge(image: np.ndarray | torch.Tensor) -> list[Detection]:
    """The objects in one image (see the module docstring for the rules), sorted left to right."""
    img = as_float_image(image)
    size = img.shape[0]
    labels = segment(img)
    min_area = MIN_AREA * (size / 32) ** 2
    detections = []
    for k in np.unique(labels[labels >= 0]):
        components, n = ndimage.label(labels == k)
        colour = np.asarray(COLOURS[COLOUR_NAMES[k]], dtype=np.float32)
        # Coverage of colour k: the projection alpha = <p, c> / <c, c>, clipped to [0, 1].
        projection = np.clip(img @ colour / (colour @ colour), 0, 1)
        pixels = np.bincount(components.ravel())
        for index, box in enumerate(ndimage.find_objects(components), start=1):
            if pixels[index] < min_area / 4:  # a speck of noise, not worth fitting
                continue
            r0, r1 = max(box[0].start - 2, 0), min(box[0].stop + 2, size)
            c0, c1 = max(box[1].start - 2, 0), min(box[1].stop + 2, size)
            mine = ndimage.binary_dilation(components[r0:r1, c0:c1] == index)
            other = (labels[r0:r1, c0:c1] >= 0) & (labels[r0:r1, c0:c1] != k)
            alpha = projection[r0:r1, c0:c1] * (mine & ~other)
            if alpha.sum() < min_area:
                continue
            shape, size_name, bx, by, error = _fit_template(alpha, r0, c0, size)
            x, y = bx / size, by / size
            detections.append(Detection(shape, COLOUR_NAMES[k], size_name, x, y,
                                        position_of(x, y), float(alpha.sum()), error))
    return sorted(detections, key=lambda d: (d.x, d.y))


def judge_batch(images: np.ndarray | torch.Tensor) -> list[list[Detection]]:
    """``judge`` on each image of a batch: uint8 (N, H, W, 3) or a tensor (N, 3, H, W) in [-1, 1]."""
    return [judge(image) for image in images]


# ---------------------------------------------------------------- prompt adherence


@dataclass(frozen=True)
class Adherence:
    """Per-constraint pass/fail (e.g. "object 1 colour", "relation"), the whole-prompt pass,
    and the swap flag (failed, but the reversed relation or exchanged colours would pass)."""

    checks: dict[str, bool]
    passed: bool
    swap: bool
    detections: list[Detection]


def _checks_for(dets: tuple[Detection | None, ...], c: Constraints) -> dict[str, bool]:
    """Checks of the constraints against detections assigned to the prompt's objects in order."""
    checks: dict[str, bool] = {}
    for i, (spec, det) in enumerate(zip(c.objects, dets, strict=True), start=1):
        for attribute in ("shape", "colour", "size"):
            want = getattr(spec, attribute)
            if want is not None:
                checks[f"object {i} {attribute}"] = det is not None and getattr(det, attribute) == want
    if c.position is not None:
        checks["position"] = dets[0] is not None and dets[0].position == c.position
    if c.relation is not None:
        a, b = dets[0], dets[1]
        checks["relation"] = (a is not None and b is not None
                              and relation_holds(a.x, a.y, b.x, b.y, c.relation))
    return checks


def check_constraints(detections: list[Detection], c: Constraints) -> dict[str, bool]:
    """Per-constraint pass/fail of detections against constraints. The detections are
    assigned to the prompt's objects in the order that passes the most checks; "count" checks
    that the judge found exactly as many objects as the prompt names."""
    k = len(c.objects)
    padded: list[Detection | None] = list(detections) + [None] * max(k - len(detections), 0)
    best: dict[str, bool] | None = None
    for order in permutations(padded, k):
        checks = _checks_for(order, c)
        if best is None or sum(checks.values()) > sum(best.values()):
            best = checks
    assert best is not None
    return {"count": len(detections) == k, **best}


def _swapped(c: Constraints) -> list[Constraints]:
    """The swapped readings of a two-object prompt: relation reversed, colours exchanged."""
    if len(c.objects) != 2:
        return []
    variants = []
    if c.relation is not None:
        variants.append(replace(c, relation=INVERSE[c.relation]))
    a, b = c.objects
    if a.colour is not None and b.colour is not None and a.colour != b.colour:
        variants.append(replace(c, objects=(ObjectSpec(a.shape, b.colour, a.size),
                                            ObjectSpec(b.shape, a.colour, b.size))))
    return variants


def adherence(image: np.ndarray | torch.Tensor, prompt: str | Constraints) -> Adherence:
    """Does the image follow the prompt? Per-constraint checks, whole-prompt pass, swap flag."""
    c = parse(prompt) if isinstance(prompt, str) else prompt
    detections = judge(image)
    checks = check_constraints(detections, c)
    passed = all(checks.values())
    swap = not passed and any(all(check_constraints(detections, s).values())
                              for s in _swapped(c))
    return Adherence(checks, passed, swap, detections)


def adherence_rates(results: list[Adherence]) -> dict[str, float]:
    """Summary over many images: whole-prompt pass rate, swap rate, and the pass rate of each
    kind of check (count, shape, colour, size, position, relation) over the prompts that state it."""
    rates = {"whole prompt": float(np.mean([r.passed for r in results])),
             "swap": float(np.mean([r.swap for r in results]))}
    for kind in ("count", "shape", "colour", "size", "position", "relation"):
        values = [v for r in results for name, v in r.checks.items() if name.split()[-1] == kind]
        if values:
            rates[kind] = float(np.mean(values))
    return rates


# ---------------------------------------------------------------- the judge's own accuracy


def match_detections(scene: Scene, dets: list[Detection]) -> list[Detection | None]:
    """The detection matched to each object of the scene, in the scene's order (None where
    the judge found too few objects): the assignment of least total L1 distance between the
    true and the detected centres, a missing detection costing 10. A scene holds at most
    2 objects, so every assignment is tried. Used by ``judge_accuracy``, and in chapter 9 to
    list the objects the judge misreads."""
    k = len(scene.objects)
    padded: list[Detection | None] = list(dets) + [None] * max(k - len(dets), 0)

    def cost(order: tuple[Detection | None, ...]) -> float:
        return sum(10.0 if d is None else abs(d.x - o.x) + abs(d.y - o.y)
                   for o, d in zip(scene.objects, order, strict=True))

    return list(min(permutations(padded, k), key=cost))


def judge_accuracy(scenes: list[Scene], detections: list[list[Detection]]) -> dict[str, float]:
    """The judge's accuracy against ground truth. shape, colour, size: over all objects;
    position: over one-object scenes; relation: over two-object scenes; count: over scenes;
    whole scene: the count and every attribute, position and relation right."""
    hits: dict[str, list[bool]] = {k: [] for k in ("shape", "colour", "size", "position",
                                                   "relation", "count", "whole scene")}
    for scene, dets in zip(scenes, detections, strict=True):
        matched = match_detections(scene, dets)
        right = [len(dets) == len(scene.objects)]
        hits["count"].append(right[0])
        for obj, det in zip(scene.objects, matched, strict=True):
            for attribute in ("shape", "colour", "size"):
                ok = det is not None and getattr(det, attribute) == getattr(obj, attribute)
                hits[attribute].append(ok)
                right.append(ok)
        if scene.position is not None:
            ok = matched[0] is not None and matched[0].position == scene.position
            hits["position"].append(ok)
            right.append(ok)
        if scene.relation is not None:
            a, b = matched
            ok = (a is not None and b is not None
                  and relation_holds(a.x, a.y, b.x, b.y, scene.relation))
            hits["relation"].append(ok)
            right.append(ok)
        hits["whole scene"].append(all(right))
    return {k: float(np.mean(v)) for k, v in hits.items() if v}


# ---------------------------------------------------------------- slightly-off images


def add_noise(images: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """uint8 images plus Gaussian noise of standard deviation ``sigma`` (on the [0, 1] scale)."""
    rng = np.random.default_rng(seed)
    noisy = images.astype(np.float32) / 255 + rng.normal(0, sigma, images.shape)
    return np.rint(np.clip(noisy, 0, 1) * 255).astype(np.uint8)


def blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """uint8 images (N, H, W, 3) blurred by a Gaussian of ``sigma`` pixels in each image plane."""
    out = ndimage.gaussian_filter(images.astype(np.float32), sigma=(0, sigma, sigma, 0))
    return np.rint(np.clip(out, 0, 255)).astype(np.uint8)
