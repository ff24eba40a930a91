"""MNIST for the book: ``load_mnist`` with the book's options, and where it came from.

    from backprop.datasets import load_mnist, mnist_source, MNISTError
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True)
    print(mnist_source())

Modules: ``idx`` (reading and checking IDX files), ``files`` (names, official
checksums), ``download`` (verified, atomic downloads), ``mnist`` (the loader),
``synthetic`` (small data sets made from a seed: ``spiral``).
"""

from .download import DEFAULT_MIRRORS, MIRRORS_ENV, download_file
from .files import FILE_NAMES, OFFICIAL
from .idx import MNISTError, read_images, read_labels
from .mnist import cache_dir, load_mnist, mnist_source
from .synthetic import spiral

__all__ = [
    "load_mnist", "mnist_source", "MNISTError", "cache_dir", "download_file",
    "read_images", "read_labels", "FILE_NAMES", "OFFICIAL", "DEFAULT_MIRRORS", "MIRRORS_ENV", "spiral",
]
