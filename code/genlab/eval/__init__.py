"""Judges and metrics: ``genlab.eval.mnist`` (the MNIST judge, chapter 2) and ``genlab.eval.shapes`` (chapter 9).

The MNIST metrics are re-exported here, so ``genlab.eval.frechet_distance`` works:
``judge_features``, ``frechet_distance``, ``fd_floor``, ``fd_to_real``,
``class_coverage``, ``conditional_accuracy``. Importing them loads nothing:
the judge's weights are read on first use.
"""

from genlab.eval.mnist import (
    class_coverage,
    conditional_accuracy,
    fd_floor,
    fd_to_real,
    frechet_distance,
    judge_features,
)

__all__ = [
    "class_coverage",
    "conditional_accuracy",
    "fd_floor",
    "fd_to_real",
    "frechet_distance",
    "judge_features",
]
