"""The book's network code, as the textbook's ``common/`` holds it.

    functions      sigmoid, relu, softmax, cross_entropy_error
    layers         MulLayer, AddLayer, Relu, Sigmoid, Affine, SoftmaxWithLoss
    chain_rule     square_sum, worked with the layers (chapter 2)
    two_layer_net  TwoLayerNet
    training       sgd_step
    autograd       a small autograd engine whose operations are the layers (chapter 6)
    gradcheck      numerical gradients and relative error: the oracle for every backward
    expect         the notebooks' visible tests: a failure names the quantity, the input,
                   expected and got

Apart from the graph model: it uses NumPy and ``backprop.validate`` only.
"""
