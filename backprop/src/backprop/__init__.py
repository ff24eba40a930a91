"""Helper package for *Backpropagation from Scratch*, in rooms named for what they hold.

    graph      the computational-graph model: nodes and the operation table, forward and
               backward passes, replayable steps, the book's graphs, your own expression,
               forward and reverse mode
    figures    a graph (or a step of its passes) as an SVG figure: layout, drawing
    widgets    the gradient-flow widget and the training playground, with their browser
               code beside them (widgets/front/)
    nn         the code the book prints, as the textbook's common/ holds it: functions,
               layers, two_layer_net, training, the autograd engine, chain_rule, the
               numerical gradients that check them (gradcheck), and the visible tests'
               assertions (expect: a failure names the quantity, the input, expected and got)
    datasets   the MNIST loader, and small synthetic data sets (spiral)

Imports go only downward: graph, then figures, then widgets; nn and datasets stand apart
(the widgets' numerical check borrows nn.gradcheck's step). At the bottom, used by all:
    validate   argument checks whose errors name the argument
    messages   every sentence the widgets and figures show, one catalogue for Python and
               the browser
    glue       MyST-NB's glue in the book, a plain display elsewhere (so every page runs
               with this package alone)

Holds no solutions to graded work and none of the book's build tools: safe to give to students.
"""

from ._moved import install_moved_names

__version__ = "0.1.0"

install_moved_names()
