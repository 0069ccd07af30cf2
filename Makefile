# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint format

setup:
	./scripts/setup.sh

run: setup
	./scripts/run.sh $(HOST) $(PORT)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports
	node_modules/.bin/eslint .
	$(PY) manage.py makemigrations --check --dry-run

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

# Whole suite on the embedded SQLite default, then the database-backed tests again on PostgreSQL.
test: lint
	$(PY) -m pytest
	DATABASE_URL=$$(./scripts/postgres.sh) $(PY) -m pytest -m "not browser" -p no:cacheprovider -q
