"""Reference implementations of every layer and network the course grades.

Instructor-only: lives in solutions/, never shipped to students. The book
shows these classes with ``literalinclude :pyobject:`` and imports them, so
what readers see is what the tests run.

Modules:
    functions        sigmoid, relu, softmax, cross_entropy_error
    layers           MulLayer, AddLayer, Relu, Sigmoid, Affine, SoftmaxWithLoss
    extra_layers     Tanh, LeakyRelu, Exp, Reciprocal, Square, SigmoidFromNodes,
                     Softmax, MeanSquaredError
    chain_rule       small graphs worked by hand (problem set 1)
    two_layer_net    TwoLayerNet
    multi_layer_net  MultiLayerNet
    training         sgd_step, gradient_check, train
"""
