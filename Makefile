# The two set-up commands are `make book` and `make test`; everything else here
# is what they are made of, plus the instructor's verbs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# Debian packages the browser, database and sandbox tests need (fontconfig: fc-list
# builds the Korean edition's browser test a machine without Korean fonts).
SYSTEM_PACKAGES := chromium chromium-driver postgresql bubblewrap fontconfig
# MNIST: machines of this project cannot download it, so where the course's
# offline split sits beside the checkout and no MNIST_DIR is given, use it;
# elsewhere the loader downloads the official files into its cache.
OFFLINE_MNIST := $(abspath ../shared/data/mnist-t10k-split)
ifeq ($(origin MNIST_DIR),undefined)
ifneq ($(wildcard $(OFFLINE_MNIST)/t10k-labels-idx1-ubyte.gz),)
export MNIST_DIR := $(OFFLINE_MNIST)
endif
endif

.PHONY: book test venv system-deps vendor clean translations

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml backprop/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed; set PYTHON=python3.x")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e ./backprop -e .
	touch $@

# Front-end files the offline book needs (MathJax, run at build time, and its fonts;
# the Korean web font),
# fetched from their registries at pinned versions; see booktools/vendor.py.
vendor: $(STAMP)
	$(PY) -m booktools.vendor book/_vendor

# Both editions: English into _build/html, Korean into _build/html/ko; each is
# `jupyter-book build . --warningiserror --keep-going` with its own language, and
# each one's build time is printed (booktools/build.py).
book: $(STAMP) vendor
	$(PY) -m booktools.build

# The Korean edition's catalogues: merge the English pages' current messages into
# locales/ko/LC_MESSAGES/<page>.po (new ones untranslated, changed ones fuzzy), then
# report what is left to translate. Reuses the English build's doctrees when current.
translations: $(STAMP) vendor
	$(PY) -m booktools.catalogues update
	-$(PY) -m booktools.catalogues check

# `env` sets the variable: with SUDO empty (root), a bare `VAR=value cmd` after
# `$$SUDO` would be run as a command of that name.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  ($$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) \
	    || { echo "Could not install$$missing; install them with apt-get and run make test again."; exit 1; }; \
	fi

test: $(STAMP) system-deps vendor
	$(PY) -m pytest

clean:
	rm -rf _build .pytest_cache

# ---- the instructor's verbs (thin wrappers over `python -m autograder`) ----
.PHONY: release collect grade feedback report
need-assignment = $(if $(A),,$(error name the assignment: make $@ A=ps2_layers))

release: $(STAMP)
	$(PY) -m autograder release $(A)

# Paths are quoted: Canvas names its download "<course>-<assignment> submissions.zip". Options the
# variables do not cover go in OPTS, e.g. OPTS='--submitted-at lee.j="2026-09-29 00:10"'.
collect: $(STAMP)
	$(need-assignment)
	$(if $(SRC),,$(error name the submissions: make collect A=$(A) SRC=path/to/folder-or.zip))
	$(PY) -m autograder collect $(A) "$(SRC)" $(if $(ROSTER),--roster "$(ROSTER)") \
	  $(if $(WORKSHEET),--worksheet "$(WORKSHEET)") $(if $(MAP),--map "$(MAP)") $(OPTS)

grade feedback: $(STAMP)
	$(need-assignment)
	$(PY) -m autograder $@ $(A)

report: $(STAMP)
	$(need-assignment)
	$(PY) -m autograder report $(A) $(if $(ROSTER),--roster "$(ROSTER)")
