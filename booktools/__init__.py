"""Tools the book's build needs and students never install.

The student package (``backprop``) holds what a page runs; this package holds what
builds the pages: the two editions (``editions``, ``build``), the Korean translation
catalogues (``catalogues``), glued numbers in translated text (``glue_i18n``), Korean
search (``search_ko``), the Korean web font (``korean_font``) and the glossary
(``glossary``). The root ``pyproject.toml`` installs it; ``backprop/`` does not.
"""
