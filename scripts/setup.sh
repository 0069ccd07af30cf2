#!/usr/bin/env bash
# Installs what Santer needs on a fresh Debian machine: system packages, then a virtualenv
# with the project and its test tools. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pg_ctlcluster >/dev/null || need+=(postgresql)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Needs root to install: ${need[*]} (apt-get install ${need[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.santer-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[test]"
  touch "$stamp"
fi

# axe-core for the accessibility tests (a git-ignored copy inside the virtualenv).
if [ ! -f .venv/axe/node_modules/axe-core/axe.min.js ]; then
  npm install --no-save --no-audit --no-fund --prefix .venv/axe axe-core@4
fi

# eslint for `make lint` (package.json; node_modules/ is git-ignored).
if [ ! -f node_modules/.santer-installed ] || [ package.json -nt node_modules/.santer-installed ]; then
  npm install --no-audit --no-fund --no-package-lock
  touch node_modules/.santer-installed
fi
