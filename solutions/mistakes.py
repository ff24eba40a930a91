"""Sample student submissions built from the source notebooks, with their expected scores.

    make_submission(kind) -> {notebook name: NotebookNode}   # all four notebooks
    EXPECTED_SCORES[kind] -> {notebook name: {grade_id: points}}
    EXPECTED_HINTS[kind]  -> {notebook name: {grade_id: hint}}   # diagnosed mistakes only
    KINDS                 -> every kind; ASSIGNMENT_OF[notebook name] -> assignment folder

Kinds: "perfect" (the solution code, as a student would hand it in), "release"
(the untouched student version), "syntax_error", "infinite_loop", "numerical_backward"
and "graph_model" (a graded answer computed by a course helper), and one per
diagnosed mistake, named "<check id>.<mistake key>" as in autograder.checks.diagnosis:
the perfect submission with one solution body replaced by a known-wrong one.

Every submission starts from the student version made with nbgrader's own
preprocessors (solutions cleared, hidden tests removed, checksums computed), and
fills its solution cells as a student would, so a grader sees what it would get
from a real student. Load this file with importlib (solutions/ is not a package):

    spec = importlib.util.spec_from_file_location("mistakes", "solutions/mistakes.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mistakes"] = module  # before exec_module: its dataclasses need it
    spec.loader.exec_module(module)
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.checks.diagnosis import MISTAKES

HERE = Path(__file__).resolve().parent
ASSIGNMENT_OF = {"graphs": "ps1_graphs", "layers": "ps2_layers", "softmax": "ps3_softmax", "network": "ps4_network"}
_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.MULTILINE)


@dataclass(frozen=True)
class Mistake:
    notebook: str
    cell: str  # grade_id of the solution cell to change
    edits: tuple  # (old, new) text replacements in that cell's solution code
    fails: tuple  # grade_ids of the test cells that lose their points


def _m(notebook, cell, edits, *fails):
    return Mistake(notebook, cell, tuple(edits), tuple(fails))


#: One known-wrong edit per diagnosed mistake; ``fails`` lists the test cells whose hidden
#: checks fail: only the mistake's own exercise, since a later exercise is checked with
#: stand-ins for the earlier pieces it builds on (0-point warm-ups that reuse the broken piece,
#: such as the training run, may fail too; they cost nothing).
MISTAKE_EDITS = {
    "ps1_shopping_backward.tax_without_bag": _m(
        "graphs", "shopping", [('"tax": dtax}', '"tax": fruit}')], "test_shopping_backward"),
    "ps1_shopping_backward.mul_not_swapped": _m(
        "graphs", "shopping", [("dpear, dpear_num = mul_pear", "dpear_num, dpear = mul_pear"),
                               ("dlemon, dlemon_num = mul_lemon", "dlemon_num, dlemon = mul_lemon")],
        "test_shopping_backward"),
    "ps1_square_backward.square_no_two": _m(
        "graphs", "square", [("return 2.0 * self.x * dout", "return self.x * dout")],
        "test_square_backward"),
    "ps1_square_sum.square_at_inputs": _m(
        "graphs", "square_sum", [("dx, dy = add.backward(square.backward(1.0))", "dx, dy = 2.0 * x, 2.0 * y")],
        "test_square_sum"),
    "ps1_add_mul.no_chain": _m(
        "graphs", "add_mul", [("dx, dy = add.backward(dq)", "dx, dy = add.backward(1.0)")], "test_add_mul"),
    "ps1_autograd.overwrites": _m(
        "graphs", "autograd", [("parent.grad += local * value.grad", "parent.grad = local * value.grad")],
        "test_autograd"),
    "ps2_mul_backward.not_swapped": _m(
        "layers", "mul_add", [("dx = dout * self.y\n        dy = dout * self.x",
                               "dx = dout * self.x\n        dy = dout * self.y")],
        "test_mul_backward"),
    "ps2_add_backward.returns_ones": _m(
        "layers", "mul_add", [("return dout * 1, dout * 1", "return 1.0, 1.0")], "test_add_backward"),
    "ps2_add_backward.drops_branch": _m(
        "layers", "mul_add", [("return dout * 1, dout * 1", "return dout * 1, dout * 0")], "test_add_backward"),
    "ps2_relu_backward.no_mask": _m(
        "layers", "relu_sigmoid", [("return np.where(self.mask, 0.0, dout)", "return dout")], "test_relu_backward"),
    "ps2_sigmoid_backward.drops_dout": _m(
        "layers", "relu_sigmoid", [("return dout * (1.0 - self.out) * self.out", "return (1.0 - self.out) * self.out")],
        "test_sigmoid_backward"),
    "ps2_relu_backward.writes_dout": _m(
        "layers", "relu_sigmoid", [("return np.where(self.mask, 0.0, dout)",
                                    "dout[self.mask] = 0\n        return dout")], "test_relu_backward"),
    "ps2_relu_backward.slope_one_at_zero": _m(
        "layers", "relu_sigmoid", [("self.mask = x <= 0", "self.mask = x < 0")], "test_relu_backward"),
    "ps2_sigmoid_backward.from_input": _m(
        "layers", "relu_sigmoid", [("self.out = 1.0 / (1.0 + np.exp(-x))",
                                    "self.x = x\n        self.out = 1.0 / (1.0 + np.exp(-x))"),
                                   ("return dout * (1.0 - self.out) * self.out",
                                    "return dout * (1.0 - self.x) * self.x")], "test_sigmoid_backward"),
    "ps2_affine_backward.bias_not_summed": _m(
        "layers", "affine", [("self.db = np.sum(dout, axis=0)", "self.db = dout")], "test_affine_backward"),
    "ps2_affine_backward.bias_averaged": _m(
        "layers", "affine", [("self.db = np.sum(dout, axis=0)", "self.db = np.mean(dout, axis=0)")],
        "test_affine_backward"),
    "ps2_affine_backward.dx_not_reshaped": _m(
        "layers", "affine", [("return dx.reshape(self.original_x_shape)", "return dx")], "test_affine_backward"),
    "ps2_affine_backward.dW_transposed": _m(
        "layers", "affine", [("self.dW = self.x.T @ dout", "self.dW = dout.T @ self.x")], "test_affine_backward"),
    "ps2_tanh.from_input": _m(
        "layers", "new_layers", [("self.out = np.tanh(x)", "self.x = x\n        self.out = np.tanh(x)"),
                                 ("return dout * (1.0 - self.out ** 2)", "return dout * (1.0 - self.x ** 2)")],
        "test_tanh"),
    "ps2_leaky_relu.zero_slope": _m(
        "layers", "new_layers", [("return np.where(self.mask, self.alpha * dout, dout)",
                                  "return np.where(self.mask, 0.0, dout)")], "test_leaky_relu"),
    "ps2_leaky_relu.fixed_alpha": _m(
        "layers", "new_layers", [("return np.where(self.mask, self.alpha * x, x)", "return np.where(self.mask, 0.01 * x, x)"),
                                 ("return np.where(self.mask, self.alpha * dout, dout)",
                                  "return np.where(self.mask, 0.01 * dout, dout)")], "test_leaky_relu"),
    "ps2_exp.slope_one": _m(
        "layers", "new_layers", [("return dout * self.out\n", "return dout\n")], "test_exp"),
    "ps2_reciprocal.no_minus": _m(
        "layers", "new_layers", [("return -dout * self.out ** 2", "return dout * self.out ** 2")], "test_reciprocal"),
    "ps2_sigmoid_from_nodes.sign_lost": _m(
        "layers", "sigmoid_from_nodes", [("dx, _ = self.negate.backward(da)\n        return dx",
                                          "dx, _ = self.negate.backward(da)\n        return -dx")],
        "test_sigmoid_from_nodes"),
    "ps3_softmax.no_max_shift": _m(
        "softmax", "softmax", [("shifted = x - np.max(x, axis=-1, keepdims=True)", "shifted = x")], "test_softmax"),
    "ps3_softmax.wrong_axis": _m(
        "softmax", "softmax", [("shifted = x - np.max(x, axis=-1, keepdims=True)",
                                "shifted = x - np.max(x, axis=0, keepdims=True)"),
                               ("return e / np.sum(e, axis=-1, keepdims=True)",
                                "return e / np.sum(e, axis=0, keepdims=True)")], "test_softmax"),
    "ps3_softmax.whole_batch": _m(
        "softmax", "softmax", [("shifted = x - np.max(x, axis=-1, keepdims=True)", "shifted = x - np.max(x)"),
                               ("return e / np.sum(e, axis=-1, keepdims=True)", "return e / np.sum(e)")],
        "test_softmax"),
    "ps3_softmax.global_max": _m(
        "softmax", "softmax", [("shifted = x - np.max(x, axis=-1, keepdims=True)", "shifted = x - np.max(x)")],
        "test_softmax"),
    "ps3_cross_entropy.not_divided": _m(
        "softmax", "cross_entropy", [("+ 1e-7)) / n)", "+ 1e-7)))")], "test_cross_entropy"),
    "ps3_swl_forward.not_divided": _m(
        "softmax", "softmax_with_loss", [("self.loss = cross_entropy_error(self.y, self.t)",
                                          "self.loss = cross_entropy_error(self.y, self.t) * self.y.shape[0]")],
        "test_swl_forward"),
    "ps3_swl_backward.not_divided": _m(
        "softmax", "softmax_with_loss", [("return dout * (self.y - self.t) / batch_size", "return dout * (self.y - self.t)"),
                                         ("return dout * dx / batch_size", "return dout * dx")], "test_swl_backward"),
    "ps3_swl_backward.ignores_dout": _m(
        "softmax", "softmax_with_loss", [("return dout * (self.y - self.t) / batch_size", "return (self.y - self.t) / batch_size"),
                                         ("return dout * dx / batch_size", "return dx / batch_size")], "test_swl_backward"),
    "ps3_swl_backward.only_one_hot": _m(
        "softmax", "softmax_with_loss", [("        if np.size(self.t) == np.size(self.y):\n"
                                          "            return dout * (self.y - self.t) / batch_size\n"
                                          "        dx = self.y.copy()\n        dx[np.arange(batch_size), self.t] -= 1\n"
                                          "        return dout * dx / batch_size",
                                          "        return dout * (self.y - self.t) / batch_size")], "test_swl_backward"),
    "ps3_softmax_layer.diagonal_only": _m(
        "softmax", "softmax_layer", [("weighted = np.sum(dout * self.out, axis=-1, keepdims=True)\n        "
                                      "return self.out * (dout - weighted)", "return dout * self.out * (1.0 - self.out)")],
        "test_softmax_layer"),
    "ps3_mse_forward.not_divided": _m(
        "softmax", "mse", [("return float(0.5 * np.sum(self.diff ** 2) / self.batch_size)",
                            "return float(0.5 * np.sum(self.diff ** 2))")], "test_mse_forward"),
    "ps3_mse_backward.not_divided": _m(
        "softmax", "mse", [("return dout * self.diff / self.batch_size", "return dout * self.diff")], "test_mse_backward"),
    "ps4_gradient_check.mean_abs": _m(
        "network", "gradient_check", [("return {key: rel_error(analytic[key], numeric[key]) for key in net.params}",
                                       "return {key: float(np.mean(np.abs(analytic[key] - numeric[key]))) "
                                       "for key in net.params}")], "test_gradient_check"),
    "ps4_sgd_step.ascent": _m(
        "network", "sgd_step", [("params[key] -= lr * grads[key]", "params[key] += lr * grads[key]")],
        "test_sgd_step", "test_train"),
    "ps4_sgd_step.ignores_lr": _m(
        # The training test uses lr = 1.0, where ignoring lr changes nothing.
        "network", "sgd_step", [("params[key] -= lr * grads[key]", "params[key] -= grads[key]")], "test_sgd_step"),
    "ps4_sgd_step.returns_new_dict": _m(
        "network", "sgd_step", [("for key in params:\n        params[key] -= lr * grads[key]",
                                 "return {key: params[key] - lr * grads[key] for key in params}")],
        "test_sgd_step", "test_train"),
    "ps4_multi_init.relu_on_scores": _m(
        "network", "multi_layer_net", [("            if i < n_affine:\n                self.layers[f\"Relu{i}\"] = Relu()",
                                        "            self.layers[f\"Relu{i}\"] = Relu()")],
        "test_multi_layer_init", "test_train"),
}

#: Broken submissions that are not diagnosed mistakes.
OTHER_EDITS = {
    # A syntax error kills the whole cell: Square is never defined. square_sum, which builds
    # on it, is checked with a stand-in Square (and is a 0-point warm-up anyway).
    "syntax_error": _m("graphs", "square", [("def forward(self, x):", "def forward(self, x)")],
                       "test_square_forward", "test_square_backward"),
    # Each call of shopping() hangs; its two test cells time out, the rest are graded.
    "infinite_loop": _m("graphs", "shopping", [("mul_pear, mul_lemon, mul_tax = MulLayer(), MulLayer(), MulLayer()",
                                                "while True:\n        pass")],
                        "test_shopping_forward", "test_shopping_backward"),
    # Helpers that would answer a check are switched off while it runs (autograder.checks.cases.BLOCKS):
    # a backward by finite differences passes its visible test and loses the hidden one...
    "numerical_backward": _m("layers", "new_layers",
                             [("        self.out = np.tanh(x)\n", "        self.x = x.copy()\n        self.out = np.tanh(x)\n"),
                              ("return dout * (1.0 - self.out ** 2)",
                               "return numerical_gradient_layer(np.tanh, self.x.copy(), dout)")],
                             "test_tanh"),
    # ...and so does a ps1 answer computed by the course's graph model.
    "graph_model": _m("graphs", "add_mul",
                      [("def add_mul(x, y, z):", "from backprop.graph.expression import expression_graph\n\n\ndef add_mul(x, y, z):"),
                       ("    add, mul = AddLayer(), MulLayer()\n    f = mul.forward(add.forward(x, y), z)\n"
                        "    dq, dz = mul.backward(1.0)\n    dx, dy = add.backward(dq)\n    return f, dx, dy, dz",
                        "    graph = expression_graph('(x + y) * z', x=x, y=y, z=z)\n    f = graph.forward()\n"
                        "    grads = graph.backward()\n    return f, grads['x'], grads['y'], grads['z']")],
                      "test_add_mul"),
}

KINDS = ("perfect", "release", *OTHER_EDITS, *MISTAKE_EDITS)


def source_notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(HERE / ASSIGNMENT_OF[name] / f"{name}.ipynb", as_version=4)


def release_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version, made by the preprocessors nbgrader's generate_assignment runs."""
    from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearMarkScheme, ClearOutput,
                                        ClearSolutions, ComputeChecksums, LockCells)

    nb = copy.deepcopy(nb)
    resources = {"language": "python"}
    for pre in (LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums,
                ClearHiddenTests, ClearMarkScheme, ComputeChecksums, CheckCellMetadata):
        nb, resources = pre().preprocess(nb, resources)
    return nb


def _apply(source: str, edits) -> str:
    for old, new in edits:
        if source.count(old) != 1:
            raise ValueError(f"a mistake edit must match its solution cell exactly once: {old!r}")
        source = source.replace(old, new)
    return source


def make_submission(kind: str) -> dict:
    """{notebook name: NotebookNode} for all four notebooks of one sample student."""
    if kind not in KINDS:
        raise ValueError(f"unknown submission kind {kind!r}; expected one of {', '.join(KINDS)}")
    edit = MISTAKE_EDITS.get(kind) or OTHER_EDITS.get(kind)
    out = {}
    for name in ASSIGNMENT_OF:
        source = source_notebook(name)
        released = release_notebook(source)
        if kind != "release":
            solutions = {c.id: c.source for c in source.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
            for cell in released.cells:
                if cell.id in solutions:
                    code = _MARKER.sub("", solutions[cell.id] + "\n").rstrip("\n")
                    if edit and edit.notebook == name and edit.cell == cell.id:
                        code = _apply(code, edit.edits)
                    cell.source = code
        out[name] = released
    return out


def _points() -> dict:
    return {name: {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
                   for c in source_notebook(name).cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")}
            for name in ASSIGNMENT_OF}


def _expected_scores() -> dict:
    points = _points()
    scores = {}
    for kind in KINDS:
        edit = MISTAKE_EDITS.get(kind) or OTHER_EDITS.get(kind)
        scores[kind] = {
            name: {gid: (0 if kind == "release" or (edit and edit.notebook == name and gid in edit.fails) else p)
                   for gid, p in cells.items()}
            for name, cells in points.items()}
    return scores


def _expected_hints() -> dict:
    hints = {}
    for kind, edit in MISTAKE_EDITS.items():
        check_id, key = kind.split(".")
        hint = next(m.hint for m in MISTAKES[check_id] if m.key == key)
        cell = next(c for c in source_notebook(edit.notebook).cells
                    if c.get("metadata", {}).get("nbgrader", {}).get("grade") and f'check("{check_id}"' in c.source)
        hints[kind] = {edit.notebook: {cell.metadata["nbgrader"]["grade_id"]: hint}}
    return hints


EXPECTED_SCORES = _expected_scores()
EXPECTED_HINTS = _expected_hints()
