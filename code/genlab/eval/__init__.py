"""Judges and metrics: ``genlab.eval.mnist`` (the MNIST judge, chapter 2) and ``genlab.eval.shapes`` (chapter 9)."""
