"""The book's table of contents, read from _toc.yml: which notebooks and pages make the course.

python tests/book_toc.py      # prints the notebooks, one per line (the Makefile runs nbval on them)
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_files() -> list[str]:
    """Every file named in _toc.yml (without suffix), root first, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    return files


def notebooks() -> list[Path]:
    """The chapter notebooks listed in _toc.yml."""
    return [ROOT / f"{f}.ipynb" for f in toc_files() if (ROOT / f"{f}.ipynb").exists()]


def load(path: Path) -> dict:
    """A notebook as a dict (nbformat 4 JSON)."""
    return json.loads(path.read_text())


if __name__ == "__main__":
    print("\n".join(str(p.relative_to(ROOT)) for p in notebooks()))
