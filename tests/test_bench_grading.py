"""The grading benchmark's regrade figures run end to end on one assignment (timings are not checked)."""
from __future__ import annotations

import re
import runpy
from pathlib import Path

import autograder

BENCH = Path(autograder.__file__).resolve().parents[1] / "benchmarks" / "bench_grading.py"


def test_regrading_one_student_is_timed_both_ways_and_starts_one_worker(capsys):
    main = runpy.run_path(str(BENCH))["main"]
    assert main(["--assignments", "ps1_graphs", "--n", "0", "--regrades", "1"]) == 0
    row = re.search(r"^  ps1_graphs\s+nbgrader autograde\s+([\d.]+) s .*backprop-grader grade\s+([\d.]+) s .* with "
                    r"(\d+) worker process", capsys.readouterr().out, re.MULTILINE)
    assert row and float(row[1]) > 0 and float(row[2]) > 0
    assert row[3] == "1"
