# IRO QA: the front door. `make run` serves the app with demo data; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

export IROQA_HOME ?= $(CURDIR)/warehouse/data
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export PYTHONDONTWRITEBYTECODE := 1

SCALE   ?= la
SEED    ?= 7
EXTRACTS ?= $(IROQA_HOME)/demo_extracts
PORT    ?= 8501
ADDRESS ?= 127.0.0.1
SMTP_PORT ?= 2525
AS_AT   ?=
AS_AT_FLAG := $(if $(AS_AT),--as-at $(AS_AT),)
# PROTOCOL=rotherham: build, serve and rebuild under that protocol (IROQA_PROTOCOL, docs/protocols.md)
PROTOCOL ?=
ifneq ($(PROTOCOL),)
export IROQA_PROTOCOL := $(PROTOCOL)
endif
# lint compiles the models without a warehouse: a stand-in for the pseudonym key (macros/case_ref.sql)
LINT_PSEUDONYM_KEY := 0000000000000000000000000000000000000000000000000000000000000000

.PHONY: help install run notify-send demo data ingest build demo-users serve test test-fast browser-deps lint lint-sql format docs bench screenshots clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed -E 's/:.*## /\t/' | expand -t 16

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) ## create .venv and install pinned dependencies

demo: install ## write demo extracts (SCALE=la|region|national, SEED=7) into $IROQA_HOME/demo_extracts
	$(BIN)/iroqa demo --out $(EXTRACTS) --scale $(SCALE) --seed $(SEED)

data: install ## generate and ingest the demo data if the warehouse has none yet
	@if [ ! -f "$(IROQA_HOME)/raw.duckdb" ]; then \
		$(MAKE) --no-print-directory demo && $(MAKE) --no-print-directory ingest; \
	else echo "Warehouse $(IROQA_HOME) already has data (make clean to start again)."; fi

ingest: install ## load extracts (EXTRACTS=path, default the demo extracts)
	$(BIN)/iroqa ingest $(EXTRACTS) || [ $$? -eq 1 ]  # 1: loaded, some rows set aside (docs/ingest.md)

build: install ## dbt build into a new warehouse build and make it live (AS_AT=YYYY-MM-DD, PROTOCOL=rotherham)
	$(BIN)/iroqa build $(AS_AT_FLAG)

serve: install ## serve the dashboard on http://127.0.0.1:8501 (this machine only; ADDRESS=0.0.0.0 for every interface)
	$(BIN)/iroqa serve --port $(PORT) --address $(ADDRESS)

demo-users: install ## demo only: the demo admin and one account per role; passwords printed once (new users file only)
	$(BIN)/iroqa users demo-admin
	$(BIN)/iroqa users demo-accounts

run: data build demo-users ## everything: install, demo data, ingest, build, demo sign-ins, serve on http://localhost:8501 with the notifier and a local SMTP sink (PROTOCOL=rotherham)
	@echo "Local SMTP sink on 127.0.0.1:$(SMTP_PORT), keeping what it receives in $(IROQA_HOME)/mailsink (docs/notifications.md)"
	@trap 'kill $$sink $$notifier 2>/dev/null' EXIT; \
	$(BIN)/iroqa notify sink --port $(SMTP_PORT) --dir "$(IROQA_HOME)/mailsink" & sink=$$!; \
	IROQA_SMTP_HOST=127.0.0.1 IROQA_SMTP_PORT=$(SMTP_PORT) IROQA_SMTP_STARTTLS=false \
	IROQA_BASE_URL=$${IROQA_BASE_URL:-http://localhost:$(PORT)} $(BIN)/iroqa notify run & notifier=$$!; \
	$(BIN)/iroqa serve --port $(PORT)

notify-send: install ## send the notifications due once (IROQA_SMTP_* from the environment)
	$(BIN)/iroqa notify send

browser-deps: ## install Debian's chromium, poppler-utils (pdftoppm) and Pango (weasyprint) for the tests where missing (root only)
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing="$$missing libpango-1.0-0"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Debian's$$missing for the tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "missing:$$missing and this user cannot install them: browser and PDF tests will fail under CI=true"; fi; \
	fi

test: install browser-deps lint ## every test: lint, pytest (ingest, dbt build + tests, AppTest pages, browser)
	$(BIN)/pytest

test-fast: install ## the tests without the browser
	$(BIN)/pytest -m "not browser"

lint: install ## lint-imports (package layers, no cycles), ruff format --check, ruff check, then lint-sql
	$(BIN)/lint-imports
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	@$(MAKE) --no-print-directory lint-sql

lint-sql: install ## sqlfluff (dbt templater, duckdb dialect) over the dbt models
	@tmp=$$(mktemp -d) && $(BIN)/python -c "import duckdb, sys; duckdb.connect(sys.argv[1]).close()" $$tmp/raw.duckdb && \
	IROQA_BUILD_PATH=$$tmp/lint.duckdb IROQA_RAW_DB=$$tmp/raw.duckdb IROQA_PSEUDONYM_KEY=$(LINT_PSEUDONYM_KEY) \
		$(BIN)/sqlfluff lint dbt_project/models \
		--processes 2 --disable-progress-bar; rc=$$?; rm -rf $$tmp; exit $$rc

format: install ## apply ruff's formatting
	$(BIN)/ruff format .

docs: install ## dbt docs as one static HTML file in docs/dbt/ (offline)
	$(BIN)/python -m warehouse.docs

bench: install ## benchmarks and the scale ladder (SCALE=la|region|national; region and national: the ladder only): demo, ingest, build, pages, saves, a room of 30 viewers (tests/load.py); prints figures
	$(BIN)/python -m tests.bench --scale $(SCALE)

screenshots: install browser-deps ## regenerate docs/screenshots/ with headless Chromium
	$(BIN)/python -m tests.browser.screenshots

clean: ## remove the default warehouse and caches (not the venv)
	rm -rf warehouse/data dbt_project/target dbt_project/logs .pytest_cache .ruff_cache
