"""``python -m autograder``: the same as the ``backprop-grader`` command."""
import sys

from autograder.cli import main

sys.exit(main())
