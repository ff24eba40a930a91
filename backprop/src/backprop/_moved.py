"""The module names of the previous release, kept for one release with a warning.

Notebooks written for the flat package say ``from backprop.layers import Affine``; the
layers now live in ``backprop.nn.layers``. Importing an old name gives the module at
its new place (the same module object, so every name in it, and what the grader
switches off, is the same) and a ``DeprecationWarning`` that names the new import.
Drop this module, and its call in ``backprop/__init__.py``, in the release after.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

#: old module name -> new module name.
MOVED = {
    "backprop.nodes": "backprop.graph.nodes",
    "backprop.replay": "backprop.graph.replay",
    "backprop.graphs": "backprop.graph.book",
    "backprop.expression": "backprop.graph.expression",
    "backprop.modes": "backprop.graph.modes",
    "backprop.draw": "backprop.figures.svg",
    "backprop.layout": "backprop.figures.layout",
    "backprop.widget": "backprop.widgets.gradient_flow",
    "backprop.widget_playground": "backprop.widgets.playground",
    "backprop.functions": "backprop.nn.functions",
    "backprop.layers": "backprop.nn.layers",
    "backprop.chain_rule": "backprop.nn.chain_rule",
    "backprop.two_layer_net": "backprop.nn.two_layer_net",
    "backprop.training": "backprop.nn.training",
    "backprop.autograd": "backprop.nn.autograd",
    "backprop.gradcheck": "backprop.nn.gradcheck",
}


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points at the code that wrote the import.

    Frames of the import machinery and of this module are skipped, so the warning is
    attributed to the notebook's own code, where Jupyter shows deprecation warnings.
    """
    def machinery(frame) -> bool:   # as the warnings module tells the import system's frames
        name = frame.f_code.co_filename
        return "importlib" in name and "_bootstrap" in name

    frame, level = sys._getframe(1), 1   # the caller; warnings.warn counts it as 1
    while frame.f_back is not None and (frame.f_code.co_filename == __file__ or machinery(frame)):
        frame = frame.f_back
        level += not machinery(frame)    # warnings.warn does not count the machinery's frames
    return level


class _MovedLoader(importlib.abc.Loader):
    def __init__(self, new: str):
        self.new = new

    def create_module(self, spec):
        return None   # a placeholder module; exec_module puts the real one in its place

    def exec_module(self, module) -> None:
        old = module.__name__
        warnings.warn(f"{old} has moved to {self.new}: write `from {self.new} import ...` "
                      f"(the old name goes in the next release)",
                      DeprecationWarning, stacklevel=_caller_stacklevel())
        # The import system returns what sys.modules holds under the old name once this
        # returns, so the old name and the new one are one module.
        sys.modules[old] = importlib.import_module(self.new)


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, _MovedLoader(MOVED[fullname]))


def install_moved_names() -> None:
    """Let the old module names import (once per interpreter)."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
