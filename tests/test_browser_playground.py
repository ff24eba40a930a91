"""Browser test of chapter 5's training playground in the built, offline book.

The page trains the two-layer net in JavaScript; here NumPy trains the same net
(the same points and initial weights, from ``playground_data(0)``, the seed the
book uses) with the book's rules written as matrix code, independently of the
page's loops, and the losses of the first steps must agree. The loss is the
book's cross-entropy error, whose log floor is the smallest normal float64
(written here from IEEE 754, not read from the package). Run must train one
step budget and stop there, where the page's loss and accuracy are NumPy's,
and the loss chart must span the budget on a log scale with the 50/50 guess's
ln 2 drawn. The settings must go into the page's URL and come back from it.
The defaults must learn the spiral within the budget for other seeds too (no
browser needed). Browser set-up, server and "no console error, no other host"
checks as in tests/test_browser_widget.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from backprop.widgets.playground import DEFAULTS, STEP_BUDGET, playground_data

_spec = importlib.util.spec_from_file_location("_browser_widget", Path(__file__).with_name("test_browser_widget.py"))
_bw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bw)
book_html, site, browser = _bw.book_html, _bw.site, _bw.browser   # the same fixtures

N_STEPS = 25
#: The smallest positive normal double, 2**-1022: the book's cross-entropy takes the
#: log of at least this.
LOG_FLOOR = 2.0 ** -1022
#: What the page opens with: chapter 5's TwoLayerNet (ReLU) on the spiral.
OPENS_WITH = {"data": "spiral", "hidden": 16, "act": "relu", "lr": 1.0}


def numpy_training(shipped: dict, data: str, hidden: int, act: str, lr: float,
                   steps: int) -> tuple[list[float], float]:
    """Full-batch gradient descent with Affine -> act -> Affine -> Softmax-with-Loss, in NumPy.

    Returns the loss before each step and the accuracy on the points after the last."""
    X, t = np.array(shipped["datasets"][data]["X"]), np.array(shipped["datasets"][data]["t"])
    w = {k: np.array(v, dtype=np.float64) for k, v in shipped["weights"][str(hidden)].items()}
    f, df = {"tanh": (np.tanh, lambda a, z: 1 - z ** 2),
             "relu": (lambda a: np.maximum(a, 0), lambda a, z: (a > 0).astype(float)),
             "sigmoid": (lambda a: 1 / (1 + np.exp(-a)), lambda a, z: z * (1 - z))}[act]
    n = len(X)
    losses = []
    for _ in range(steps):
        a = X @ w["W1"] + w["b1"]
        z = f(a)
        s = z @ w["W2"] + w["b2"]
        e = np.exp(s - s.max(axis=1, keepdims=True))
        y = e / e.sum(axis=1, keepdims=True)
        losses.append(float(-np.sum(np.log(np.maximum(y[np.arange(n), t], LOG_FLOOR))) / n))
        dout = (y - np.eye(2)[t]) / n
        da = (dout @ w["W2"].T) * df(a, z)
        grads = {"W2": z.T @ dout, "b2": dout.sum(axis=0), "W1": X.T @ da, "b1": da.sum(axis=0)}
        w = {k: w[k] - lr * grads[k] for k in w}
    scores = f(X @ w["W1"] + w["b1"]) @ w["W2"] + w["b2"]
    # The page calls a point class 1 when its probability is above 1/2.
    accuracy = float(np.mean((scores[:, 1] > scores[:, 0]) == (t == 1)))
    return losses, accuracy


def numpy_losses(shipped: dict, data: str, hidden: int, act: str, lr: float, steps: int) -> list[float]:
    return numpy_training(shipped, data, hidden, act, lr, steps)[0]


def test_the_log_floor_is_the_books():
    from backprop.nn.functions import LOG_FLOOR as books
    assert books == LOG_FLOOR == np.finfo(np.float64).tiny


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_the_defaults_learn_the_spiral_within_the_budget(seed):
    """Not a lucky draw: the page's defaults learn the spiral from other points and weights too."""
    assert DEFAULTS == OPENS_WITH and STEP_BUDGET == 2000
    losses, accuracy = numpy_training(playground_data(seed), **OPENS_WITH, steps=STEP_BUDGET)
    # Seed 0 (the book's) reaches 99%; across seeds the least is about 92%.
    assert accuracy >= 0.9 and losses[-1] < 0.25, (seed, accuracy, losses[-1])


def page_url(book: Path, base: str) -> str:
    pages = [p for p in book.rglob("ch5_*.html") if "_sources" not in p.parts]
    assert pages, f"no chapter 5 page in {book}"
    return f"{base}/{pages[0].relative_to(book).as_posix()}"


def open_playground(driver, url: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("performance")
    driver.get_log("browser")
    driver.get(url)
    WebDriverWait(driver, 45).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".bp-playground .pg-status"))
    return driver.find_element(By.CSS_SELECTOR, ".bp-playground")


def page_losses(driver, steps: int) -> list[float]:
    """Press Step ``steps`` times (real clicks) and return the losses the page recorded."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    for i in range(steps):
        driver.find_element(By.CSS_SELECTOR, ".bp-playground button.pg-step").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_element(
            By.CSS_SELECTOR, ".bp-playground").get_attribute("data-steps") == str(i + 1))
    return driver.execute_script("return document.querySelector('.bp-playground').bpLosses")


@pytest.mark.browser
def test_playground_learns_as_numpy_does_and_keeps_its_settings_in_the_url(book_html, site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    data = playground_data(0)
    url = page_url(book_html, site)
    root = open_playground(browser, url)
    shots = _bw.artifacts_dir()

    # The default settings: spiral, 16 hidden units, ReLU, learning rate 1.
    got = page_losses(browser, N_STEPS)
    want = numpy_losses(data, **OPENS_WITH, steps=N_STEPS)
    assert got == pytest.approx(want, rel=1e-9), f"page {got[:3]}..., numpy {want[:3]}..."
    assert want[-1] < want[0]

    # Run trains to the end of the budget and stops there, where the page has NumPy's
    # loss and accuracy; the chart spans the budget on a log scale, ln 2 marked.
    browser.find_element(By.CSS_SELECTOR, "button.pg-run").click()
    WebDriverWait(browser, 120).until(lambda d: d.find_element(
        By.CSS_SELECTOR, ".bp-playground").get_attribute("data-steps") == str(STEP_BUDGET)
        and d.find_element(By.CSS_SELECTOR, "button.pg-run").text == "▶ Run")
    assert root.get_attribute("data-steps") == str(STEP_BUDGET), "Run went past its budget"
    losses, accuracy = numpy_training(data, **OPENS_WITH, steps=STEP_BUDGET)
    got = browser.execute_script("return document.querySelector('.bp-playground').bpLosses")
    assert len(got) == STEP_BUDGET and got[-1] == pytest.approx(losses[-1], rel=1e-6), (got[-1], losses[-1])
    status = browser.find_element(By.CSS_SELECTOR, ".pg-status").text
    assert status == f"step {STEP_BUDGET}, loss {got[-1]:.4f}, accuracy {100 * accuracy:.0f}%", status
    chart = browser.find_element(By.CSS_SELECTOR, ".pg-loss svg")
    labels = [e.text for e in chart.find_elements(By.TAG_NAME, "text")]
    assert f"{STEP_BUDGET} steps" in labels and "loss (log scale)" in labels, labels
    decades = [float(v) for v in labels if v.replace(".", "", 1).isdigit()]
    assert {1.0, 0.1} <= set(decades), labels
    smallest = min(float(e.value_of_css_property("font-size")[:-2]) for e in chart.find_elements(By.TAG_NAME, "text"))
    assert smallest >= 9, smallest
    root.screenshot(str(shots / "playground-spiral.png"))
    browser.find_element(By.CSS_SELECTOR, "button.pg-reset").click()

    # Other settings: the URL records them, and training follows them.
    for cls, value in (("pg-data", "xor"), ("pg-hidden", "4"), ("pg-act", "relu"), ("pg-lr", "1")):
        Select(browser.find_element(By.CSS_SELECTOR, f"select.{cls}")).select_by_value(value)
    query = parse_qs(urlparse(browser.current_url).query)
    assert query == {"pg-data": ["xor"], "pg-hidden": ["4"], "pg-act": ["relu"], "pg-lr": ["1"]}, query
    got = page_losses(browser, N_STEPS)
    want = numpy_losses(data, "xor", 4, "relu", 1.0, N_STEPS)
    assert got == pytest.approx(want, rel=1e-9)

    # Run trains by itself (until paused); the status says how far it got.
    browser.find_element(By.CSS_SELECTOR, "button.pg-run").click()
    WebDriverWait(browser, 60).until(lambda d: int(d.find_element(
        By.CSS_SELECTOR, ".bp-playground").get_attribute("data-steps")) >= N_STEPS + 40)
    browser.find_element(By.CSS_SELECTOR, "button.pg-run").click()
    root = browser.find_element(By.CSS_SELECTOR, ".bp-playground")
    root.screenshot(str(shots / "playground-xor.png"))
    status = browser.find_element(By.CSS_SELECTOR, ".pg-status").text
    assert status.startswith(f"step {root.get_attribute('data-steps')}, loss "), status

    # A shared link opens with its settings.
    shared = browser.current_url
    _bw.assert_clean(browser, url)
    open_playground(browser, shared)
    for cls, value in (("pg-data", "xor"), ("pg-hidden", "4"), ("pg-act", "relu"), ("pg-lr", "1")):
        chosen = Select(browser.find_element(By.CSS_SELECTOR, f"select.{cls}")).first_selected_option
        assert chosen.get_attribute("value") == value, (cls, chosen.get_attribute("value"))
    got = page_losses(browser, 3)
    assert got == pytest.approx(numpy_losses(data, "xor", 4, "relu", 1.0, 3), rel=1e-9)
    _bw.assert_clean(browser, shared)
