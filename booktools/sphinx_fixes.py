"""A Sphinx extension for the book build: each inline script once per page.

Sphinx 7.4 (the version jupyter-book 1 allows) adds every inline script that
an extension registers after the builder started (``app.add_js_file(None,
body=...)``) twice: once as filename ``None`` and once as ``''``, which it does
not recognise as the same file (fixed upstream in Sphinx 8.2, pull request
13402). sphinx-thebe's ``const THEBE_JS_URL = ...`` then runs twice and every
page of the book logs "Identifier 'THEBE_JS_URL' has already been declared".
The book must load with no console error (the browser test checks it), so this
drops the second copy of any script before the page is written.

Enabled in _config.yml with ``sphinx: extra_extensions: [booktools.sphinx_fixes]``.
"""

from __future__ import annotations


def _key(script) -> tuple:
    attributes = tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items()))
    return (getattr(script, "filename", script) or "", attributes)


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, unique = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique   # the builder's own list, restored before each page


def setup(app):
    # After every extension's page handler (they may add scripts for this page).
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
