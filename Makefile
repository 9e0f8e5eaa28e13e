# Two commands on a fresh machine:  make serve  and  make test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv serve test lint format schema messages check clean assets system-packages bench

# Reinstall when the dependencies change or an app is added (the editable install maps
# each package under platform/ by name).
$(VENV)/.installed: pyproject.toml $(wildcard platform/*/__init__.py) $(wildcard */__init__.py)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

# GraphiQL's browser assets (served by the project, no CDN) and the GraphQL over HTTP
# audit, pinned in package-lock.json, into node_modules/ (not committed: docs/graphiql.md).
node_modules/.installed: package.json package-lock.json
	command -v npm >/dev/null || scripts/system-packages
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

# Debian packages beyond Python (npm, chromium, chromium-driver), installed when missing.
system-packages:
	scripts/system-packages

# Migrated, with demo data (prints the staff login), Daphne on 127.0.0.1:$(PORT) and the
# background worker beside it; Ctrl-C stops both.
serve: venv assets
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/daphne -b 127.0.0.1 -p $(PORT) config.asgi:application

test: venv assets
	$(BIN)/pytest

# Figures beside their floors on a throwaway PostgreSQL database (DATABASE server from
# BENCH_SERVER, default the local one); prints the table and updates docs/benchmarks.md.
bench: venv
	$(BIN)/python benchmarks/floors.py $(if $(BENCH_SERVER),--server $(BENCH_SERVER))

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Write schema.graphql from the code (tests fail when it drifts).
schema: venv
	$(BIN)/python manage.py export_schema schema --path schema.graphql

# Recompile translations after editing platform/locale/*/LC_MESSAGES/django.po.
messages: venv
	cd platform && ../$(BIN)/python ../manage.py compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache node_modules
