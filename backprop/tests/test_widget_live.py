"""The widget with Python behind it: editing an input recomputes the animation.

First in-process (changing the ``inputs`` trait, as the front-end's number
boxes do), then through a real IPython kernel, sending the same comm message a
browser front-end sends when a number box changes, and reading the kernel's
answer. Expected numbers are worked out here by hand from the apple example
(price = apple x apple_num x tax).
"""

from __future__ import annotations

import json
import queue
import time

import pytest

from backprop.widgets.gradient_flow import GradientFlow, flow


def grads_of(w: GradientFlow) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in w.steps:
        out.update(zip(s.edges, s.grads))
    return out


def test_editing_an_input_recomputes_the_frames():
    w = flow("apple")
    before = list(w.frames)
    w.step = 5
    w.inputs = [dict(s, value=150) if s["id"] == "apple" else s for s in w.inputs]
    assert w.error == ""
    assert w.revision == 1
    assert w.graph.values["price"] == pytest.approx(150 * 2 * 1.1)
    assert "330" in w.frames[3]["svg"] and "330" not in before[3]["svg"]
    g = grads_of(w)
    assert g["apple->apple_price:0"] == pytest.approx(2 * 1.1)
    assert g["apple_num->apple_price:1"] == pytest.approx(150 * 1.1)
    assert g["tax->price:1"] == pytest.approx(150 * 2)
    assert w.step == 5, "the reader's place in the replay is kept"
    # the same edit again changes nothing and sends nothing
    w.set_inputs(apple=150)
    assert w.revision == 1


def test_an_input_the_graph_cannot_take_shows_a_message_and_keeps_the_graph():
    w = flow("sigmoid")
    frames = list(w.frames)
    w.set_inputs(x=-1000.0)          # exp(1000) overflows
    assert "Cannot show the graph for these inputs" in w.error and "inf" in w.error
    assert w.frames == frames and w.revision == 1
    w.inputs = [dict(w.inputs[0], value="ten")]   # what a broken front-end might send
    assert "real number" in w.error and w.revision == 2
    w.set_inputs(x=0.0)
    assert w.error == "" and w.revision == 3
    y = [s for s in w.steps if s.kind == "forward"][-1].values[0]
    assert y == pytest.approx(0.5)
    with pytest.raises(Exception, match="no input named"):
        w.set_inputs(z=1.0)


def test_a_kernel_recomputes_when_the_front_end_edits_an_input():
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=60)
    try:
        kc.execute("from backprop.widgets.gradient_flow import flow\nw = flow('apple')\ndisplay(w)")
        comm_id = None
        deadline = time.monotonic() + 60
        while comm_id is None and time.monotonic() < deadline:
            msg = kc.get_iopub_msg(timeout=30)
            content = msg["content"]
            if msg["msg_type"] == "comm_open" and "frames" in content["data"].get("state", {}):
                comm_id = content["comm_id"]
                inputs = content["data"]["state"]["inputs"]
            if msg["msg_type"] == "error":
                pytest.fail("\n".join(content["traceback"]))
        assert comm_id, "the kernel opened no comm for the widget"

        # What the front-end sends when the reader types 150 into the apple box.
        edited = [dict(s, value=150) if s["id"] == "apple" else s for s in inputs]
        kc.shell_channel.send(kc.session.msg("comm_msg", {
            "comm_id": comm_id,
            "data": {"method": "update", "state": {"inputs": edited}, "buffer_paths": []}}))
        answer = None
        deadline = time.monotonic() + 30
        while answer is None and time.monotonic() < deadline:
            try:
                msg = kc.get_iopub_msg(timeout=5)
            except queue.Empty:
                continue
            data = msg["content"].get("data", {})
            if msg["msg_type"] == "comm_msg" and msg["content"].get("comm_id") == comm_id \
                    and "frames" in data.get("state", {}):
                answer = data["state"]
        assert answer is not None, "the kernel sent no new frames after the edit"
        assert answer["revision"] == 1 and answer.get("error", "") == ""   # only changed traits are sent
        assert "330" in answer["frames"][3]["svg"]

        reply = kc.execute_interactive(
            "import json; print(json.dumps([w.graph.values['price'], w.revision]))",
            timeout=30, output_hook=_collect)
        assert reply["content"]["status"] == "ok"
        price, revision = json.loads(_collect.lines[-1])
        assert price == pytest.approx(330.0) and revision == 1
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _collect(msg):
    if msg["msg_type"] == "stream":
        _collect.lines.extend(msg["content"]["text"].splitlines())


_collect.lines = []
