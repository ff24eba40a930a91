"""Grading around nbgrader for Backpropagation from Scratch."""
