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
               "source": ["from backprop.widget import flow\n", "flow(\"apple\")"]}],
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
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver = _bw.make_driver()
    try:
        driver.get(f"{lab}/lab/tree/live.ipynb")
        wait = WebDriverWait(driver, 120)
        editor = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell .cm-content"))[0]
        # Wait for the kernel before running the cell.
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle']")
                   or d.find_elements(By.XPATH, "//*[contains(@title, 'Kernel status: Idle')]"))
        editor.click()
        editor.send_keys(Keys.SHIFT, Keys.ENTER)
        widget = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".bp-flow .bp-flow-graph svg")) and \
            driver.find_element(By.CSS_SELECTOR, ".bp-flow")
        box = widget.find_element(By.CSS_SELECTOR, "input[data-input='apple']")
        assert box.is_enabled(), "the input boxes are disabled in a live notebook"
        # Show the last frame, then edit: the recomputed frame keeps the reader's place.
        slider = widget.find_element(By.CSS_SELECTOR, "input.bp-slider")
        driver.execute_script(
            "arguments[0].value = arguments[0].max; arguments[0].dispatchEvent(new Event('input'))", slider)
        driver.execute_script("arguments[0].value = '150'; arguments[0].dispatchEvent(new Event('change'))", box)
        # Read the texts in one script: the SVG is replaced whole when new frames arrive.
        read = ("return Array.from(document.querySelectorAll('.bp-flow .bp-flow-graph svg text'))"
                ".map(t => [t.textContent, t.getAttribute('fill')])")
        WebDriverWait(driver, 60).until(lambda d: "330" in [t for t, _ in d.execute_script(read)])
        red = [t for t, fill in driver.execute_script(read) if fill == _bw.RED]
        for want in ("2.2", "165", "300"):     # d/d apple, d/d apple_num = 150 x 1.1, d/d tax = 300
            assert want in red, f"gradient {want} missing after the edit; red texts: {red}"
        note = widget.find_element(By.CSS_SELECTOR, ".bp-flow-note").text
        assert "No Python kernel" not in note, note
        driver.save_screenshot(str(_bw.artifacts_dir() / "widget-lab-after-edit.png"))
        outside = _bw.external(_bw.requested_urls(driver))
        assert not outside, f"JupyterLab asked other hosts for: {outside}"
        errors = _bw.console_errors(driver)
        if errors:   # JupyterLab's own noise is reported, not judged; the book's pages are
            print("\nJupyterLab console errors:", *errors, sep="\n  ")
    finally:
        driver.quit()
