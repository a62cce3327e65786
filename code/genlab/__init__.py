"""genlab: the shared package of *Generative AI from Scratch*.

Every chapter builds its core idea inline, then imports the one reusable
version from here. The modules, one concept each:

- ``genlab.config``       device, seeds, repository and data paths, the full-vs-demo switch
- ``genlab.viz``          the course figure style, image grids, loss curves, animations
- ``genlab.train``        the one small training loop every chapter uses
- ``genlab.checkpoints``  save/load pretrained weights with their metadata
- ``genlab.recipes``      ``python -m genlab.recipes NAME`` retrains a checkpoint
- ``genlab.book``         numbers glued from code into the book's prose
- ``genlab.neuron``       one neuron in NumPy (chapter 1); ``genlab.gradcheck``: numerical gradients
- ``genlab.data``         datasets (MNIST offline/online, the shapes world)
- ``genlab.models``       the networks (the judge CNN, GANs, VAEs, UNet, ...)
- ``genlab.eval``         the judges and metrics
- ``genlab.flow``, ``genlab.guidance``  flow matching and classifier-free guidance
- ``genlab.generator``    the text-guided shapes generator; ``genlab.generate(prompt, ...)``
  returns images, ``python -m genlab.generate "a red circle"`` writes a grid
"""

__version__ = "0.1.0"


def generate(prompt: str, n: int = 16, steps: int = 25, guidance: float = 3.0, seed: int = 0,
             sampler: str = "euler"):  # noqa: ANN201 (a torch.Tensor; torch is imported lazily)
    """n images (n, 3, 32, 32) in [-1, 1] of ``prompt`` from the pretrained shapes generator
    (chapter 11); see ``genlab.generator.generate``. "" gives unconditional samples."""
    from genlab.generator import generate as _generate

    return _generate(prompt, n, steps, guidance, seed, sampler)


def about() -> str:
    """One line for a notebook's setup cell: version, device and whether the data is found."""
    from genlab import config

    found = "found" if config.data_dir().is_dir() else "MISSING"
    return f"genlab {__version__} | device: {config.device().type} | course data: {found}"
