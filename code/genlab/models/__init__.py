"""The course's neural networks, one module per family, each derived in its chapter.

- ``genlab.models.cnn``  the small convolutional network of chapter 2, which is also the MNIST judge
"""
