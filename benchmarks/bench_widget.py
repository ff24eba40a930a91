"""How long the widget takes to prepare its frames, and how much state it embeds.

Run: python benchmarks/bench_widget.py   (prints figures; asserts nothing)

For each book graph: the number of steps, the time to draw every frame in
Python (what a live edit costs before the browser sees anything), the time the
widget's browser engine takes for the same edit in headless Chromium (what an
edit costs in the static book; "n/a" without a browser) and the size of the
widget state a built page embeds. The browser's time per step is printed by
tests/test_browser_widget.py.
"""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

from backprop.graph.book import BUILDERS
from backprop.widgets.bundle import engine_source
from backprop.widgets.gradient_flow import flow

# Median of 5 edits: the engine rebuilds the graph from its spec and draws every frame.
BROWSER_EDIT = """
const [spec, id, value] = arguments;
const times = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const g = BP.graphFromSpec(spec).withInputs({ [id]: value + i });
  BP.framesOf(g);
  times.push(performance.now() - t0);
}
return times.sort((a, b) => a - b)[2];
"""


def browser():
    """Headless Chromium with the engine loaded, set up as the browser tests do; None if missing."""
    path = Path(__file__).resolve().parents[1] / "tests" / "test_browser_widget.py"
    spec = importlib.util.spec_from_file_location("_browser_widget", path)
    bw = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bw)
    try:
        driver = bw.make_driver()
    except BaseException as exc:   # pytest's skip is a BaseException
        print(f"(no browser: {exc})")
        return None
    driver.get("about:blank")
    driver.execute_script(engine_source() + "\nwindow.BP = BP;")
    return driver


def main() -> None:
    driver = browser()
    print(f"{'graph':<20}{'steps':>6}{'frames ms':>11}{'edit ms':>9}{'browser edit ms':>17}{'state KB':>10}")
    for name in BUILDERS:
        t0 = time.perf_counter()
        w = flow(name)
        build_ms = (time.perf_counter() - t0) * 1e3
        first = w.inputs[0]
        t0 = time.perf_counter()
        w.set_inputs(**{first["id"]: first["value"] + 0.5})
        edit_ms = (time.perf_counter() - t0) * 1e3
        js = "n/a"
        if driver is not None:
            ms = driver.execute_script(BROWSER_EDIT.replace("BP.", "window.BP."), w.spec, first["id"],
                                       first["value"] + 0.5)
            js = f"{ms:.1f}"
        state = w.get_state()
        size = len(json.dumps({k: state[k] for k in ("frames", "inputs", "spec", "_esm", "_css")}))
        print(f"{name:<20}{len(w.steps):>6}{build_ms:>11.1f}{edit_ms:>9.1f}{js:>17}{size / 1024:>10.1f}")
    if driver is not None:
        driver.quit()


if __name__ == "__main__":
    main()
