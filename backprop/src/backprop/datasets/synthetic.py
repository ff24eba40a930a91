"""Small synthetic data sets, made from a seed: no download, the same points everywhere.

``spiral`` is what problem set 4 trains on and what its hidden check trains and tests on
(with other seeds).
"""

from __future__ import annotations

import numpy as np


def spiral(n_per_class, seed, noise=0.2):
    """Three interleaved spiral arms in 2-D: x (3n, 2), labels (3n,). Not linearly separable."""
    r = np.random.default_rng(seed)
    xs, ts = [], []
    for c in range(3):
        radius = np.linspace(0.1, 1.0, n_per_class)
        angle = np.linspace(4 * c, 4 * (c + 1), n_per_class) + r.standard_normal(n_per_class) * noise
        xs.append(np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]))
        ts.append(np.full(n_per_class, c))
    return np.concatenate(xs), np.concatenate(ts)
