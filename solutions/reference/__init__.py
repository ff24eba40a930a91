"""Reference implementations of the graded work the book does not print.

Instructor-only: lives in solutions/, never shipped to students. What the book
prints (functions, the layers, TwoLayerNet, sgd_step) is public and lives in the
student package: ``backprop.functions``, ``backprop.layers``,
``backprop.two_layer_net``, ``backprop.training``; these modules build on it.

Modules:
    extra_layers     Tanh, LeakyRelu, Exp, Reciprocal, Square, SigmoidFromNodes,
                     Softmax, MeanSquaredError
    chain_rule       small graphs worked by hand (problem set 1)
    multi_layer_net  MultiLayerNet
    training         gradient_check, train
"""
