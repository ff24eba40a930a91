"""Reference implementations of the graded work the book does not print.

Instructor-only: lives in solutions/, never shipped to students. What the book
prints (functions, the layers, TwoLayerNet, sgd_step) is public and lives in the
student package: ``backprop.nn.functions``, ``backprop.nn.layers``,
``backprop.nn.two_layer_net``, ``backprop.nn.training``; these modules build on it.

Modules:
    extra_layers     Tanh, LeakyRelu, Exp, Reciprocal, Square, AffineLastAxis, SigmoidFromNodes,
                     Softmax, MeanSquaredError
    chain_rule       small graphs worked by hand (problem set 1): shopping, add_mul, fan_out
    multi_layer_net  MultiLayerNet
    autograd         Value: a tiny autograd engine (its backward is graded)
    training         gradient_check, train
"""
