"""A fully connected network with any number of hidden layers.

Shapes: N batch, D input features, H_i hidden units of layer i, C classes.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from backprop.nn.layers import Affine, Relu, SoftmaxWithLoss
from backprop.nn.two_layer_net import TwoLayerNet


class MultiLayerNet(TwoLayerNet):
    """(Affine -> ReLU) for each hidden size, then Affine -> Softmax-with-Loss.

    hidden_size_list: e.g. [50, 20] for two hidden layers ([] gives a linear
    softmax classifier). With L = len(hidden_size_list) + 1, ``params`` holds
    W1, b1, ..., WL, bL (Wi of shape (size before, size after), bi zeros) and
    ``layers`` holds Affine1, Relu1, Affine2, Relu2, ..., AffineL in that order.
    ``predict``, ``loss``, ``accuracy`` and ``numerical_gradient`` are
    inherited: ``TwoLayerNet.predict`` loops over ``layers`` and hands each
    ``AffineK`` the current ``WK`` and ``bK``, whatever their number.
    """

    def __init__(self, input_size, hidden_size_list, output_size, weight_init_std=0.01, seed=None):
        """Builds params (Wi: weight_init_std times standard normal draws from
        np.random.default_rng(seed); bi: zeros), layers, and lastLayer (a SoftmaxWithLoss)."""
        rng = np.random.default_rng(seed)
        sizes = [input_size, *hidden_size_list, output_size]
        n_affine = len(sizes) - 1
        self.params = {}
        self.layers = OrderedDict()
        for i in range(1, n_affine + 1):
            self.params[f"W{i}"] = weight_init_std * rng.standard_normal((sizes[i - 1], sizes[i]))
            self.params[f"b{i}"] = np.zeros(sizes[i])
            self.layers[f"Affine{i}"] = Affine(self.params[f"W{i}"], self.params[f"b{i}"])
            if i < n_affine:
                self.layers[f"Relu{i}"] = Relu()
        self.lastLayer = SoftmaxWithLoss()

    def gradient(self, x, t):
        """Gradients of the loss by backpropagation; dict with the keys of params."""
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        grads = {}
        for layer, w, b in self.affine_layers():   # Affine3 holds dW3 and db3
            grads[w], grads[b] = layer.dW, layer.db
        return grads
