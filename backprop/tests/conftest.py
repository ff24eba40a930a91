"""Fixtures shared by the loader's tests."""

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """shared/data beside the checkout (also in CI's fresh clone), or MNIST_DIR's parent.

    Missing, it fails under CI (the data is part of CI's set-up) and skips elsewhere.
    """
    candidates = [Path(__file__).resolve().parents[2].parent / "shared" / "data"]
    if os.environ.get("MNIST_DIR"):
        candidates.append(Path(os.environ["MNIST_DIR"]).resolve().parent)
    for c in candidates:
        if (c / "mnist-official").is_dir() and (c / "mnist-t10k-split").is_dir():
            return c
    msg = f"the shared MNIST data is not in any of {[str(c) for c in candidates]}"
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No MNIST_DIR, an empty cache in tmp_path, downloads switched off."""
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("BACKPROP_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("BACKPROP_MNIST_MIRRORS", "")
    return tmp_path
