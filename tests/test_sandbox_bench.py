"""The sandbox benchmark runs end to end on one small assignment (its numbers are not checked)."""
from __future__ import annotations

import re
import runpy
from pathlib import Path

import autograder

BENCH = Path(autograder.__file__).resolve().parents[1] / "benchmarks" / "bench_sandbox.py"


def test_benchmark_prints_both_timings_for_each_step(capsys):
    main = runpy.run_path(str(BENCH))["main"]
    assert main(["--assignments", "ps1_graphs", "--repeat", "1"]) == 0
    rows = re.findall(r"^ps1_graphs\s+(grade|execute)\s+([\d.]+)\s+([\d.]+)\s+([-+][\d.]+)$",
                      capsys.readouterr().out, re.MULTILINE)
    assert [r[0] for r in rows] == ["grade", "execute"]
    assert all(float(r[1]) > 0 and float(r[2]) > 0 for r in rows)
