"""Helper package for *Backpropagation from Scratch*.

Modules:
    graph      computational-graph model: nodes, forward/backward passes, replayable steps
               (its parts live in nodes: operations, Node, Edge; replay: Step, state_after)
    graphs     builders for the book's graphs (apple, apple and orange, ...)
    draw       graph state -> SVG string (layout: where nodes and labels go)
    widget     the gradient-flow widget (replays a graph's steps)
    expression your own expression ("exp(x * y) + 1 / z") parsed into a graph
    gradcheck  numerical gradients and relative error
    expect     the notebooks' visible tests: failures name the quantity, the input, expected and got
    datasets   the MNIST loader, and small synthetic data sets (spiral)
    validate   argument checks whose errors name the argument
    vendor     fetches the offline book's front-end files (python -m backprop.vendor DIR)

The code the book prints, as the textbook's common/ does:
    functions      sigmoid, relu, softmax, cross_entropy_error
    layers         MulLayer, AddLayer, Relu, Sigmoid, Affine, SoftmaxWithLoss
    chain_rule     square_sum, worked with the layers (chapter 2)
    two_layer_net  TwoLayerNet
    training       sgd_step
    glue           MyST-NB's glue in the book, a plain display elsewhere (so every page runs
                   with this package alone)

Holds no solutions to graded work: safe to give to students.
"""

__version__ = "0.1.0"
