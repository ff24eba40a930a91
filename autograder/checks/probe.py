"""Runs in the student's (sandboxed) kernel: call their code, record numbers, decide nothing.

A hidden test cell calls ``check("ps2_relu_backward", Relu)``. For every case of
that check (``autograder.checks.cases``) the probe calls the student's objects on copies
of seeded inputs and coerces each result to a plain float64 list at once. Any
exception, ``SystemExit`` and ``KeyboardInterrupt`` included, ends only its own
case (after a ``KeyboardInterrupt``, usually the grader's timeout, the remaining
cases are skipped and ``check`` re-raises it once the record is out, so the
cell stops instead of running into the next timeout). The record leaves the kernel as one display output of mime type ``MIME``;
``autograder.checks.judge`` decides, in a process the student never touched.

Coercion goes through ``np.array(value, dtype=float64).tolist()``: whatever the
student returned (an ndarray subclass that claims equality, an object with a
lying ``__eq__``), only its numbers survive. This module imports no reference code.

While a check runs the student's objects, the course helpers that would answer
it (numerical gradients, the graph model; ``cases.BLOCKS``) are switched off and
raise a plain message, which becomes that case's recorded error. The earlier
exercises it builds on are bound to correct stand-ins (``cases.Check.stand_ins``,
``autograder.checks.stand_ins``), so each part is graded once.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import types
import warnings

import numpy as np

from .cases import CHECKS
from .drivers import SWITCHED_OFF, StageError

MIME = "application/vnd.backprop.probe+json"

#: Largest output recorded, in numbers; our largest expected output has a few hundred.
MAX_ELEMENTS = 20_000
#: Longest exception text kept (student-controlled text: short and printable only).
MAX_ERROR_CHARS = 300
#: Error text the judge recognises: the result held NaN or infinity.
NONFINITE = "NonFiniteResult"
#: Error text the judge recognises: the code returned None (a missing return, most often).
NONE = "NoneResult"
#: Key suffix of the error entry for a case that raised.
RAISED = "raised"


def _text(exc: BaseException) -> str:
    where = ""
    if isinstance(exc, StageError):  # "ValueError in backward: ...": which method raised
        exc, where = exc.original, f" in {exc.stage}"
    try:
        name = type(exc).__name__
        message = str(exc)
    except BaseException:  # a hostile __str__ must not escape either
        name, message = "Exception", "(its message could not be read)"
    text = f"{name}{where}: {message}" if message else name + where
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text[:MAX_ERROR_CHARS]


def coerce(value) -> dict:
    """``value`` as {"shape": [...], "data": nested floats}, or {"error": ...}."""
    if value is None:  # np.array(None, dtype=float) would be a NaN, and the message a riddle
        return {"error": f"{NONE}: the value is None, not a number or an array"}
    try:
        arr = np.array(value, dtype=np.float64)  # a plain ndarray: subclasses are dropped
        if arr.size > MAX_ELEMENTS:
            return {"error": f"ValueError: the result has {arr.size} numbers, more than {MAX_ELEMENTS}"}
        if not np.all(np.isfinite(arr)):
            return {"error": f"{NONFINITE}: the result of shape {list(arr.shape)} holds NaN or infinity"}
        return {"shape": [int(n) for n in arr.shape], "data": arr.tolist()}
    except BaseException as exc:
        return {"error": f"could not read the result as numbers ({_text(exc)})"}


def _stub_code(message: str) -> types.CodeType:
    """Code of a function that takes anything and raises RuntimeError(message)."""
    namespace: dict = {}
    exec(f"def switched_off(*args, **kwargs):\n    raise RuntimeError({message!r})\n", namespace)
    return namespace["switched_off"].__code__


def _function(module: str, dotted: str) -> types.FunctionType:
    owner = importlib.import_module(module)
    *path, name = dotted.split(".")
    for part in path:
        owner = getattr(owner, part)
    func = vars(owner)[name] if isinstance(owner, type) else getattr(owner, name)
    if not isinstance(func, types.FunctionType) or func.__closure__:
        raise TypeError(f"{module}.{dotted} is not a plain function; it cannot be switched off")
    return func


@contextlib.contextmanager
def switched_off(groups):
    """Within the block the helpers of ``groups`` (``drivers.SWITCHED_OFF``) raise; restored after.

    The function objects themselves get a raising ``__code__``, so a name bound
    before the block (``from backprop.nn.gradcheck import numerical_gradient``, a
    bound method ``graph.backward``) is switched off too. Each original code is
    put back in ``finally``, whatever the student's code raised.
    """
    saved = []
    try:
        for group in groups:
            message, targets = SWITCHED_OFF[group]
            stub = _stub_code(message)
            for module, dotted in targets:
                func = _function(module, dotted)
                saved.append((func, func.__code__))
                func.__code__ = stub
        yield
    finally:
        for func, code in reversed(saved):
            func.__code__ = code


_MISSING = object()


def _namespaces(objects) -> list:
    """The global namespaces in which ``objects`` (functions, classes) look names up."""
    found: dict = {}
    for obj in objects:
        try:
            if isinstance(obj, types.FunctionType):
                functions = [obj]
            elif isinstance(obj, type):
                functions = [f for klass in obj.__mro__ if klass is not object
                             for f in vars(klass).values() if isinstance(f, types.FunctionType)]
            else:
                functions = []
            for func in functions:
                if type(func.__globals__) is dict:
                    found[id(func.__globals__)] = func.__globals__
        except Exception:  # an object that hides its namespace simply gets no stand-ins
            continue
    return list(found.values())


@contextlib.contextmanager
def standing_in(objects, stand_ins):
    """Within the block, the names of ``stand_ins`` resolve to correct stand-ins for ``objects``.

    ``stand_ins``: (name, "module:attribute") pairs. The student's own binding
    (or its absence) is put back in ``finally``.
    """
    saved = []
    try:
        for namespace in _namespaces(objects):
            for name, provider in stand_ins:
                module, _, attribute = provider.partition(":")
                saved.append((namespace, name, namespace.get(name, _MISSING)))
                namespace[name] = getattr(importlib.import_module(module), attribute)
        yield
    finally:
        for namespace, name, old in reversed(saved):
            if old is _MISSING:
                namespace.pop(name, None)
            else:
                namespace[name] = old


def _run(check_id: str, objects: tuple) -> tuple[dict, BaseException | None]:
    """The record, and the KeyboardInterrupt that cut it short (if one did)."""
    check = CHECKS.get(check_id)
    if check is None:
        return {"check": str(check_id)[:100], "outputs": {RAISED: {"error": "KeyError: no such check"}}}, None
    outputs: dict = {}
    if len(objects) != len(check.objects):
        msg = f"TypeError: check {check_id} needs {', '.join(check.objects)}, got {len(objects)} object(s)"
        return {"check": check_id, "outputs": {RAISED: {"error": msg}}}, None
    interrupted = None
    for case in check.cases:
        if interrupted is not None:
            outputs[f"{case.name}/{RAISED}"] = {"error": "not run: an earlier case was interrupted"}
            continue

        def rec(name, value, case=case):
            outputs[f"{case.name}/{name}"] = coerce(value)
        try:
            with switched_off(check.blocks), standing_in(objects, check.stand_ins), \
                    warnings.catch_warnings(), np.errstate(all="ignore"):
                # A numpy warning from student code is not a failure (nbgrader would
                # score any stderr in a test cell as 0); the numbers decide.
                warnings.simplefilter("ignore")
                case.run(objects, case.inputs, rec)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: they end this case only
            outputs[f"{case.name}/{RAISED}"] = {"error": _text(exc)}
            if isinstance(exc, KeyboardInterrupt):
                # Most likely the grader's per-cell timeout: run no more cases, so the cell
                # ends now and the kernel is free for the next cell.
                interrupted = exc
    return {"check": check_id, "outputs": outputs}, interrupted


def record(check_id: str, *objects) -> dict:
    """Run every case of ``check_id`` on ``objects``; returns the JSON-ready record."""
    return _run(check_id, objects)[0]


def check(check_id: str, *objects) -> None:
    """Record ``check_id`` on the student's objects and emit it as one display output.

    After an interrupt (a timeout) the partial record is emitted, then the
    KeyboardInterrupt is raised again so that the cell stops there.
    """
    payload, interrupted = _run(check_id, objects)
    try:
        from IPython.display import display
    except ImportError:  # plain Python: print the record so it is not lost
        print(json.dumps({MIME: payload}))
    else:
        display({MIME: payload}, raw=True)
    if interrupted is not None:
        raise interrupted
