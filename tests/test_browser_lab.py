"""The widget in a live JupyterLab: typing a new input recomputes the graph in Python.

Starts JupyterLab on 127.0.0.1 with a one-cell notebook, runs the cell in
headless Chromium, types 150 into the widget's apple box and waits for the
recomputed output (150 x 2 x 1.1 = 330) to be drawn. This is the front-end
half of the edit path that backprop/tests/test_widget_live.py drives from the
kernel side. Same browser set-up as tests/test_browser_widget.py.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("_browser_widget", Path(__file__).with_name("test_browser_widget.py"))
_bw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bw)

NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": None, "id": "flow", "metadata": {}, "outputs": [],
               "source": ["from backprop.widgets.gradient_flow import flow\n", "flow(\"apple\")"]}],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if importlib.util.find_spec("jupyterlab") is None:
        _bw.missing("jupyterlab is not installed")
    root = tmp_path_factory.mktemp("lab")
    (root / "live.ipynb").write_text(json.dumps(NOTEBOOK))
    port = _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".config"), JUPYTER_RUNTIME_DIR=str(root / ".runtime"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.root_dir={root}", "--IdentityProvider.token=", "--ServerApp.password=",
         "--allow-root",   # CI runs as root
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("JupyterLab exited:\n" + proc.stdout.read()[-3000:])
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail("JupyterLab did not start within 90 s")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.browser
def test_typing_an_input_recomputes_in_the_kernel(lab):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver = _bw.make_driver()
    try:
        driver.get(f"{lab}/lab/tree/live.ipynb")
        # Generous limits: each wait ends as soon as its condition holds, so they only cost time on a
        # machine that is really slow (a loaded 2-core CI box starts a kernel in tens of seconds).
        wait = WebDriverWait(driver, 300)
        # JupyterLab re-renders the notebook while it loads: find elements again inside every wait.
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell .cm-content"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle']")
                   or d.find_elements(By.XPATH, "//*[contains(@title, 'Kernel status: Idle')]"))

        def run_cell(d):
            """Run the cell until its widget is drawn; a key press lost in a re-render is sent again."""
            if d.find_elements(By.CSS_SELECTOR, ".bp-flow .bp-flow-graph svg"):
                return True
            if not d.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"):
                editors = d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell .cm-content")
                prompt = d.find_elements(By.CSS_SELECTOR, ".jp-InputArea-prompt")
                if editors and not (prompt and "*" in prompt[0].text):
                    try:
                        editors[0].click()
                        editors[0].send_keys(Keys.SHIFT, Keys.ENTER)
                    except StaleElementReferenceException:
                        pass
            return False

        WebDriverWait(driver, 300, poll_frequency=2).until(run_cell)
        state = driver.execute_script(
            "const box = document.querySelector(\".bp-flow input[data-input='apple']\");"
            "return box && !box.disabled;")
        assert state, "the input boxes are missing or disabled in a live notebook"
        # Show the last frame, then edit: the recomputed frame keeps the reader's place. One script
        # each, looking the elements up afresh, since the widget redraws itself when frames arrive.
        driver.execute_script(
            "const s = document.querySelector('.bp-flow input.bp-slider');"
            "s.value = s.max; s.dispatchEvent(new Event('input'))")
        driver.execute_script(
            "const box = document.querySelector(\".bp-flow input[data-input='apple']\");"
            "box.value = '150'; box.dispatchEvent(new Event('change'))")
        # Read the texts in one script: the SVG is replaced whole when new frames arrive.
        read = ("return Array.from(document.querySelectorAll('.bp-flow .bp-flow-graph svg text'))"
                ".map(t => [t.textContent, t.getAttribute('fill')])")
        wait.until(lambda d: "330" in [t for t, _ in d.execute_script(read)])
        red = [t for t, fill in driver.execute_script(read) if fill == _bw.RED]
        for want in ("2.2", "165", "300"):     # d/d apple, d/d apple_num = 150 x 1.1, d/d tax = 300
            assert want in red, f"gradient {want} missing after the edit; red texts: {red}"
        note = driver.execute_script("return document.querySelector('.bp-flow .bp-flow-note').textContent")
        assert "No Python kernel" not in note, note
        driver.save_screenshot(str(_bw.artifacts_dir() / "widget-lab-after-edit.png"))
        outside = _bw.external(_bw.requested_urls(driver))
        assert not outside, f"JupyterLab asked other hosts for: {outside}"
        errors = _bw.console_errors(driver)
        if errors:   # JupyterLab's own noise is reported, not judged; the book's pages are
            print("\nJupyterLab console errors:", *errors, sep="\n  ")
    finally:
        driver.quit()
