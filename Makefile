# Braid: `make run` serves the demo on http://127.0.0.1:5000; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
FLASK := $(BIN)/flask --app wsgi
GOVUK_DIST := node_modules/govuk-frontend/dist/govuk
STATIC := app/static

.PHONY: run test bench bench-crypto bench-audit install install-test install-bench assets db demo chromium clean

run: install assets db demo
	@$(FLASK) demo logins
	@echo "Braid is serving on http://127.0.0.1:5000 (Ctrl+C to stop)"
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install-test assets chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks are not part of the suite: they print ratios measured in one run.
bench: bench-crypto bench-audit

bench-crypto: install assets
	$(BIN)/python bench/crypto.py

# Auditing's cost per page (gunicorn + wrk), verification and the DSL's review over a million events;
# PostgreSQL parts use BENCH_POSTGRES_URL (default: the local server) and are skipped without it.
bench-audit: install-bench assets
	@command -v wrk >/dev/null || { \
		echo "Installing Debian's wrk for the throughput bench"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/audit.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMPS)/app: requirements/app.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/app.txt
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/test: requirements/test.txt requirements/app.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/test.txt
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/app

$(STAMPS)/bench: requirements/bench.txt requirements/app.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/bench.txt
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/app

install: $(STAMPS)/app
install-test: $(STAMPS)/test
install-bench: $(STAMPS)/bench

# GOV.UK Frontend is fetched from npm at the release govuk-frontend-jinja supports, never committed.
$(STAMPS)/assets: package.json package-lock.json $(STATIC)/scss/braid.scss
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(STATIC)/govuk && mkdir -p $(STATIC)/govuk $(STATIC)/css
	cp -r $(GOVUK_DIST)/assets $(GOVUK_DIST)/govuk-frontend.min.js $(STATIC)/govuk/
	rm -rf $(STATIC)/govuk/assets/fonts
	node_modules/.bin/sass --load-path=node_modules --no-source-map --style=compressed --quiet-deps \
		$(STATIC)/scss/braid.scss $(STATIC)/css/braid.css
	@mkdir -p $(STAMPS) && touch $@

assets: $(STAMPS)/assets

db: install
	$(FLASK) db upgrade

demo: install
	$(FLASK) demo load

# Browser tests drive Debian's chromium; Playwright's own browser download cannot work here.
chromium:
	@command -v chromium >/dev/null || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) $(STAMPS) node_modules $(STATIC)/govuk $(STATIC)/css
