"""Tools the book's build needs and students do not: installed by the root project only.

    vendor        fetches the offline book's front-end files at pinned versions
                  (``python -m booktools.vendor book/_vendor``): MathJax and the
                  Korean web font
    build         builds both editions (``python -m booktools.build``, what ``make book`` runs)
    catalogues    the Korean edition's gettext catalogues (``python -m booktools.catalogues``)

Sphinx extensions the build loads (``_config.yml``):

    sphinx_fixes  each inline script once per page
    editions      the build's language for executed pages, the language switch
    glue_i18n     glued values in translated text; the same numbers in both editions
    search_ko     a Korean search language
    korean_font   the Korean web font on every page
    glossary      the glossary page's table (and the checks of translated terms)
    addresses     repository and launch buttons only for a real address
    page_assets   what every page loads (no FontAwesome script), scroll cues
    widget_host   the widgets drawn by static/widget-host.js, not Jupyter's manager
    static_math   formulas typeset when the book builds (MathJax under node)
    plot_style    plots as SVG in one style, with the width that keeps text readable
    glue_cells    code cells shown without their glue(...) bookkeeping

and a MyST-NB output renderer (registered in the root pyproject.toml):

    graph_figures the course's graph figures as numbered figures, like the plots

The student package (``backprop/``) holds none of this, so ``pip install ./backprop``
installs only what a student runs. The Korean edition's workflow: docs/translating.md.
"""
