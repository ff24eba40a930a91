"""The grading pipeline: release, collect, grade, feedback, report, and the gradebook they share.

Imports go downward only: the pipeline uses :mod:`autograder.checks` (the judge) and
:mod:`autograder.execution` (the sandbox, the workers); neither of them imports the pipeline.
"""
