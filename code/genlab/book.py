"""Helpers for the book's pages: numbers glued from code into the prose, on the site and on Colab.

A chapter writes ``glue("accuracy", acc)`` in a code cell and
``{glue:text}`accuracy:.1f``` in its text; the site then shows the number the
code computed, never one typed by hand (DESIGN §5). This wraps myst-nb's
``glue`` so that it

- turns NumPy and torch scalars into plain Python numbers (myst-nb cannot format
  ``np.float64(0.5)``),
- rounds floats to ``digits`` significant digits, so that stored outputs do not
  change with the last bit of a floating-point sum,
- does nothing where myst-nb is not installed (Colab): there the cell's printed
  output already shows the number.
"""

from __future__ import annotations

import numbers

import numpy as np


def plain_number(value: object, digits: int = 6) -> object:
    """A NumPy/torch scalar as a Python int or float (floats rounded to ``digits`` significant digits)."""
    if hasattr(value, "item") and np.ndim(value) == 0:
        value = value.item()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(f"{float(value):.{digits}g}")
    return value


def glue(name: str, value: object, display: bool = False, digits: int = 6) -> None:
    """Make ``value`` available to the page's text as ``{glue:text}`name```; see the module docstring."""
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # e.g. on Colab: nothing to glue into
        return
    myst_glue(name, plain_number(value, digits), display=display)
