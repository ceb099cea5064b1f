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

.PHONY: run test bench lint clean system-deps-run system-deps-test system-deps-bench i18n screenshots \
	msi msi-smoke msi-lock system-deps-msi system-deps-msi-smoke

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev,server]'
	touch $(STAMP)

$(NODE_STAMP): tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --silent --no-audit --no-fund
	touch $(NODE_STAMP)

$(BENCH_NODE_STAMP): bench/js/package.json bench/js/package-lock.json
	cd bench/js && npm ci --silent --no-audit --no-fund
	touch $(BENCH_NODE_STAMP)

system-deps-run:
	./scripts/system-deps.sh run

system-deps-bench:
	./scripts/system-deps.sh bench

system-deps-test:
	./scripts/system-deps.sh test

system-deps-msi:
	./scripts/system-deps.sh msi

system-deps-msi-smoke:
	./scripts/system-deps.sh msi-smoke

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

bench: system-deps-bench $(STAMP) $(QM) $(BENCH_NODE_STAMP)
	$(PY) -m bench

# The Windows installer dist/Parvis-<version>-x64.msi, built here with wixl (packaging/README.md).
# Signed when given a certificate: make msi SIGN_CERT=cert.pem SIGN_KEY=key.pem (or SIGN_CERT=cert.pfx);
# with preset properties, for GPO: make msi MSI_PROPERTIES="SERVER_URL=https://parvis.mairie.fr NO_DESKTOP_SHORTCUT=1"
msi: system-deps-msi $(STAMP) $(QM)
	$(PY) packaging/build_msi.py $(if $(SIGN_CERT),--sign-cert '$(SIGN_CERT)') $(if $(SIGN_KEY),--sign-key '$(SIGN_KEY)') \
		$(foreach p,$(MSI_PROPERTIES),--property '$(p)')

# Install, upgrade, downgrade, run and uninstall that MSI under Wine (not in CI).
msi-smoke: system-deps-msi-smoke msi
	$(PY) packaging/msi_smoke.py

# Re-pin the Windows wheels after a change to pyproject.toml's dependencies or constraints.txt.
msi-lock: $(STAMP)
	$(PY) packaging/build_msi.py lock

clean:
	rm -rf $(VENV) tests/js/node_modules bench/js/node_modules bench/js/.run dist
