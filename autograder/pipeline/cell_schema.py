"""nbgrader's check of cell metadata, with the schema checked once instead of once per cell.

nbgrader validates every cell's ``metadata.nbgrader`` with ``jsonschema.validate``,
which first validates the *schema* against its meta-schema on every call: about
3 ms, some 60 times per notebook and pass, all on the coordinator, which is the
one part of grading that does not scale out. :func:`schema_checked_once` lends
nbgrader a stand-in for the jsonschema module whose ``validate`` uses one
validator per schema, built (and the schema checked) on first use. Same schema,
same instances, same ``ValidationError`` on bad metadata.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import jsonschema
from nbgrader.nbgraderformat import common


class _OneValidatorPerSchema:
    """What ``nbgrader.nbgraderformat.common`` uses of the jsonschema module, with validators kept."""

    ValidationError = jsonschema.ValidationError

    def __init__(self) -> None:
        self._validators: dict[int, tuple[dict, jsonschema.protocols.Validator]] = {}

    def validate(self, instance, schema) -> None:
        kept = self._validators.get(id(schema))
        if kept is None or kept[0] is not schema:   # the schema object itself is kept, so its id stays its own
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            kept = self._validators[id(schema)] = (schema, cls(schema))
        # jsonschema.validate raises the best match of all errors; any error means bad metadata here.
        error = jsonschema.exceptions.best_match(kept[1].iter_errors(instance))
        if error is not None:
            raise error


@contextmanager
def schema_checked_once() -> Iterator[None]:
    """nbgrader's cell validation uses one validator per schema meanwhile."""
    original = common.jsonschema
    common.jsonschema = _OneValidatorPerSchema()
    try:
        yield
    finally:
        common.jsonschema = original
