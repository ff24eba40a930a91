"""Stand-ins for earlier exercises while a later exercise is graded ("each part graded once").

A later exercise that builds on earlier ones (``SigmoidFromNodes`` on ``Exp`` and
``Reciprocal``, ``Softmax`` on ``softmax``) looks those names up in the student's
notebook. While its hidden check runs, the probe binds them to correct
stand-ins (``cases.Check.stand_ins``), so a mistake in the earlier exercise
costs that exercise's points only. The judge computes the expected outputs with
the same stand-ins, so the later exercise is graded on its own logic.

What the book prints comes from the student package (``backprop.nn.layers``, ...).
Elementwise nodes the book does not print as layers get their forward rule and
local derivative from the book's own graph model (``backprop.graph.nodes.OPS``, which
chapter 2 draws and the student package ships), applied entry by entry: this
module holds plumbing, not answers. It runs in the student's kernel, so it
imports no reference code.
"""

from __future__ import annotations

import numpy as np

from backprop.graph.nodes import OPS


class _ElementwiseNode:
    """A one-input node of ``OPS[op]`` on arrays of any shape: forward(x), backward(dout)."""

    op = ""

    def __init__(self):
        self.x = None
        self.out = None

    def forward(self, x):
        rule = OPS[self.op]
        self.x = np.array(x, dtype=np.float64)
        self.out = np.vectorize(lambda v: rule.forward([v], None), otypes=[np.float64])(self.x)
        return self.out

    def backward(self, dout):
        if self.out is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward")
        rule = OPS[self.op]
        slope = np.vectorize(lambda v, y: rule.local([v], y, None)[0], otypes=[np.float64])(self.x, self.out)
        return np.asarray(dout, dtype=np.float64) * slope


class Exp(_ElementwiseNode):
    op = "exp"


class Reciprocal(_ElementwiseNode):
    op = "reciprocal"


class Square(_ElementwiseNode):
    op = "square"


#: Ready-made stand-in lists: (name the student's code looks up, "module:attribute").
BOOK_NODES = (("MulLayer", "backprop.nn.layers:MulLayer"), ("AddLayer", "backprop.nn.layers:AddLayer"))
BOOK_NET_LAYERS = (("Affine", "backprop.nn.layers:Affine"), ("Relu", "backprop.nn.layers:Relu"),
                   ("SoftmaxWithLoss", "backprop.nn.layers:SoftmaxWithLoss"))
BOOK_SOFTMAX = (("softmax", "backprop.nn.functions:softmax"),
                ("cross_entropy_error", "backprop.nn.functions:cross_entropy_error"))
