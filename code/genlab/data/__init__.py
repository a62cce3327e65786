"""Datasets of the course: ``genlab.data.mnist`` (chapters 1-8) and ``genlab.data.shapes`` (chapters 9-11)."""
