"""A fully connected network with any number of hidden layers.

Shapes: N batch, D input features, H_i hidden units of layer i, C classes.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from backprop.gradcheck import numerical_gradient

from .functions import class_indices
from .layers import Affine, Relu, SoftmaxWithLoss


class MultiLayerNet:
    """(Affine -> ReLU) for each hidden size, then Affine -> Softmax-with-Loss.

    hidden_size_list: e.g. [50, 20] for two hidden layers ([] gives a linear
    softmax classifier). ``params`` holds W1, b1, ..., WL, bL with
    L = len(hidden_size_list) + 1; Wi has shape (size before, size after).
    Like ``TwoLayerNet``, every forward pass reads the current arrays from
    ``params``.
    """

    def __init__(self, input_size, hidden_size_list, output_size, weight_init_std=0.01, seed=None):
        rng = np.random.default_rng(seed)
        sizes = [input_size, *hidden_size_list, output_size]
        self.n_affine = len(sizes) - 1
        self.params = {}
        self.layers = OrderedDict()
        for i in range(1, self.n_affine + 1):
            self.params[f"W{i}"] = weight_init_std * rng.standard_normal((sizes[i - 1], sizes[i]))
            self.params[f"b{i}"] = np.zeros(sizes[i])
            self.layers[f"Affine{i}"] = Affine(self.params[f"W{i}"], self.params[f"b{i}"])
            if i < self.n_affine:
                self.layers[f"Relu{i}"] = Relu()
        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        """x: (N, D). Returns scores (N, C)."""
        for i in range(1, self.n_affine + 1):
            affine = self.layers[f"Affine{i}"]
            affine.W, affine.b = self.params[f"W{i}"], self.params[f"b{i}"]
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        """x: (N, D); t: (N, C) one-hot or (N,) labels. Returns the mean loss."""
        return self.lastLayer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        """Fraction of rows of x whose highest score is the right class."""
        scores = self.predict(x)
        return float(np.mean(np.argmax(scores, axis=1) == class_indices(t, scores.shape)))

    def numerical_gradient(self, x, t):
        """Gradients of the loss by central differences; dict with the keys of params."""
        return {key: numerical_gradient(lambda _: self.loss(x, t), self.params[key])
                for key in self.params}

    def gradient(self, x, t):
        """Gradients of the loss by backpropagation; dict with the keys of params."""
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        grads = {}
        for i in range(1, self.n_affine + 1):
            grads[f"W{i}"] = self.layers[f"Affine{i}"].dW
            grads[f"b{i}"] = self.layers[f"Affine{i}"].db
        return grads
