"""Browser tests of editing in the built, offline book: the widget's browser engine recomputes.

A reader changes an input, types an expression, asks for a numerical check or
uses the keyboard, in the static page (no kernel); every drawing is compared
with what Python (backprop.figures.svg.to_svg, backprop.graph.replay) draws for the same
graph and step, and Python's own error message is expected for an input the
graph cannot take. Browser, server and "no console error, no other host"
checks as in tests/test_browser_widget.py (its fixtures and helpers).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("_browser_widget", Path(__file__).with_name("test_browser_widget.py"))
_bw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bw)
book_html, site, browser = _bw.book_html, _bw.site, _bw.browser   # the same fixtures



def type_into(widget: _bw.Widget, css: str, text: str) -> None:
    """Replace the content of the box ``css`` with ``text``, as a reader types it."""
    from selenium.webdriver.common.keys import Keys
    box = widget.find(css)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    widget.find(css).send_keys(text)


def go_to_step(widget: _bw.Widget, k: int) -> None:
    _bw.settled(widget.driver, lambda d: d.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))",
        widget.find("input.bp-slider"), k))
    assert widget.stage()["step"] == k


def assert_draws(widget: _bw.Widget, graph, k: int) -> None:
    """The widget shows step ``k`` of ``graph`` with Python's numbers, caption and description."""
    from backprop.figures.svg import to_svg
    from backprop.graph.replay import state_after
    go_to_step(widget, k)
    svg = to_svg(graph, k)
    assert widget.texts() == _bw.svg_texts(svg), f"step {k}: drawn {widget.texts()}, Python {_bw.svg_texts(svg)}"
    now = widget.stage()
    assert now["caption"] == state_after(graph, k).caption
    assert now["desc"] in svg


@pytest.mark.browser
def test_editing_an_input_recomputes_in_the_static_page(book_html, site, browser):
    from backprop.graph.book import apple_orange_graph
    url, widget = _bw.widget_on_page(book_html, site, browser, _bw.SHOPPING)
    assert widget.find('input[data-input="apple"]').is_enabled()
    type_into(widget, 'input[data-input="apple"]', "150")
    type_into(widget, 'input[data-input="tax"]', "1.08")
    graph = apple_orange_graph(apple=150, tax=1.08)
    n = len(graph.steps())
    go_to_step(widget, n)
    # (150·2 + 150·3)·1.08, the textbook's purchase with apples at 150 and a tax of 8 %
    _bw.wait_until(browser, lambda d: "810" in widget.texts(),
               "the price for apples at 150 with tax 1.08 (810) never showed")
    for k in (0, 2, n // 2, n - 1, n):
        assert_draws(widget, graph, k)
    widget.screenshot(_bw.artifacts_dir() / "widget-apple-edited.png")
    _bw.assert_clean(browser, url)


@pytest.mark.browser
def test_an_input_the_graph_cannot_take_gets_a_message_in_the_page(book_html, site, browser):
    url, widget = _bw.widget_on_page(book_html, site, browser, "The sigmoid as a computational graph")
    type_into(widget, 'input[data-input="x"]', "-1000")
    message = _bw.wait_until(browser, lambda d: _bw.settled(d, lambda d2: widget.find(".bp-flow-graph").text),
                         "no message for x = -1000")
    # Python's own words for the same graph and input.
    from backprop.graph import GraphError
    from backprop.graph.book import sigmoid_graph
    with pytest.raises(GraphError) as python:
        sigmoid_graph(x=-1000.0)
    assert message == f"No graph for these inputs: {python.value}", message
    assert not widget.enabled("bp-play")
    type_into(widget, 'input[data-input="x"]', "2")
    _bw.wait_until(browser, lambda d: widget.stage()["kind"] != "error", "the graph did not come back for x = 2")
    assert_draws(widget, sigmoid_graph(x=2.0), len(sigmoid_graph().steps()))
    _bw.assert_clean(browser, url)


OWN = "exp(x * y) + 1 / z"


@pytest.mark.browser
def test_your_own_expression_in_the_static_page(book_html, site, browser):
    from backprop.graph.expression import expression_graph
    url, widget = _bw.widget_on_page(book_html, site, browser, OWN)
    assert widget.find("input.bp-expression-text").get_attribute("value") == OWN

    # A new text with a name used twice (a fork) and names it did not have.
    text = "tanh(a * b) + a / (1 + relu(b))"
    type_into(widget, "input.bp-expression-text", text)
    names = lambda: _bw.settled(browser, lambda d: [e.get_attribute("data-input") for e in widget.element(d)
                                                .find_elements("css selector", ".bp-flow-inputs input")])
    _bw.wait_until(browser, lambda d: names() == ["a", "b"], "no number boxes for a and b")
    type_into(widget, 'input[data-input="a"]', "0.5")
    type_into(widget, 'input[data-input="b"]', "-2")
    graph = expression_graph(text, a=0.5, b=-2.0)
    n = len(graph.steps())
    _bw.wait_until(browser, lambda d: widget.find("svg").get_attribute("aria-label") == text,
               f"the widget never drew a graph called {text!r}")
    for k in range(n + 1):
        assert_draws(widget, graph, k)
    widget.screenshot(_bw.artifacts_dir() / "widget-own-expression.png")

    # Check numerically: the central difference beside each input's gradient.
    widget.click("bp-check")
    rows = _bw.wait_until(browser, lambda d: _bw.settled(d, lambda d2: [
        (e.get_attribute("data-input"), float(e.get_attribute("data-gradient")),
         float(e.get_attribute("data-estimate")), e.text)
        for e in widget.element(d2).find_elements("css selector", ".bp-flow-checks li")]),
        "check numerically showed nothing")
    grads = graph.backward()
    from backprop.nn.gradcheck import H
    for name, gradient, estimate, words in rows:
        f = lambda v: expression_graph(text, **{"a": 0.5, "b": -2.0, name: v}).values[graph.output]
        x0 = {"a": 0.5, "b": -2.0}[name]
        assert gradient == pytest.approx(grads[name], rel=1e-12)
        assert estimate == pytest.approx((f(x0 + H) - f(x0 - H)) / (2 * H), rel=1e-9)
        assert estimate == pytest.approx(grads[name], rel=1e-6)
        assert words.startswith(f"∂f/∂{name}: backward pass "), words
    assert [r[0] for r in rows] == ["a", "b"]

    # Bad input: a clear message in the widget, then a good text brings the graph back.
    for bad, words in (("(a + b", "'(' was never closed"), ("sin(a)", "the functions are exp(x), log(x)"),
                       ("a / 0", "divides by 0"), ("1 / (a - a)", "1/x of 0 is undefined"),
                       ("exp(exp(exp(a * 9)))", "produced inf"), ("a ** 3", "only the powers **2 and **-1")):
        type_into(widget, "input.bp-expression-text", bad)
        message = _bw.wait_until(browser, lambda d: (lambda t: words in t and t)(
            _bw.settled(d, lambda d2: widget.find(".bp-flow-graph").text)),
            f"typing {bad!r} gave no message with {words!r}")
        assert message.startswith("No graph for this expression: "), message
        assert "alert" == widget.find(".bp-flow-error").get_attribute("role")
    type_into(widget, "input.bp-expression-text", "a * b")
    _bw.wait_until(browser, lambda d: widget.find("svg").get_attribute("aria-label") == "a * b",
               "the graph did not come back after a good text")
    assert_draws(widget, expression_graph("a * b", a=0.5, b=-2.0), 0)
    _bw.assert_clean(browser, url)


@pytest.mark.browser
def test_keyboard_steps_plays_and_resets(book_html, site, browser):
    from selenium.webdriver.common.keys import Keys
    url, widget = _bw.widget_on_page(book_html, site, browser, _bw.SHOPPING)
    _bw.settled(browser, lambda d: d.execute_script("arguments[0].focus()", widget.element(d)))
    keys = lambda *k: _bw.settled(browser, lambda d: widget.element(d).send_keys(*k))
    keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert widget.stage()["step"] == 3
    keys(Keys.ARROW_LEFT)
    assert widget.stage()["step"] == 2
    keys(Keys.HOME)
    assert widget.stage()["step"] == 0
    browser.execute_script(_bw.TIMER_SPY)
    keys(Keys.SPACE)
    _bw.wait_until(browser, lambda d: widget.stage()["step"] >= 2, "space did not start playing")
    keys(Keys.SPACE)
    assert browser.execute_script("return window.bpRunning.size") == 0, "space did not pause"
    # Typing a number is not stepping: keys in an input box stay there.
    at = widget.stage()["step"]
    widget.find('input[data-input="apple"]').send_keys(Keys.ARROW_RIGHT)
    assert widget.stage()["step"] == at
    _bw.assert_clean(browser, url)
