"""``glue`` for the book's pages, also where MyST-NB is not installed.

In the book build, MyST-NB's ``glue`` stores a value so that the text can show
it. A reader who downloads a page as a notebook (or opens it in Colab or on a
JupyterHub) has only this package: there the value is simply shown as the
cell's output, so every page runs with ``pip install backprop`` alone.
"""

from __future__ import annotations

try:
    from myst_nb import glue
except ImportError:  # a reader's Jupyter: no book to glue into
    def glue(name, variable, display=True):
        """Show ``variable`` (when ``display``) instead of storing it under ``name``."""
        if display:
            from IPython.display import display as show

            show(variable)

__all__ = ["glue"]
