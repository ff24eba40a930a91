"""How long the widget takes to prepare its frames, and how much state it embeds.

Run: python benchmarks/bench_widget.py   (prints figures; asserts nothing)

For each book graph: the number of steps, the time to draw every frame in
Python (what a live edit costs before the browser sees anything) and the size
of the widget state a built page embeds. The browser's time per step is
printed by tests/test_browser_widget.py.
"""

from __future__ import annotations

import json
import time

from backprop.graphs import BUILDERS
from backprop.widget import flow


def main() -> None:
    print(f"{'graph':<20}{'steps':>6}{'frames ms':>11}{'edit ms':>9}{'state KB':>10}")
    for name in BUILDERS:
        t0 = time.perf_counter()
        w = flow(name)
        build_ms = (time.perf_counter() - t0) * 1e3
        first = w.inputs[0]
        t0 = time.perf_counter()
        w.set_inputs(**{first["id"]: first["value"] + 0.5})
        edit_ms = (time.perf_counter() - t0) * 1e3
        state = w.get_state()
        size = len(json.dumps({k: state[k] for k in ("frames", "inputs", "_esm", "_css")}))
        print(f"{name:<20}{len(w.steps):>6}{build_ms:>11.1f}{edit_ms:>9.1f}{size / 1024:>10.1f}")


if __name__ == "__main__":
    main()
