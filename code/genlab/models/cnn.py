"""The small convolutional network of chapter 2, which becomes the MNIST judge.

Two blocks of (3x3 convolution, ReLU, 3x3 convolution, ReLU, 2x2 max-pooling)
turn a 28x28 digit into 32 feature maps of 7x7; a dense layer maps them to a
128-dimensional feature vector, and a last dense layer to 10 class logits:

    x (N, 1, 28, 28) -> conv block -> (N, 16, 14, 14) -> conv block -> (N, 32, 7, 7)
      -> flatten (N, 1568) -> dense + ReLU -> features (N, 128) -> dense -> logits (N, 10)

A convolution slides one small set of weights over the whole image,
``y[c, i, j] = b[c] + sum_{c', u, v} w[c, c', u, v] x[c', i + u, j + v]``, so a
pattern is detected wherever it appears and the layer has few parameters.
The 128 features (the penultimate layer) are what ``genlab.eval`` compares
for the Fréchet distance. ``random_shift_rotate`` is the data augmentation
the judge is trained with, and ``train_classifier`` the training the recipe
``python -m genlab.recipes mnist_judge`` runs (Adam, cosine learning rate).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from genlab.train import History, train

FEATURE_DIM = 128


def conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """Two 3x3 convolutions (padding 1 keeps the size) with ReLU, then 2x2 max-pooling halves it."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(c_out, c_out, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )


class SmallCNN(nn.Module):
    """Digits (N, 1, 28, 28) in [0, 1] -> class logits (N, 10); ``features`` gives the (N, 128) layer."""

    def __init__(self, channels: tuple[int, int] = (16, 32), dropout: float = 0.3) -> None:
        super().__init__()
        c1, c2 = channels
        self.blocks = nn.Sequential(conv_block(1, c1), conv_block(c1, c2))
        self.dense = nn.Linear(c2 * 7 * 7, FEATURE_DIM)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(FEATURE_DIM, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate layer: ReLU(dense(flatten(blocks(x)))), shape (N, 128)."""
        return F.relu(self.dense(self.blocks(x).flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(x)))


def random_shift_rotate(
    images: torch.Tensor, max_shift: float = 2.0, max_degrees: float = 10.0
) -> torch.Tensor:
    """Each image moved by up to ``max_shift`` pixels and turned by up to ``max_degrees``, at random.

    A digit moved or tilted a little is still the same digit, so the network
    learns to ignore these changes (data augmentation). Uses torch's random
    generator, so ``seed_everything`` makes it repeat.
    """
    n, _, h, w = images.shape
    angle = (torch.rand(n) * 2 - 1) * math.radians(max_degrees)
    shift = (torch.rand(n, 2) * 2 - 1) * max_shift * 2 / torch.tensor([w, h])
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = torch.cos(angle), -torch.sin(angle)
    theta[:, 1, 0], theta[:, 1, 1] = torch.sin(angle), torch.cos(angle)
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta.to(images.device), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, align_corners=False, padding_mode="zeros")


def accuracy(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch: int = 500
) -> float:
    """The share of ``images`` whose arg-max logit is the label (model in eval mode, no gradients)."""
    model.eval()
    device = next(model.parameters()).device
    correct = 0
    with torch.no_grad():
        for i in range(0, len(labels), batch):
            logits = model(images[i : i + batch].to(device))
            correct += (logits.argmax(1).cpu() == labels[i : i + batch]).sum().item()
    return correct / len(labels)


def cosine_lr(lr: float, epoch: int, epochs: int) -> float:
    """The learning rate of ``epoch``: lr * (1 + cos(pi * epoch / epochs)) / 2, from lr down towards 0."""
    return lr * 0.5 * (1.0 + math.cos(math.pi * epoch / epochs))


def train_classifier(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    epochs: int,
    lr: float = 2e-3,
    batch_size: int = 128,
    augment: bool = True,
    progress: bool = False,
) -> History:
    """Train ``model`` to classify ``images`` by cross-entropy with Adam, one epoch at a time.

    Each epoch shuffles the data (a ``DataLoader``), optionally moves and turns
    every batch a little (``random_shift_rotate``), and sets the learning rate by
    ``cosine_lr``. The model's device is used. Returns the loss of every step.
    With ``progress``, ``genlab.train`` shows a live line and a summary per epoch; without it, nothing is printed.
    """
    device = next(model.parameters()).device
    loader = DataLoader(
        TensorDataset(images, labels), batch_size=batch_size, shuffle=True, drop_last=True
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def loss_fn(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        x, y = batch[0].to(device), batch[1].to(device)
        if augment:
            x = random_shift_rotate(x)
        return F.cross_entropy(model(x), y)

    history = History()
    for epoch in range(epochs):
        for group in optimizer.param_groups:
            group["lr"] = cosine_lr(lr, epoch, epochs)
        run = train(model, loss_fn, loader, optimizer, steps=len(loader), progress=progress)
        history.values.setdefault("loss", []).extend(run.losses)
        history.steps += run.steps
        history.seconds += run.seconds
    model.eval()
    return history
