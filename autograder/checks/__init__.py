"""The checks: what the hidden tests call (the probe) and what decides (the judge, the diagnoses).

The probe and what it imports run in the student's sandboxed kernel; the judge, the diagnosis
of mistakes and the wrong variants run only in the trusted process. Nothing here imports the
pipeline or the execution layer. This file stays empty: it is mounted in the sandbox.
"""
