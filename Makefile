# `make run` and `make test` are the whole set-up on a fresh machine: each creates .venv and
# installs what it needs (Python packages from constraints.txt, the npm Yjs peers for tests).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := tests/js/node_modules/.installed
BENCH_NODE_STAMP := bench/js/node_modules/.installed
# Qt's compiled catalogues, built from the .ts sources kept in git.
QM := $(patsubst %.ts,%.qm,$(wildcard desktop/i18n/*.ts))

.PHONY: run test bench lint clean system-deps-run system-deps-test i18n screenshots

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --silent --no-audit --no-fund
	touch $(NODE_STAMP)

$(BENCH_NODE_STAMP): bench/js/package.json bench/js/package-lock.json
	cd bench/js && npm ci --silent --no-audit --no-fund
	touch $(BENCH_NODE_STAMP)

system-deps-run:
	./scripts/system-deps.sh run

system-deps-test:
	./scripts/system-deps.sh test

%.qm: %.ts $(STAMP)
	$(VENV)/bin/pyside6-lrelease -silent $< -qm $@

# Refresh the .ts catalogues from the source strings (then translate the new entries).
i18n: $(STAMP)
	$(VENV)/bin/pyside6-lupdate -no-obsolete -locations none $$(git ls-files 'desktop/*.py' 'editors/*.py') \
		-ts desktop/i18n/parvis_en.ts

run: system-deps-run $(STAMP) $(QM)
	$(VENV)/bin/parvis

screenshots: system-deps-run $(STAMP) $(QM)
	QT_QPA_PLATFORM=offscreen $(PY) -m desktop.screenshots screenshots

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

test: system-deps-test $(STAMP) $(QM) $(NODE_STAMP) lint
	$(PY) -m pytest

bench: system-deps-run $(STAMP) $(QM) $(BENCH_NODE_STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) tests/js/node_modules bench/js/node_modules bench/js/.run
