"""Test settings: never touch the network (the offline MNIST subset), and a small-thread torch."""

import os

os.environ.setdefault("GENLAB_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
