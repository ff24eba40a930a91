"""Tools the book's build needs and students do not: installed by the root project only.

    vendor        fetches the offline book's front-end files at pinned versions
                  (``python -m booktools.vendor book/_vendor``), with ``widget_boot.js``,
                  the script every page loads before the widget manager
    sphinx_fixes  a Sphinx extension the build loads (``_config.yml``)
    graph_figures the course's graph figures as numbered figures (a MyST-NB output
                  renderer, registered in the root pyproject.toml)

The student package (``backprop/``) holds none of this, so ``pip install ./backprop``
installs only what a student runs.
"""
