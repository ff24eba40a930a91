"""Grading around nbgrader for Backpropagation from Scratch."""
import sys

# jsonschema (under nbformat) loads rfc3987_syntax where it is installed (jupyter-events pulls it in),
# and that compiles about 40 Earley grammars on import: 2 s of every grading process's start-up, the
# coordinator's and each worker's, for 'iri' format checks that nothing here runs (nbformat and
# nbgrader validate without a format checker). A None entry makes that optional import fail, as if
# the package were not installed.
sys.modules.setdefault("rfc3987_syntax", None)
