"""Reference implementations of every layer and network the course grades.

Instructor-only: lives in solutions/, never shipped to students.
"""
