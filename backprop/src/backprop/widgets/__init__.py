"""The book's widgets: Python beside the browser code they ship (in ``front/``).

    gradient_flow  ``flow(...)``: the animated forward and backward passes of a graph
    playground     ``playground()``: a two-layer net training on 2-D points in the page
    bundle         the browser engine (``front/*.js``) bundled with the constants and
                   messages it shares with Python

Uses ``backprop.graph`` and ``backprop.figures``; nothing below imports it.
"""
