"""The book's two-layer network, trained by backpropagation.

Shapes: N batch, D input features (input_size), H hidden units (hidden_size),
C classes (output_size).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from .functions import class_indices
from .gradcheck import numerical_gradient
from .layers import Affine, Relu, SoftmaxWithLoss


class TwoLayerNet:
    """Affine -> ReLU -> Affine -> Softmax-with-Loss.

    ``params`` holds W1 (D, H), b1 (H,), W2 (H, C), b2 (C,) and is the one
    place the parameters live: every forward pass hands the current arrays
    to the Affine layers, so replacing ``params['W1']`` with a new array
    works as well as updating it in place. (The book's version shares the
    arrays once, at construction, and silently stops learning if they are
    replaced.) ``predict`` and ``gradient`` loop over ``layers``: neither
    names a layer, so they serve a network with more layers unchanged.
    """

    def __init__(self, input_size, hidden_size, output_size,
                 weight_init_std=0.01, seed=None):
        rng = np.random.default_rng(seed)
        D, H, C = input_size, hidden_size, output_size
        self.params = {
            "W1": weight_init_std * rng.standard_normal((D, H)),
            "b1": np.zeros(H),
            "W2": weight_init_std * rng.standard_normal((H, C)),
            "b2": np.zeros(C),
        }
        p = self.params
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(p["W1"], p["b1"])
        self.layers["Relu1"] = Relu()
        self.layers["Affine2"] = Affine(p["W2"], p["b2"])
        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        """x: (N, D). Returns scores (N, C), before the softmax."""
        for layer, w, b in self.affine_layers():   # the current arrays
            layer.W, layer.b = self.params[w], self.params[b]
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        """x: (N, D); t: (N, C) one-hot or (N,) labels. Returns a float."""
        return self.lastLayer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        """Fraction of rows of x whose highest score is the right class."""
        scores = self.predict(x)
        labels = class_indices(t, scores.shape)
        return float(np.mean(np.argmax(scores, axis=1) == labels))

    def numerical_gradient(self, x, t):
        """Gradients by central differences; keys of params."""
        def f(_):
            return self.loss(x, t)
        return {key: numerical_gradient(f, value)
                for key, value in self.params.items()}

    def gradient(self, x, t):
        """Gradients by backpropagation; keys of params."""
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        grads = {}
        for layer, w, b in self.affine_layers():
            grads[w], grads[b] = layer.dW, layer.db
        return grads

    def affine_layers(self):
        """(layer, weight key, bias key) for every Affine layer, in order.

        The names tie a layer to its parameters: ``AffineK`` uses ``WK`` and
        ``bK``, so a layer added to ``layers`` under that name (with its
        arrays in ``params``) is seen by ``predict`` and ``gradient`` alike.
        """
        found = []
        for name, layer in self.layers.items():
            if name.startswith("Affine"):
                k = name[len("Affine"):]
                found.append((layer, "W" + k, "b" + k))
        return found
