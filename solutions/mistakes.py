"""Sample student submissions built from the source notebooks, with their expected scores and hints.

    make_submission(kind) -> {notebook name: NotebookNode}   # all four notebooks
    EXPECTED_SCORES[kind] -> {notebook name: {grade_id: points}}
    EXPECTED_HINTS[kind]  -> {notebook name: {grade_id: hint}}   # the hints feedback must show
    KINDS                 -> every kind; ASSIGNMENT_OF[notebook name] -> assignment folder

Kinds: "perfect" (the solution code, as a student would hand it in), "release"
(the untouched student version), "syntax_error", "infinite_loop", "numerical_backward",
"own_finite_differences" and "graph_model" (a graded answer computed without the chain
rule), and one per realistic mistake (``MISTAKE_EDITS``): the perfect submission with one
solution cell edited the way students get it wrong, with the test cells that must fail
and the hints that must be shown (keys of the catalogue ``reference/mistakes.json``, the
data the grader's diagnosis reads). The edits are written independently of the wrong
variants the diagnosis compares with (``reference/wrong_variants.py``), so the hints are
tested against mistakes as students write them.

Every submission starts from the student version made with nbgrader's own
preprocessors (solutions cleared, hidden tests removed, checksums computed), and
fills its solution cells as a student would, so a grader sees what it would get
from a real student. This module imports nothing from the grader. Load it with
importlib (solutions/ is not a package):

    spec = importlib.util.spec_from_file_location("mistakes", "solutions/mistakes.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mistakes"] = module  # before exec_module: its dataclasses need it
    spec.loader.exec_module(module)
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ASSIGNMENT_OF = {"graphs": "ps1_graphs", "layers": "ps2_layers", "softmax": "ps3_softmax", "network": "ps4_network"}
_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.MULTILINE)
#: The catalogue of known mistakes (check id -> key, hint, variant or rule), read by the grader too.
CATALOGUE = json.loads((HERE / "reference" / "mistakes.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Mistake:
    notebook: str
    cell: str  # grade_id of the solution cell to change
    edits: tuple  # (old, new) text replacements in that cell's solution code
    fails: tuple  # grade_ids of the test cells that lose their points (0-point warm-ups included)
    hints: tuple = ()  # "check_id.key" of each hint feedback must show


def _m(notebook, cell, edits, fails, hints=()):
    return Mistake(notebook, cell, tuple(edits), tuple(fails), tuple(hints))


#: Realistic mistakes, one solution cell edited the way students get it wrong. ``fails``: every
#: test cell that loses its points, and nothing else (a later exercise is checked with stand-ins
#: for the earlier pieces it builds on; the training warm-up uses the student's own net and
#: sgd_step). ``hints``: the catalogue entries feedback must show, and no other hint.
MISTAKE_EDITS = {
    # --- ps1 ---------------------------------------------------------------------------------
    "ps1_shopping.bag_untaxed": _m(
        "graphs", "shopping",
        [("price = mul_tax.forward(add_bag.forward(fruit, bag), tax)", "price = mul_tax.forward(fruit, tax) + bag"),
         ("dfruit, dbag = add_bag.backward(dsubtotal)", "dfruit, dbag = dsubtotal, 1.0")],
        ("test_shopping_forward", "test_shopping_backward"),
        ("ps1_shopping_forward.bag_untaxed", "ps1_shopping_backward.bag_untaxed")),
    "ps1_shopping.tax_without_bag": _m(
        "graphs", "shopping", [('"tax": dtax}', '"tax": fruit}')],
        ("test_shopping_backward",), ("ps1_shopping_backward.tax_without_bag",)),
    "ps1_shopping.mul_not_swapped": _m(
        "graphs", "shopping", [("dpear, dpear_num = mul_pear", "dpear_num, dpear = mul_pear"),
                               ("dlemon, dlemon_num = mul_lemon", "dlemon_num, dlemon = mul_lemon")],
        ("test_shopping_backward",), ("ps1_shopping_backward.mul_not_swapped",)),
    "ps1_shopping.tax_not_chained": _m(
        "graphs", "shopping", [("dfruit, dbag = add_bag.backward(dsubtotal)", "dfruit, dbag = add_bag.backward(1.0)")],
        ("test_shopping_backward",), ("ps1_shopping_backward.tax_not_chained",)),
    "ps1_square.forward_returns_slope": _m(
        "graphs", "square", [("return self.x ** 2", "return 2 * self.x")],
        ("test_square_forward",), ("ps1_square_forward.derivative",)),
    "ps1_square.no_two": _m(
        "graphs", "square", [("return 2.0 * self.x * dout", "return self.x * dout")],
        ("test_square_backward",), ("ps1_square_backward.square_no_two",)),
    "ps1_square.drops_dout": _m(
        "graphs", "square", [("return 2.0 * self.x * dout", "return 2.0 * self.x")],
        ("test_square_backward",), ("ps1_square_backward.drops_dout",)),
    "ps1_square.forgets_x": _m(
        "graphs", "square", [("return 2.0 * self.x * dout", "return 2.0 * dout")],
        ("test_square_backward",), ("ps1_square_backward.forgets_x",)),
    "ps1_square_sum.at_inputs": _m(
        "graphs", "square_sum", [("dx, dy = add.backward(square.backward(1.0))", "dx, dy = 2.0 * x, 2.0 * y")],
        ("test_square_sum",), ("ps1_square_sum.square_at_inputs",)),
    "ps1_square_sum.no_chain": _m(
        "graphs", "square_sum", [("dx, dy = add.backward(square.backward(1.0))", "dx, dy = add.backward(1.0)")],
        ("test_square_sum",), ("ps1_square_sum.no_chain",)),
    "ps1_add_mul.no_chain": _m(
        "graphs", "add_mul", [("dx, dy = add.backward(dq)", "dx, dy = add.backward(1.0)")],
        ("test_add_mul_backward",), ("ps1_add_mul_backward.no_chain",)),
    "ps1_add_mul.unpacked_swapped": _m(
        "graphs", "add_mul", [("dq, dz = mul.backward(1.0)", "dz, dq = mul.backward(1.0)")],
        ("test_add_mul_backward",), ("ps1_add_mul_backward.mul_not_swapped",)),
    "ps1_add_mul.precedence": _m(
        "graphs", "add_mul",
        [("    add, mul = AddLayer(), MulLayer()\n    f = mul.forward(add.forward(x, y), z)\n"
          "    dq, dz = mul.backward(1.0)\n    dx, dy = add.backward(dq)\n    return f, dx, dy, dz",
          "    f = x + y * z\n    return f, 1.0, z, y")],
        ("test_add_mul_forward", "test_add_mul_backward"), ("ps1_add_mul_forward.precedence", "ps1_add_mul_backward.precedence")),
    "ps1_fan_out.times_y": _m(
        "graphs", "fan_out", [("f = mul.forward(s, x)", "f = mul.forward(s, y)")],
        ("test_fan_out_forward", "test_fan_out_backward"), ("ps1_fan_out_forward.times_y", "ps1_fan_out_backward.times_y")),
    "ps1_fan_out.via_add_only": _m(
        "graphs", "fan_out", [("return f, dx_via_add + dx_direct, dy", "return f, dx_via_add, dy")],
        ("test_fan_out_backward",), ("ps1_fan_out_backward.one_path_add",)),
    "ps1_fan_out.direct_only": _m(
        "graphs", "fan_out", [("return f, dx_via_add + dx_direct, dy", "return f, dx_direct, dy")],
        ("test_fan_out_backward",), ("ps1_fan_out_backward.one_path_direct",)),
    "ps1_autograd.overwrites": _m(
        "graphs", "autograd", [("parent.grad += local * value.grad", "parent.grad = local * value.grad")],
        ("test_autograd",), ("ps1_autograd.overwrites",)),
    "ps1_autograd.no_seed": _m(
        "graphs", "autograd", [("        self.grad = 1.0\n", "")], ("test_autograd",), ("ps1_autograd.no_seed",)),
    "ps1_autograd.not_reversed": _m(
        "graphs", "autograd", [("for value in reversed(order):", "for value in order:")],
        ("test_autograd",), ("ps1_autograd.wrong_order",)),
    "ps1_autograd.no_chain": _m(
        "graphs", "autograd", [("parent.grad += local * value.grad", "parent.grad += local")],
        ("test_autograd",), ("ps1_autograd.no_chain",)),
    "ps1_autograd.no_topological_order": _m(
        "graphs", "autograd",
        [("        order, seen, stack = [], set(), [(self, False)]\n"
          "        while stack:  # depth-first, without recursion: long chains do not hit the recursion limit\n"
          "            value, expanded = stack.pop()\n"
          "            if expanded:\n"
          "                order.append(value)\n"
          "            elif id(value) not in seen:\n"
          "                seen.add(id(value))\n"
          "                stack.append((value, True))\n"
          "                stack.extend((parent, False) for parent in value.parents)\n"
          "        for value in order:\n"
          "            value.grad = 0.0\n"
          "        self.grad = 1.0\n"
          "        for value in reversed(order):\n"
          "            for parent, local in zip(value.parents, value.local):\n"
          "                parent.grad += local * value.grad",
          "        self.grad = 1.0\n"
          "        stack = [self]\n"
          "        while stack:\n"
          "            value = stack.pop()\n"
          "            for parent, local in zip(value.parents, value.local):\n"
          "                parent.grad += local * value.grad\n"
          "                stack.append(parent)")],
        ("test_autograd",), ("ps1_autograd.no_topological_order",)),
    # --- ps2 ---------------------------------------------------------------------------------
    "ps2_mul.not_swapped": _m(
        "layers", "mul_add", [("dx = dout * self.y\n        dy = dout * self.x", "dx = dout * self.x\n        dy = dout * self.y")],
        ("test_mul_backward",), ("ps2_mul_backward.not_swapped",)),
    "ps2_mul.drops_dout": _m(
        "layers", "mul_add", [("dx = dout * self.y\n        dy = dout * self.x", "dx = self.y\n        dy = self.x")],
        ("test_mul_backward",), ("ps2_mul_backward.drops_dout",)),
    "ps2_add.returns_ones": _m(
        "layers", "mul_add", [("return dout * 1, dout * 1", "return 1.0, 1.0")],
        ("test_add_backward",), ("ps2_add_backward.returns_ones",)),
    "ps2_add.drops_branch": _m(
        "layers", "mul_add", [("return dout * 1, dout * 1", "return dout * 1, dout * 0")],
        ("test_add_backward",), ("ps2_add_backward.drops_branch",)),
    "ps2_relu.no_mask": _m(
        "layers", "relu_sigmoid", [("return np.where(self.mask, 0.0, dout)", "return dout")],
        ("test_relu_backward",), ("ps2_relu_backward.no_mask",)),
    "ps2_relu.writes_dout": _m(
        "layers", "relu_sigmoid", [("return np.where(self.mask, 0.0, dout)", "dout[self.mask] = 0\n        return dout")],
        ("test_relu_backward",), ("ps2_relu_backward.writes_dout",)),
    "ps2_relu.mask_excludes_zero": _m(
        "layers", "relu_sigmoid", [("self.mask = x <= 0", "self.mask = x < 0")],
        ("test_relu_backward",), ("ps2_relu_backward.slope_one_at_zero",)),
    "ps2_relu.wrong_side": _m(
        "layers", "relu_sigmoid", [("return np.where(self.mask, 0.0, dout)", "return np.where(self.mask, dout, 0.0)")],
        ("test_relu_backward",), ("ps2_relu_backward.wrong_side",)),
    "ps2_relu.drops_dout": _m(
        "layers", "relu_sigmoid", [("return np.where(self.mask, 0.0, dout)", "return np.where(self.mask, 0.0, 1.0)")],
        ("test_relu_backward",), ("ps2_relu_backward.drops_dout",)),
    "ps2_sigmoid.drops_dout": _m(
        "layers", "relu_sigmoid", [("return dout * (1.0 - self.out) * self.out", "return (1.0 - self.out) * self.out")],
        ("test_sigmoid_backward",), ("ps2_sigmoid_backward.drops_dout",)),
    "ps2_sigmoid.from_input": _m(
        "layers", "relu_sigmoid", [("self.out = 1.0 / (1.0 + np.exp(-x))", "self.x = x\n        self.out = 1.0 / (1.0 + np.exp(-x))"),
                                   ("return dout * (1.0 - self.out) * self.out", "return dout * (1.0 - self.x) * self.x")],
        ("test_sigmoid_backward",), ("ps2_sigmoid_backward.from_input",)),
    "ps2_sigmoid.slope_is_out": _m(
        "layers", "relu_sigmoid", [("return dout * (1.0 - self.out) * self.out", "return dout * self.out")],
        ("test_sigmoid_backward",), ("ps2_sigmoid_backward.slope_is_out",)),
    "ps2_sigmoid.sign": _m(
        "layers", "relu_sigmoid", [("return dout * (1.0 - self.out) * self.out", "return dout * (self.out - 1.0) * self.out")],
        ("test_sigmoid_backward",), ("ps2_sigmoid_backward.sign",)),
    "ps2_affine.bias_not_summed": _m(
        "layers", "affine", [("self.db = np.sum(dout, axis=0)", "self.db = dout")],
        ("test_affine_backward",), ("ps2_affine_backward.bias_not_summed",)),
    "ps2_affine.bias_averaged": _m(
        "layers", "affine", [("self.db = np.sum(dout, axis=0)", "self.db = np.mean(dout, axis=0)")],
        ("test_affine_backward",), ("ps2_affine_backward.bias_averaged",)),
    "ps2_affine.bias_wrong_axis": _m(
        "layers", "affine", [("self.db = np.sum(dout, axis=0)", "self.db = np.sum(dout, axis=1)")],
        ("test_affine_backward",), ("ps2_affine_backward.bias_wrong_axis",)),
    "ps2_affine.dx_not_reshaped": _m(
        "layers", "affine", [("return dx.reshape(self.original_x_shape)", "return dx")],
        ("test_affine_backward",), ("ps2_affine_backward.dx_not_reshaped",)),
    "ps2_affine.dW_transposed": _m(
        "layers", "affine", [("self.dW = self.x.T @ dout", "self.dW = dout.T @ self.x")],
        ("test_affine_backward",), ("ps2_affine_backward.dW_transposed",)),
    "ps2_affine.W_not_transposed": _m(
        "layers", "affine", [("dx = dout @ self.W.T", "dx = dout @ self.W")],
        ("test_affine_backward",), ("ps2_affine_backward.W_not_transposed",)),
    "ps2_tanh.forward_returns_nothing": _m(
        "layers", "new_layers", [("self.out = np.tanh(x)\n        return self.out", "self.out = np.tanh(x)")],
        ("test_tanh_forward",), ("rule:returned_none:out",)),
    "ps2_tanh.from_input": _m(
        "layers", "new_layers", [("self.out = np.tanh(x)", "self.x = x\n        self.out = np.tanh(x)"),
                                 ("return dout * (1.0 - self.out ** 2)", "return dout * (1.0 - self.x ** 2)")],
        ("test_tanh_backward",), ("ps2_tanh_backward.from_input",)),
    "ps2_tanh.not_squared": _m(
        "layers", "new_layers", [("return dout * (1.0 - self.out ** 2)", "return dout * (1.0 - self.out)")],
        ("test_tanh_backward",), ("ps2_tanh_backward.not_squared",)),
    "ps2_tanh.drops_dout": _m(
        "layers", "new_layers", [("return dout * (1.0 - self.out ** 2)", "return 1.0 - self.out ** 2")],
        ("test_tanh_backward",), ("ps2_tanh_backward.drops_dout",)),
    "ps2_tanh.sign": _m(
        "layers", "new_layers", [("return dout * (1.0 - self.out ** 2)", "return dout * (self.out ** 2 - 1.0)")],
        ("test_tanh_backward",), ("ps2_tanh_backward.sign",)),
    "ps2_leaky_relu.zero_slope": _m(
        "layers", "new_layers", [("return np.where(self.mask, self.alpha * dout, dout)", "return np.where(self.mask, 0.0, dout)")],
        ("test_leaky_relu_backward",), ("ps2_leaky_relu_backward.zero_slope",)),
    "ps2_leaky_relu.fixed_alpha": _m(
        "layers", "new_layers", [("return np.where(self.mask, self.alpha * x, x)", "return np.where(self.mask, 0.01 * x, x)"),
                                 ("return np.where(self.mask, self.alpha * dout, dout)",
                                  "return np.where(self.mask, 0.01 * dout, dout)")],
        ("test_leaky_relu_forward", "test_leaky_relu_backward"),
        ("ps2_leaky_relu_forward.fixed_alpha", "ps2_leaky_relu_backward.fixed_alpha")),
    "ps2_leaky_relu.wrong_side": _m(
        "layers", "new_layers", [("return np.where(self.mask, self.alpha * x, x)", "return np.where(self.mask, x, self.alpha * x)")],
        ("test_leaky_relu_forward",), ("ps2_leaky_relu_forward.wrong_side",)),
    "ps2_leaky_relu.drops_dout": _m(
        "layers", "new_layers", [("return np.where(self.mask, self.alpha * dout, dout)", "return np.where(self.mask, self.alpha, 1.0)")],
        ("test_leaky_relu_backward",), ("ps2_leaky_relu_backward.drops_dout",)),
    "ps2_exp.forward_returns_nothing": _m(
        "layers", "new_layers", [("self.out = np.exp(x)\n        return self.out", "self.out = np.exp(x)")],
        ("test_exp_forward",), ("rule:returned_none:out",)),
    "ps2_exp.slope_one": _m(
        "layers", "new_layers", [("return dout * self.out\n", "return dout\n")],
        ("test_exp_backward",), ("ps2_exp_backward.slope_one",)),
    "ps2_exp.drops_dout": _m(
        "layers", "new_layers", [("return dout * self.out\n", "return self.out\n")],
        ("test_exp_backward",), ("ps2_exp_backward.drops_dout",)),
    "ps2_exp.exp_of_out": _m(
        "layers", "new_layers", [("return dout * self.out\n", "return dout * np.exp(self.out)\n")],
        ("test_exp_backward",), ("ps2_exp_backward.exp_of_out",)),
    "ps2_reciprocal.no_minus": _m(
        "layers", "new_layers", [("return -dout * self.out ** 2", "return dout * self.out ** 2")],
        ("test_reciprocal_backward",), ("ps2_reciprocal_backward.no_minus",)),
    "ps2_reciprocal.over_out_squared": _m(
        "layers", "new_layers", [("return -dout * self.out ** 2", "return -dout / self.out ** 2")],
        ("test_reciprocal_backward",), ("ps2_reciprocal_backward.from_input",)),
    "ps2_reciprocal.drops_dout": _m(
        "layers", "new_layers", [("return -dout * self.out ** 2", "return -self.out ** 2")],
        ("test_reciprocal_backward",), ("ps2_reciprocal_backward.drops_dout",)),
    "ps2_affine_last_axis.forward_only_3d": _m(
        "layers", "affine_last_axis", [("return x @ self.W + self.b", "return np.einsum('ntd,dm->ntm', x, self.W) + self.b")],
        ("test_affine_last_axis_forward", "test_affine_last_axis_backward", "test_affine_last_axis_backward_nd"),
        ("ps2_affine_last_axis_forward.fixed_rank_forward", "ps2_affine_last_axis_backward.fixed_rank_forward",
         "ps2_affine_last_axis_backward_nd.fixed_rank_forward")),
    "ps2_affine_last_axis.only_3d": _m(
        "layers", "affine_last_axis",
        [("        rows_x = self.x.reshape(-1, self.W.shape[0])\n        rows_dout = dout.reshape(-1, self.W.shape[1])\n"
          "        self.dW = rows_x.T @ rows_dout\n        self.db = rows_dout.sum(axis=0)\n",
          "        self.dW = np.einsum('ntd,ntm->dm', self.x, dout)\n        self.db = dout.sum(axis=(0, 1))\n")],
        ("test_affine_last_axis_backward", "test_affine_last_axis_backward_nd"),
        ("ps2_affine_last_axis_backward.fixed_rank", "ps2_affine_last_axis_backward_nd.fixed_rank")),
    "ps2_affine_last_axis.bias_first_axis": _m(
        "layers", "affine_last_axis", [("self.db = rows_dout.sum(axis=0)", "self.db = dout.sum(axis=0)")],
        ("test_affine_last_axis_backward_nd",), ("ps2_affine_last_axis_backward_nd.bias_first_axis_only",)),
    "ps2_affine_last_axis.transpose_all_axes": _m(
        "layers", "affine_last_axis", [("self.dW = rows_x.T @ rows_dout", "self.dW = self.x.T @ dout")],
        ("test_affine_last_axis_backward_nd",), ("ps2_affine_last_axis_backward_nd.transpose_all_axes",)),
    "ps2_sigmoid_from_nodes.sign_lost": _m(
        "layers", "sigmoid_from_nodes", [("dx, _ = self.negate.backward(da)\n        return dx",
                                          "dx, _ = self.negate.backward(da)\n        return -dx")],
        ("test_sigmoid_from_nodes",), ("ps2_sigmoid_from_nodes.sign_lost",)),
    "ps2_sigmoid_from_nodes.gradient_of_the_constant": _m(
        "layers", "sigmoid_from_nodes", [("dx, _ = self.negate.backward(da)", "_, dx = self.negate.backward(da)")],
        ("test_sigmoid_from_nodes",), ("ps2_sigmoid_from_nodes.wrong_input",)),
    "ps2_sigmoid_from_nodes.skips_exp": _m(
        "layers", "sigmoid_from_nodes", [("da = self.exp.backward(db)", "da = db")],
        ("test_sigmoid_from_nodes",), ("ps2_sigmoid_from_nodes.skips_node",)),
    # --- ps3 ---------------------------------------------------------------------------------
    "ps3_softmax.no_max_shift": _m(
        "softmax", "softmax", [("shifted = x - np.max(x, axis=-1, keepdims=True)", "shifted = x")],
        ("test_softmax",), ("ps3_softmax.no_max_shift",)),
    "ps3_softmax.columns": _m(
        "softmax", "softmax", [("shifted = x - np.max(x, axis=-1, keepdims=True)", "shifted = x - np.max(x, axis=0, keepdims=True)"),
                               ("return e / np.sum(e, axis=-1, keepdims=True)", "return e / np.sum(e, axis=0, keepdims=True)")],
        ("test_softmax",), ("ps3_softmax.wrong_axis",)),
    "ps3_softmax.whole_batch": _m(
        "softmax", "softmax", [("shifted = x - np.max(x, axis=-1, keepdims=True)", "shifted = x - np.max(x)"),
                               ("return e / np.sum(e, axis=-1, keepdims=True)", "return e / np.sum(e)")],
        ("test_softmax",), ("ps3_softmax.whole_batch",)),
    "ps3_softmax.global_max": _m(
        "softmax", "softmax", [("shifted = x - np.max(x, axis=-1, keepdims=True)", "shifted = x - np.max(x)")],
        ("test_softmax",), ("ps3_softmax.global_max",)),
    "ps3_softmax.axis_one": _m(
        "softmax", "softmax", [("shifted = x - np.max(x, axis=-1, keepdims=True)", "shifted = x - np.max(x, axis=1, keepdims=True)"),
                               ("return e / np.sum(e, axis=-1, keepdims=True)", "return e / np.sum(e, axis=1, keepdims=True)")],
        ("test_softmax",), ("ps3_softmax.batch_only",)),
    "ps3_cross_entropy.not_divided": _m(
        "softmax", "cross_entropy", [("+ 1e-7)) / n)", "+ 1e-7)))")],
        ("test_cross_entropy",), ("ps3_cross_entropy.not_divided",)),
    "ps3_cross_entropy.one_hot_only": _m(
        "softmax", "cross_entropy",
        [("    if np.size(t) == np.size(y):\n        t = np.argmax(t, axis=1)\n    n = y.shape[0]\n"
          "    return float(-np.sum(np.log(y[np.arange(n), t] + 1e-7)) / n)",
          "    n = y.shape[0]\n    return float(-np.sum(t * np.log(y + 1e-7)) / n)")],
        ("test_cross_entropy",), ("ps3_cross_entropy.one_hot_only",)),
    "ps3_cross_entropy.divided_by_size": _m(
        "softmax", "cross_entropy", [("+ 1e-7)) / n)", "+ 1e-7)) / y.size)")],
        ("test_cross_entropy",), ("ps3_cross_entropy.divided_by_size",)),
    "ps3_swl.forward_not_divided": _m(
        "softmax", "softmax_with_loss", [("self.loss = cross_entropy_error(self.y, self.t)",
                                          "self.loss = cross_entropy_error(self.y, self.t) * self.y.shape[0]")],
        ("test_swl_forward",), ("ps3_swl_forward.not_divided",)),
    "ps3_swl.forward_on_scores": _m(
        "softmax", "softmax_with_loss", [("self.loss = cross_entropy_error(self.y, self.t)",
                                          "self.loss = cross_entropy_error(x, self.t)")],
        ("test_swl_forward",), ("ps3_swl_forward.no_softmax",)),
    "ps3_swl.not_divided": _m(
        "softmax", "softmax_with_loss", [("return dout * (self.y - self.t) / batch_size", "return dout * (self.y - self.t)"),
                                         ("return dout * dx / batch_size", "return dout * dx")],
        ("test_swl_backward",), ("ps3_swl_backward.not_divided",)),
    "ps3_swl.ignores_dout": _m(
        "softmax", "softmax_with_loss", [("return dout * (self.y - self.t) / batch_size", "return (self.y - self.t) / batch_size"),
                                         ("return dout * dx / batch_size", "return dx / batch_size")],
        ("test_swl_backward",), ("ps3_swl_backward.ignores_dout",)),
    "ps3_swl.only_one_hot": _m(
        "softmax", "softmax_with_loss",
        [("        if np.size(self.t) == np.size(self.y):\n            return dout * (self.y - self.t) / batch_size\n"
          "        dx = self.y.copy()\n        dx[np.arange(batch_size), self.t] -= 1\n        return dout * dx / batch_size",
          "        return dout * (self.y - self.t) / batch_size")],
        ("test_swl_backward",), ("ps3_swl_backward.only_one_hot",)),
    "ps3_swl.sign": _m(
        "softmax", "softmax_with_loss",
        [("return dout * (self.y - self.t) / batch_size", "return dout * (self.t - self.y) / batch_size"),
         ("dx = self.y.copy()\n        dx[np.arange(batch_size), self.t] -= 1",
          "dx = -self.y.copy()\n        dx[np.arange(batch_size), self.t] += 1")],
        ("test_swl_backward",), ("ps3_swl_backward.sign",)),
    "ps3_softmax_layer.diagonal_only": _m(
        "softmax", "softmax_layer", [("weighted = np.sum(dout * self.out, axis=-1, keepdims=True)\n        "
                                      "return self.out * (dout - weighted)", "return dout * self.out * (1.0 - self.out)")],
        ("test_softmax_layer",), ("ps3_softmax_layer.diagonal_only",)),
    "ps3_softmax_layer.wrong_axis": _m(
        "softmax", "softmax_layer", [("weighted = np.sum(dout * self.out, axis=-1, keepdims=True)",
                                      "weighted = np.sum(dout * self.out, axis=0, keepdims=True)")],
        ("test_softmax_layer",), ("ps3_softmax_layer.wrong_axis",)),
    "ps3_softmax_layer.sum_without_dout": _m(
        "softmax", "softmax_layer", [("weighted = np.sum(dout * self.out, axis=-1, keepdims=True)",
                                      "weighted = np.sum(self.out, axis=-1, keepdims=True)")],
        ("test_softmax_layer",), ("ps3_softmax_layer.sum_without_dout",)),
    "ps3_softmax_layer.sign": _m(
        "softmax", "softmax_layer", [("return self.out * (dout - weighted)", "return self.out * (weighted - dout)")],
        ("test_softmax_layer",), ("ps3_softmax_layer.sign",)),
    "ps3_mse.forward_not_divided": _m(
        "softmax", "mse", [("return float(0.5 * np.sum(self.diff ** 2) / self.batch_size)", "return float(0.5 * np.sum(self.diff ** 2))")],
        ("test_mse_forward",), ("ps3_mse_forward.not_divided",)),
    "ps3_mse.no_half": _m(
        "softmax", "mse", [("return float(0.5 * np.sum(self.diff ** 2) / self.batch_size)",
                            "return float(np.sum(self.diff ** 2) / self.batch_size)")],
        ("test_mse_forward",), ("ps3_mse_forward.no_half",)),
    "ps3_mse.mean_over_entries": _m(
        "softmax", "mse", [("return float(0.5 * np.sum(self.diff ** 2) / self.batch_size)", "return float(0.5 * np.mean(self.diff ** 2))")],
        ("test_mse_forward",), ("ps3_mse_forward.mean_over_entries",)),
    "ps3_mse.backward_not_divided": _m(
        "softmax", "mse", [("return dout * self.diff / self.batch_size", "return dout * self.diff")],
        ("test_mse_backward",), ("ps3_mse_backward.not_divided",)),
    "ps3_mse.difference_reversed": _m(
        "softmax", "mse", [("self.diff = y - t", "self.diff = t - y")],
        ("test_mse_backward",), ("ps3_mse_backward.sign",)),
    "ps3_mse.factor_two": _m(
        "softmax", "mse", [("return dout * self.diff / self.batch_size", "return 2 * dout * self.diff / self.batch_size")],
        ("test_mse_backward",), ("ps3_mse_backward.factor_two",)),
    "ps3_mse.ignores_dout": _m(
        "softmax", "mse", [("return dout * self.diff / self.batch_size", "return self.diff / self.batch_size")],
        ("test_mse_backward",), ("ps3_mse_backward.ignores_dout",)),
    # --- ps4 ---------------------------------------------------------------------------------
    "ps4_gradient.forward_order": _m(
        "network", "two_layer_net", [("for layer in reversed(self.layers.values()):", "for layer in self.layers.values():")],
        ("test_two_layer_gradient",), ("ps4_gradient.wrong_order",)),
    "ps4_gradient.no_last_layer": _m(
        "network", "two_layer_net", [("dout = self.lastLayer.backward(1)", "dout = 1")],
        ("test_two_layer_gradient",), ("ps4_gradient.no_last_layer",)),
    "ps4_gradient_check.mean_abs": _m(
        "network", "gradient_check", [("return {key: rel_error(analytic[key], numeric[key]) for key in net.params}",
                                       "return {key: float(np.mean(np.abs(analytic[key] - numeric[key]))) for key in net.params}")],
        ("test_gradient_check",), ("ps4_gradient_check.mean_abs",)),
    "ps4_gradient_check.max_abs": _m(
        "network", "gradient_check", [("return {key: rel_error(analytic[key], numeric[key]) for key in net.params}",
                                       "return {key: float(np.max(np.abs(analytic[key] - numeric[key]))) for key in net.params}")],
        ("test_gradient_check",), ("ps4_gradient_check.max_abs",)),
    "ps4_sgd_step.ascent": _m(
        "network", "sgd_step", [("params[key] -= lr * grads[key]", "params[key] += lr * grads[key]")],
        ("test_sgd_step", "test_train"), ("ps4_sgd_step.ascent",)),
    "ps4_sgd_step.ignores_lr": _m(
        # The training test uses lr = 1.0, where ignoring lr changes nothing.
        "network", "sgd_step", [("params[key] -= lr * grads[key]", "params[key] -= grads[key]")],
        ("test_sgd_step",), ("ps4_sgd_step.ignores_lr",)),
    "ps4_sgd_step.returns_new_dict": _m(
        "network", "sgd_step", [("for key in params:\n        params[key] -= lr * grads[key]",
                                 "return {key: params[key] - lr * grads[key] for key in params}")],
        ("test_sgd_step", "test_train"), ("ps4_sgd_step.returns_new_dict",)),
    "ps4_sgd_step.rebinds_a_local_name": _m(
        "network", "sgd_step", [("for key in params:\n        params[key] -= lr * grads[key]",
                                 "for key, value in params.items():\n        value = value - lr * grads[key]")],
        ("test_sgd_step", "test_train"), ("ps4_sgd_step.returns_new_dict",)),
    "ps4_multi_init.relu_on_scores": _m(
        "network", "multi_layer_net", [("            if i < n_affine:\n                self.layers[f\"Relu{i}\"] = Relu()",
                                        "            self.layers[f\"Relu{i}\"] = Relu()")],
        ("test_multi_layer_init", "test_train"), ("ps4_multi_init.relu_on_scores",)),
    "ps4_multi_init.affines_then_relus": _m(
        "network", "multi_layer_net",
        [("            if i < n_affine:\n                self.layers[f\"Relu{i}\"] = Relu()\n", ""),
         ("        self.lastLayer = SoftmaxWithLoss()",
          "        for i in range(1, n_affine):\n            self.layers[f\"Relu{i}\"] = Relu()\n        self.lastLayer = SoftmaxWithLoss()")],
        ("test_multi_layer_init", "test_train"), ("ps4_multi_init.layer_order",)),
    "ps4_multi_init.W_transposed": _m(
        "network", "multi_layer_net", [("weight_init_std * rng.standard_normal((sizes[i - 1], sizes[i]))",
                                        "weight_init_std * rng.standard_normal((sizes[i], sizes[i - 1]))")],
        ("test_multi_layer_init", "test_multi_layer_init_scale", "test_train"),
        ("ps4_multi_init.W_transposed", "ps4_multi_init_scale.W_transposed")),
    "ps4_multi_init.random_bias": _m(
        "network", "multi_layer_net", [("self.params[f\"b{i}\"] = np.zeros(sizes[i])",
                                        "self.params[f\"b{i}\"] = weight_init_std * rng.standard_normal(sizes[i])")],
        ("test_multi_layer_init",), ("ps4_multi_init.random_bias",)),
    "ps4_multi_init.ignores_weight_init_std": _m(
        "network", "multi_layer_net", [("weight_init_std * rng.standard_normal((sizes[i - 1], sizes[i]))",
                                        "0.01 * rng.standard_normal((sizes[i - 1], sizes[i]))")],
        ("test_multi_layer_init_scale",), ("ps4_multi_init_scale.ignores_weight_init_std",)),
    "ps4_multi_gradient.forward_order": _m(
        "network", "multi_layer_net", [("for layer in reversed(self.layers.values()):", "for layer in self.layers.values():")],
        ("test_multi_layer_gradient", "test_train"), ("ps4_multi_gradient.wrong_order",)),
    "ps4_multi_gradient.no_last_layer": _m(
        "network", "multi_layer_net", [("dout = self.lastLayer.backward(1)", "dout = 1")],
        ("test_multi_layer_gradient", "test_train"), ("ps4_multi_gradient.no_last_layer",)),
    "ps4_multi_gradient.predict_not_loss": _m(
        "network", "multi_layer_net", [("        self.loss(x, t)\n        dout = self.lastLayer", "        self.predict(x)\n        dout = self.lastLayer")],
        ("test_multi_layer_gradient", "test_train"), ("ps4_multi_gradient.no_loss",)),
    # --- The same kinds of mistake written other ways, and mistakes no hint fits (they must get
    # none). Written after the catalogue, to see that it is not fitted to the edits above: 28 of
    # these 31 got their hint at first; the recursive autograd and the ones_like add node taught it
    # two more; "batch_size = 1" breaks two things at once, and no single hint is right for it.
    "ps2_relu.no_mask_by_copy": _m(
        "layers", "relu_sigmoid", [("return np.where(self.mask, 0.0, dout)", "return dout.copy()")], ("test_relu_backward",), ("ps2_relu_backward.no_mask",)),
    "ps2_relu.wrong_side_by_indexing": _m(
        "layers", "relu_sigmoid", [("return np.where(self.mask, 0.0, dout)", "dx = np.zeros_like(dout)\n        dx[self.mask] = dout[self.mask]\n        return dx")], ("test_relu_backward",), ("ps2_relu_backward.wrong_side",)),
    "ps2_sigmoid.drops_dout_expanded": _m(
        "layers", "relu_sigmoid", [("return dout * (1.0 - self.out) * self.out", "return self.out - self.out ** 2")], ("test_sigmoid_backward",), ("ps2_sigmoid_backward.drops_dout",)),
    "ps2_sigmoid.from_input_expanded": _m(
        "layers", "relu_sigmoid", [("self.out = 1.0 / (1.0 + np.exp(-x))", "self.x = x\n        self.out = 1.0 / (1.0 + np.exp(-x))"), ("return dout * (1.0 - self.out) * self.out", "return dout * (self.x - self.x ** 2)")], ("test_sigmoid_backward",), ("ps2_sigmoid_backward.from_input",)),
    "ps2_sigmoid.half_a_formula": _m(
        "layers", "relu_sigmoid", [("self.out = 1.0 / (1.0 + np.exp(-x))", "self.x = x\n        self.out = 1.0 / (1.0 + np.exp(-x))"), ("return dout * (1.0 - self.out) * self.out", "return dout * np.exp(-self.x)")], ("test_sigmoid_backward",), ()),
    "ps2_tanh.tanh_of_the_output": _m(
        "layers", "new_layers", [("return dout * (1.0 - self.out ** 2)", "return dout * (1.0 - np.tanh(self.out) ** 2)")], ("test_tanh_backward",), ()),
    "ps2_tanh.drops_dout_expanded": _m(
        "layers", "new_layers", [("return dout * (1.0 - self.out ** 2)", "return 1 - self.out * self.out")], ("test_tanh_backward",), ("ps2_tanh_backward.drops_dout",)),
    "ps2_exp.slope_one_by_copy": _m(
        "layers", "new_layers", [("return dout * self.out\n", "return dout.copy()\n")], ("test_exp_backward",), ("ps2_exp_backward.slope_one",)),
    "ps2_reciprocal.no_minus_expanded": _m(
        "layers", "new_layers", [("return -dout * self.out ** 2", "return dout * (self.out * self.out)")], ("test_reciprocal_backward",), ("ps2_reciprocal_backward.no_minus",)),
    "ps2_reciprocal.inverse_of_the_output": _m(
        "layers", "new_layers", [("return -dout * self.out ** 2", "return -dout * (1 / self.out) ** 2")], ("test_reciprocal_backward",), ("ps2_reciprocal_backward.from_input",)),
    "ps2_leaky_relu.zero_slope_by_indexing": _m(
        "layers", "new_layers", [("return np.where(self.mask, self.alpha * dout, dout)", "dx = dout.copy()\n        dx[self.mask] = 0\n        return dx")], ("test_leaky_relu_backward",), ("ps2_leaky_relu_backward.zero_slope",)),
    "ps2_leaky_relu.alpha_ignored_in_init": _m(
        "layers", "new_layers", [("self.alpha = alpha", "self.alpha = 0.01")], ("test_leaky_relu_forward", "test_leaky_relu_backward"), ("ps2_leaky_relu_forward.fixed_alpha", "ps2_leaky_relu_backward.fixed_alpha")),
    "ps2_affine.bias_copied": _m(
        "layers", "affine", [("self.db = np.sum(dout, axis=0)", "self.db = dout.copy()")], ("test_affine_backward",), ("ps2_affine_backward.bias_not_summed",)),
    "ps2_affine.dW_transposed_after": _m(
        "layers", "affine", [("self.dW = self.x.T @ dout", "self.dW = (self.x.T @ dout).T")], ("test_affine_backward",), ("ps2_affine_backward.dW_transposed",)),
    "ps2_affine.bias_divided_by_n": _m(
        "layers", "affine", [("self.db = np.sum(dout, axis=0)", "self.db = dout.sum(axis=0) / dout.shape[0]")], ("test_affine_backward",), ("ps2_affine_backward.bias_averaged",)),
    "ps2_mul.not_swapped_inline": _m(
        "layers", "mul_add", [("dx = dout * self.y\n        dy = dout * self.x\n        return dx, dy", "return dout * self.x, dout * self.y")], ("test_mul_backward",), ("ps2_mul_backward.not_swapped",)),
    "ps2_add.ones_like": _m(
        "layers", "mul_add", [("return dout * 1, dout * 1", "return np.ones_like(dout), np.ones_like(dout)")], ("test_add_backward",), ("ps2_add_backward.returns_ones",)),
    "ps2_sigmoid_from_nodes.skips_negate": _m(
        "layers", "sigmoid_from_nodes", [("dx, _ = self.negate.backward(da)\n        return dx", "return da")], ("test_sigmoid_from_nodes",), ("ps2_sigmoid_from_nodes.sign_lost",)),
    "ps3_softmax.no_max_shift_rewritten": _m(
        "softmax", "softmax", [("shifted = x - np.max(x, axis=-1, keepdims=True)\n    e = np.exp(shifted)\n    return e / np.sum(e, axis=-1, keepdims=True)", "e = np.exp(x)\n    return e / e.sum(axis=-1, keepdims=True)")], ("test_softmax",), ("ps3_softmax.no_max_shift",)),
    "ps3_softmax.columns_rewritten": _m(
        "softmax", "softmax", [("shifted = x - np.max(x, axis=-1, keepdims=True)\n    e = np.exp(shifted)\n    return e / np.sum(e, axis=-1, keepdims=True)", "e = np.exp(x - x.max(axis=0))\n    return e / e.sum(axis=0)")], ("test_softmax",), ("ps3_softmax.wrong_axis",)),
    "ps3_swl.batch_size_one": _m(
        "softmax", "softmax_with_loss", [("batch_size = self.y.shape[0]", "batch_size = 1")], ("test_swl_backward",), ()),
    "ps3_swl.ignores_dout_for_one_hot": _m(
        "softmax", "softmax_with_loss", [("return dout * (self.y - self.t) / batch_size", "return (self.y - self.t) / batch_size")], ("test_swl_backward",), ("ps3_swl_backward.ignores_dout",)),
    "ps3_softmax_layer.diagonal_reordered": _m(
        "softmax", "softmax_layer", [("weighted = np.sum(dout * self.out, axis=-1, keepdims=True)\n        return self.out * (dout - weighted)", "return self.out * (1 - self.out) * dout")], ("test_softmax_layer",), ("ps3_softmax_layer.diagonal_only",)),
    "ps3_mse.divided_by_size": _m(
        "softmax", "mse", [("return float(0.5 * np.sum(self.diff ** 2) / self.batch_size)", "return float(0.5 * np.sum(self.diff ** 2) / self.diff.size)")], ("test_mse_forward",), ("ps3_mse_forward.mean_over_entries",)),
    "ps4_sgd_step.ascent_rebinding_entries": _m(
        "network", "sgd_step", [("params[key] -= lr * grads[key]", "params[key] = params[key] + lr * grads[key]")], ("test_sgd_step", "test_train"), ("ps4_sgd_step.ascent",)),
    "ps4_sgd_step.fixed_learning_rate": _m(
        "network", "sgd_step", [("params[key] -= lr * grads[key]", "params[key] -= 0.1 * grads[key]")], ("test_sgd_step", "test_train"), ()),
    "ps4_multi_init.relu_after_every_affine": _m(
        "network", "multi_layer_net", [("            if i < n_affine:\n", "            if i <= n_affine:\n")], ("test_multi_layer_init", "test_train"), ("ps4_multi_init.relu_on_scores",)),
    "ps4_multi_gradient.by_name_in_order": _m(
        "network", "multi_layer_net", [("for layer in reversed(self.layers.values()):\n            dout = layer.backward(dout)", "for name in self.layers:\n            dout = self.layers[name].backward(dout)")], ("test_multi_layer_gradient", "test_train"), ("ps4_multi_gradient.wrong_order",)),
    "ps1_autograd.recursive_push": _m(
        "graphs", "autograd", [("        order, seen, stack = [], set(), [(self, False)]\n", "        def push(value):\n            for parent, local in zip(value.parents, value.local):\n                parent.grad += local * value.grad\n                push(parent)\n        self.grad = 1.0\n        push(self)\n        return\n        order, seen, stack = [], set(), [(self, False)]\n")], ("test_autograd",), ("ps1_autograd.no_topological_order_recursive",)),
    "ps1_square.drops_dout_int": _m(
        "graphs", "square", [("return 2.0 * self.x * dout", "return 2 * self.x")], ("test_square_backward",), ("ps1_square_backward.drops_dout",)),
    "ps4_gradient.ones_from_the_loss": _m(
        "network", "two_layer_net", [("dout = self.lastLayer.backward(1)", "dout = np.ones_like(self.lastLayer.y)")], ("test_two_layer_gradient",), ()),
}

#: Broken submissions that are not diagnosed mistakes.
OTHER_EDITS = {
    # A syntax error kills the whole cell: Square is never defined. square_sum, which builds
    # on it, is checked with a stand-in Square (and is a 0-point warm-up anyway).
    "syntax_error": _m("graphs", "square", [("def forward(self, x):", "def forward(self, x)")],
                       ("test_square_forward", "test_square_backward")),
    # Each call of shopping() hangs; its two test cells time out, the rest are graded.
    "infinite_loop": _m("graphs", "shopping", [("mul_pear, mul_lemon, mul_tax = MulLayer(), MulLayer(), MulLayer()",
                                                "while True:\n        pass")],
                        ("test_shopping_forward", "test_shopping_backward")),
    # A helper module the student had but did not hand in: the cell stops at its import, nothing in
    # it is defined, and feedback shows that ModuleNotFoundError (not a guess about NameErrors).
    "missing_module": _m("layers", "new_layers", [("class Tanh:", "import my_helpers\n\n\nclass Tanh:")],
                         ("test_tanh_forward", "test_tanh_backward", "test_leaky_relu_forward", "test_leaky_relu_backward",
                          "test_exp_forward", "test_exp_backward", "test_reciprocal_forward", "test_reciprocal_backward")),
    # Helpers that would answer a check are switched off while it runs (autograder.checks.cases.BLOCKS):
    # a backward by the course's finite differences passes its visible test and loses the hidden one...
    "numerical_backward": _m("layers", "new_layers",
                             [("        self.out = np.tanh(x)\n", "        self.x = x.copy()\n        self.out = np.tanh(x)\n"),
                              ("return dout * (1.0 - self.out ** 2)",
                               "from backprop.nn.gradcheck import numerical_gradient_layer\n"
                               "        return numerical_gradient_layer(np.tanh, self.x.copy(), dout)")],
                             ("test_tanh_backward",)),
    # ...as does the student's own numerical differentiation, here the complex step, exact to
    # rounding: it evaluates forward away from the input forward saw (autograder.checks.watch)...
    "own_finite_differences": _m("layers", "new_layers",
                                 [("        self.out = np.tanh(x)\n", "        self.x = x.copy()\n        self.out = np.tanh(x)\n"),
                                  ("return dout * (1.0 - self.out ** 2)",
                                   "h = 1e-20\n        return dout * np.imag(Tanh().forward(self.x + 1j * h)) / h")],
                                 ("test_tanh_backward",)),
    # ...and a ps1 answer computed by the course's graph model.

    "graph_model": _m("graphs", "add_mul",
                      [("def add_mul(x, y, z):", "from backprop.graph.expression import expression_graph\n\n\ndef add_mul(x, y, z):"),
                       ("    add, mul = AddLayer(), MulLayer()\n    f = mul.forward(add.forward(x, y), z)\n"
                        "    dq, dz = mul.backward(1.0)\n    dx, dy = add.backward(dq)\n    return f, dx, dy, dz",
                        "    graph = expression_graph('(x + y) * z', x=x, y=y, z=z)\n    f = graph.forward()\n"
                        "    grads = graph.backward()\n    return f, grads['x'], grads['y'], grads['z']")],
                      ("test_add_mul_forward", "test_add_mul_backward")),
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


def _test_cell_of(name: str) -> dict:
    """{check id: grade_id of the test cell that calls it} for one notebook."""
    call = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")
    return {check_id: c.metadata["nbgrader"]["grade_id"] for c in source_notebook(name).cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade") for check_id in call.findall(c.source)}


def hint_text(entry: str) -> str:
    """The hint of a catalogue entry "check_id.key", or of a generic rule "rule:name:output"."""
    if entry.startswith("rule:"):
        _, rule, output = entry.split(":")
        return CATALOGUE["rules"][rule].format(output=output)
    check_id, key = entry.split(".")
    return next(m["hint"] for m in CATALOGUE["checks"][check_id] if m["key"] == key)


def _hinted_check(edit: Mistake, entry: str) -> str:
    """The check a hint entry belongs to (a generic rule's: the one check of the mistake's failing cells)."""
    if not entry.startswith("rule:"):
        return entry.split(".")[0]
    checks = [cid for cid, gid in _test_cell_of(edit.notebook).items() if gid in edit.fails]
    if len(checks) != 1:
        raise ValueError(f"a generic hint needs exactly one failing check, got {checks}")
    return checks[0]


def _expected_hints() -> dict:
    hints: dict = {}
    for kind, edit in MISTAKE_EDITS.items():
        cells = _test_cell_of(edit.notebook)
        hints[kind] = {edit.notebook: {cells[_hinted_check(edit, entry)]: hint_text(entry) for entry in edit.hints}}
    return hints


EXPECTED_SCORES = _expected_scores()
EXPECTED_HINTS = _expected_hints()
