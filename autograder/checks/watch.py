"""Which inputs a layer's ``forward`` sees while its ``backward`` runs: numerical differentiation, found soundly.

A backward written with the chain rule needs only what ``forward`` stored; a
backward computed by differentiating numerically (any step, any stencil, the
complex step) has to evaluate the forward function at points other than the
one ``forward`` was given. The rule the grader enforces is exactly that: no
evaluation of forward away from its input while backward runs. While a check
runs, ``Watch`` wraps the ``forward`` of the checked class and of the nodes a
layer holds (SigmoidFromNodes' multiply, exp, add and 1/x nodes): during the
forward phase every call is remembered (its arguments and the instance's
``W``, ``b`` and ``alpha``, copied); during the backward phase a call that
matches none of those is counted as an evaluation away from the cached input.
A count above 0 is a fact about the code, not a guess.

For a network's ``gradient`` there is no separate forward phase: the legitimate
points are the parameters the check loaded, and an ``Affine`` forward with any
other ``W`` or ``b`` counts (``Watch.for_parameters``).

What it cannot see: finite differences written with numpy functions directly
(``np.tanh(x + h)``) never call ``forward``. The judge's tolerance catches the
course's step (``tolerances.REFERENCE_TOLERANCE``), not a higher-order stencil
or the complex step; docs/grading.md says exactly this. Runs in the student's
kernel: imports no reference code. Like ``probe.switched_off`` it changes classes
for the duration of one case, so checks run one at a time (the judge does).
"""

from __future__ import annotations

import contextlib
import types

import numpy as np

#: Instance attributes that are inputs of ``forward`` as much as its arguments.
PARAMETERS = ("W", "b", "alpha")
_UNKNOWN = object()  # a value that could not be copied: never counted against the student


def _copy(value):
    try:
        arr = np.array(value, copy=True)
    except Exception:
        return _UNKNOWN
    return _UNKNOWN if arr.dtype == object else arr


def _equal(a, b) -> bool:
    if a is _UNKNOWN or b is _UNKNOWN:
        return True
    return a.shape == b.shape and bool(np.array_equal(a, b))


class Watch:
    """Counts ``forward`` calls at points other than the allowed ones (``away``)."""

    def __init__(self, classes, ignore_arguments: bool = False):
        owners = []
        for cls in classes:
            owner = next((k for k in getattr(cls, "__mro__", ()) if "forward" in vars(k)), None)
            if owner is not None and owner is not object and owner not in owners:
                owners.append(owner)
        self.owners = owners
        self.ignore_arguments = ignore_arguments
        self.allowed: list = []
        self.recording = True  # forward phase: calls are remembered as allowed
        self.away = 0

    @classmethod
    def for_parameters(cls, classes, params: dict):
        """A watch whose allowed points are the pairs (W<i>, b<i>) of ``params``; arguments ignored."""
        watch = cls(classes, ignore_arguments=True)
        watch.recording = False
        for key in params:
            if key.startswith("W") and "b" + key[1:] in params:
                watch.allowed.append(((), (_copy(params[key]), _copy(params["b" + key[1:]]), _UNKNOWN)))
        return watch

    def _point(self, instance, args, kwargs):
        arguments = () if self.ignore_arguments else tuple(_copy(a) for a in (*args, *kwargs.values()))
        state = tuple(_copy(vars(instance)[name]) if name in getattr(instance, "__dict__", {}) else _UNKNOWN
                      for name in PARAMETERS)
        return arguments, state

    def _same(self, point, allowed) -> bool:
        (args, state), (args0, state0) = point, allowed
        return len(args) == len(args0) and all(map(_equal, args, args0)) and all(map(_equal, state, state0))

    def _seen(self, instance, args, kwargs) -> None:
        try:
            point = self._point(instance, args, kwargs)
        except Exception:
            return
        if self.recording:
            self.allowed.append(point)
        elif not any(self._same(point, allowed) for allowed in self.allowed):
            self.away += 1

    @contextlib.contextmanager
    def installed(self):
        """Within the block every watched class's ``forward`` reports to this watch; restored after."""
        saved = []
        try:
            for owner in self.owners:
                original = vars(owner)["forward"]
                if not isinstance(original, types.FunctionType):  # a staticmethod or odder: not watched
                    continue

                def forward(instance, *args, _original=original, **kwargs):
                    self._seen(instance, args, kwargs)
                    return _original(instance, *args, **kwargs)
                try:
                    setattr(owner, "forward", forward)
                except (TypeError, AttributeError):  # a class that refuses: simply not watched
                    continue
                saved.append((owner, original))
            yield self
        finally:
            for owner, original in reversed(saved):
                setattr(owner, "forward", original)

    @contextlib.contextmanager
    def backward_phase(self):
        """Calls within the block are compared with those remembered before it."""
        self.recording = False
        yield self
