"""The previous release's module names still import, for one release, with a warning naming the new one."""

import importlib
import subprocess
import sys
import warnings

import pytest

import backprop
from backprop._moved import MOVED


def forget(old: str) -> None:
    """Make the next import of ``old`` run again (as in a fresh kernel)."""
    sys.modules.pop(old, None)
    parent, _, child = old.rpartition(".")
    if child in vars(sys.modules[parent]):
        delattr(sys.modules[parent], child)


@pytest.mark.parametrize("old, new", sorted(MOVED.items()))
def test_an_old_name_is_the_new_module_with_a_warning_at_the_import(old, new):
    forget(old)
    cell = compile(f"import {old}\nfrom {old.rpartition('.')[0]} import {old.rpartition('.')[2]} as again\n",
                   "notebook-cell", "exec")
    namespace = {"__name__": "__main__"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(cell, namespace)
    assert sys.modules[old] is importlib.import_module(new) is namespace["again"]
    moved = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(moved) == 1, [str(w.message) for w in caught]
    assert str(moved[0].message) == (f"{old} has moved to {new}: write `from {new} import ...` "
                                     "(the old name goes in the next release)")
    # Attributed to the line that imported it, where Jupyter shows a notebook's deprecation warnings.
    assert (moved[0].filename, moved[0].lineno) == ("notebook-cell", 1)


def test_every_old_module_is_still_reachable_and_the_new_homes_exist():
    old_flat = {"nodes", "replay", "graphs", "expression", "modes", "draw", "layout", "widget",
                "widget_playground", "functions", "layers", "chain_rule", "two_layer_net", "training",
                "autograd", "gradcheck"}
    assert {name.split(".", 1)[1] for name in MOVED} == old_flat
    for new in MOVED.values():
        assert importlib.util.find_spec(new) is not None, new
    # backprop.graph was a module and is now the package: its old names import with no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from backprop.graph import (LEAF_OPS, OPS, Edge, Graph, GraphError, GraphState, Node,  # noqa: F401
                                    OpRule, Step, format_value, state_after)


def test_a_student_running_an_old_notebook_sees_the_warning():
    """Python's default filters show a DeprecationWarning raised in __main__, as Jupyter does in a cell."""
    proc = subprocess.run([sys.executable, "-c", "from backprop.layers import Affine; print(Affine.__module__)"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "backprop.nn.layers"
    assert "DeprecationWarning: backprop.layers has moved to backprop.nn.layers" in proc.stderr


def test_unknown_names_still_fail_as_before():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("backprop.no_such_module")
    assert backprop.__version__
