"""Helper package for *Backpropagation from Scratch*.

Modules:
    graph      computational-graph model: nodes, forward/backward passes, replayable steps
               (its parts live in nodes: operations, Node, Edge; replay: Step, state_after)
    graphs     builders for the book's graphs (apple, apple and orange, ...)
    draw       graph state -> SVG string (layout: where nodes and labels go)
    widget     the gradient-flow widget (replays a graph's steps)
    expression your own expression ("exp(x * y) + 1 / z") parsed into a graph
    gradcheck  numerical gradients and relative error
    datasets   the MNIST loader
    validate   argument checks whose errors name the argument
    vendor     fetches the offline book's front-end files (python -m backprop.vendor DIR)

Holds no solutions to graded work: safe to give to students.
"""

__version__ = "0.1.0"
