# Braid: `make run` serves the demo on http://127.0.0.1:5000 (and runs its jobs worker); `make serve` runs the production
# configuration (gunicorn) on https://127.0.0.1:8000; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
FLASK := $(BIN)/flask --app wsgi
GOVUK_DIST := node_modules/govuk-frontend/dist/govuk
STATIC := app/static

.PHONY: run serve test bench bench-crypto bench-audit bench-pages bench-concurrency bench-import bench-plan bench-learner-keys bench-request-metrics install install-test install-bench lock assets db demo chromium fonts wrk clean bench-backup cluster-check cluster-faults scale bench-flatness

# The jobs worker (mail, the audit trail's sealing and checkpoints) runs beside the web server and stops with it.
run: install assets db demo
	@$(FLASK) demo logins
	@echo "Braid is serving on http://127.0.0.1:5000, its jobs worker beside it (Ctrl+C to stop)"
	@$(FLASK) jobs worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

# The production configuration on this machine: gunicorn (deploy/gunicorn.conf.py, TLS with a self-signed
# certificate) on https://127.0.0.1:$(SERVE_PORT) and the jobs worker beside it, stopping together on Ctrl+C. Keys,
# token and certificate are made once under $(SERVE_DIR) (deploy/local_production.py); production loads no demo,
# so the first account comes from `flask users create` (printed below). A graceful reload: kill -HUP <gunicorn's
# master pid> (a hang-up of this terminal stops both instead). Both run in the background of the recipe's shell,
# which waits for the server: whatever ends the shell (Ctrl+C, TERM, a closed terminal) stops them both.
SERVE_PORT ?= 8000
SERVE_DIR ?= instance/serve
SERVE_ENV = set -a && . $(SERVE_DIR)/env && set +a
serve: install assets
	@$(BIN)/python deploy/local_production.py $(SERVE_DIR) $(SERVE_PORT) >/dev/null
	@$(SERVE_ENV) && $(FLASK) db upgrade && $(FLASK) keys store init && $(FLASK) keys adopt-learner-keys
	@$(SERVE_ENV) && $(FLASK) check-deploy || true
	@echo "Braid (production configuration) on https://127.0.0.1:$(SERVE_PORT), its jobs worker beside it (Ctrl+C to stop)."
	@echo "The first administrator: $(SERVE_ENV) && $(FLASK) users create --role admin --email you@school.example --name 'Your Name' --agency 'Your School' --agency-kind school"
	@echo "Metrics: curl -k -H \"Authorization: Bearer \$$(cat $(SERVE_DIR)/metrics_token)\" https://127.0.0.1:$(SERVE_PORT)/metrics"
	@$(SERVE_ENV) && { $(FLASK) jobs worker & worker=$$!; \
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py --certfile $(SERVE_DIR)/tls.crt --keyfile $(SERVE_DIR)/tls.key \
		wsgi:app & server=$$!; \
	trap 'kill $$worker $$server 2>/dev/null; wait $$worker $$server 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM HUP; \
	wait $$server; }

# Spread over every core (pytest-xdist; an idle worker takes queued tests from a busy one), with one worker more than
# cores: a worker often waits on the database, the browser or a subprocess. PYTEST_WORKERS=0 runs in one process,
# e.g. to use a debugger.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))

# Static checks first (seconds, and they name the line), then the suite. Lint settings: pyproject.toml.
test: install-test assets chromium
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache  # the walls between packages (pyproject.toml's import contracts)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Benchmarks are not part of the suite: they print ratios measured in one run.
bench: bench-crypto bench-audit bench-concurrency bench-import bench-plan bench-learner-keys bench-request-metrics bench-backup bench-pages bench-flatness

bench-crypto: install assets
	$(BIN)/python bench/crypto.py

# What the latency histogram costs a request (/health with and without it), in one process and in multiprocess mode.
bench-request-metrics: install assets
	$(BIN)/python bench/request_metrics.py

# `flask backup` and its restore drill on the demo, SQLite and PostgreSQL (BENCH_POSTGRES_URL, skipped without it):
# wall and CPU seconds per step. `bench/backup.py --existing` measures the database the environment configures.
bench-backup: install assets
	$(BIN)/python bench/backup.py

# Key rotation with learner keys (re-wrap N keys) against re-sealing N x M values, on SQLite.
bench-learner-keys: install assets
	$(BIN)/python bench/learner_key_rotation.py

# The plan page showing stored safe HTML against running the Markdown subset and the sanitiser on every view.
# It signs in through the tests' helper (the SENCo's second step), so it needs the test tools.
bench-plan: install-test assets
	$(BIN)/python bench/plan_page.py

# Each page's CPU per request and SQL statements in one school of 200 learners against 2,000, and an authority of
# 1,000 against 10,000 (target: within 1.2x, statements equal); JSON in instance/bench/flatness.json. It signs in
# through the tests' helper. BENCH_FLATNESS_ARGS="--engine both" adds PostgreSQL (BENCH_POSTGRES_URL).
bench-flatness: install-test assets
	$(BIN)/python bench/flatness.py $(BENCH_FLATNESS_ARGS)

# A 2,000-row MIS import on SQLite: the whole import (target 30 s), its longest batch (the write lock),
# a re-import, and filtering the learner list at 2,000 learners.
bench-import: install assets
	$(BIN)/python bench/learner_import.py

# Sixteen people editing the same records over HTTP while two busy processes per core load the machine:
# 5xx, lost edits, latency and the chain's verification, three runs on SQLite and PostgreSQL.
bench-concurrency: install-bench assets
	$(BIN)/python bench/concurrent_edits.py

# Auditing's cost per page (gunicorn + wrk), verification and the DSL's review over a million events;
# PostgreSQL parts use BENCH_POSTGRES_URL (default: the local server) and are skipped without it.
bench-audit: install-bench assets wrk
	$(BIN)/python bench/audit.py

# Every role's home, the plan page with 50 contributions, the anonymous redirect, a refusal, the lists and adding a
# contribution, each as a share of a bare Flask hello under the same gunicorn (wrk). It signs in through the tests'
# helper (the second step), so it needs the test tools. BENCH_PAGES_ARGS="--data authority --learners 10000" runs on
# the authority data set (`flask demo scale`).
bench-pages: install-bench install-test assets wrk
	$(BIN)/python bench/pages.py $(BENCH_PAGES_ARGS)

wrk:
	@command -v wrk >/dev/null || { \
		echo "Installing Debian's wrk for the throughput benches"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }

# Two app nodes behind Debian's nginx on loopback, with their own PostgreSQL, Redis and jobs worker (deploy/README.md):
# a mixed load through nginx for CLUSTER_SECONDS, then the checks (no 5xx, nothing lost, sessions and limits shared,
# the chain verified, the queue drained). cluster-faults kills and restarts each service under load. Not in `make test`.
CLUSTER_SECONDS ?= 60
cluster-check: install assets
	$(BIN)/python deploy/cluster.py --seconds $(CLUSTER_SECONDS)

cluster-faults: install assets
	$(BIN)/python deploy/faults.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Every install comes from a lock with hashes (requirements/*.lock, generated by `make lock` from the
# pins in requirements/*.txt), so a new machine gets exactly the files the suite ran with. Each lock
# is complete, hence --no-deps; wheels only, since building from source would fetch its build tools
# unhashed. pip itself is locked too: it is the first thing replaced.
PIP_INSTALL = $(BIN)/python -m pip install --quiet --require-hashes --no-deps --only-binary :all: -r

$(STAMPS)/pip: requirements/pip.lock | $(BIN)/python
	$(PIP_INSTALL) requirements/pip.lock
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/app: requirements/app.lock $(STAMPS)/pip
	$(PIP_INSTALL) requirements/app.lock
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/test: requirements/test.lock $(STAMPS)/pip
	$(PIP_INSTALL) requirements/test.lock
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/app

$(STAMPS)/bench: requirements/bench.lock $(STAMPS)/pip
	$(PIP_INSTALL) requirements/bench.lock
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/app

install: $(STAMPS)/app fonts
install-test: $(STAMPS)/test fonts
install-bench: $(STAMPS)/bench fonts

# Rewrites every lock from its pins (all files of each pinned release, each with its sha256).
# pip-tools lives in a venv of its own under .stamps/, so .venv holds exactly what the locks list.
LOCK_TOOLS := $(STAMPS)/lock-tools
LOCK_NAMES := pip app test bench

$(LOCK_TOOLS)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet pip==26.3 pip-tools==7.6.2

lock: $(LOCK_TOOLS)/bin/pip-compile
	cd requirements && for name in $(LOCK_NAMES); do \
		CUSTOM_COMPILE_COMMAND="make lock" $(CURDIR)/$(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes \
			--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
			--output-file $$name.lock $$name.txt || exit 1; \
	done

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

# Values sealed before crypto-shredding move under their learner's key (resumable; nothing to do the second time).
db: install
	$(FLASK) db upgrade
	$(FLASK) keys store init
	$(FLASK) keys adopt-learner-keys

demo: install
	$(FLASK) demo load
	$(FLASK) keys adopt-learner-keys

# An authority's worth of fictional records (README: Authority-sized data) on top of the demo; resumable.
SCALE_ARGS ?=
scale: db
	$(FLASK) demo scale $(SCALE_ARGS)

# Browser tests drive Debian's chromium; Playwright's own browser download cannot work here.
chromium:
	@command -v chromium >/dev/null || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Every PDF embeds DejaVu Sans (app.core.pdf; PDF_FONT_DIR, Debian's fonts-dejavu-core by default).
PDF_FONT_DIR ?= /usr/share/fonts/truetype/dejavu
fonts:
	@test -f $(PDF_FONT_DIR)/DejaVuSans.ttf || { \
		echo "Installing Debian's fonts-dejavu-core for the PDFs"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq fonts-dejavu-core >/dev/null; }
	@test -f $(PDF_FONT_DIR)/DejaVuSans.ttf && test -f $(PDF_FONT_DIR)/DejaVuSans-Bold.ttf || { \
		echo "PDFs need DejaVuSans.ttf and DejaVuSans-Bold.ttf in $(PDF_FONT_DIR): install fonts-dejavu-core" \
			"or set PDF_FONT_DIR to a folder that holds them" >&2; exit 1; }

clean:
	rm -rf $(VENV) $(STAMPS) node_modules $(STATIC)/govuk $(STATIC)/css
