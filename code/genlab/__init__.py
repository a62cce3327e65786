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
"""

__version__ = "0.1.0"


def about() -> str:
    """One line for a notebook's setup cell: version, device and whether the data is found."""
    from genlab import config

    found = "found" if config.data_dir().is_dir() else "MISSING"
    return f"genlab {__version__} | device: {config.device().type} | course data: {found}"
