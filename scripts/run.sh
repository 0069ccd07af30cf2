#!/usr/bin/env bash
# Migrates, loads the demo catalogue from content/, builds the portal and serves CMS + portal
# in one gunicorn process, with the publish worker beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
host=${1:-127.0.0.1}
port=${2:-8000}
export SITE_URL=${SITE_URL:-http://$host:$port}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-$host,localhost,127.0.0.1}
# The demo reports citizens' searches to this server (README, "Privacy"); SEARCH_LOG_URL= turns it off.
export SEARCH_LOG_URL=${SEARCH_LOG_URL-/api/laporan-pencarian}
# ... and its service pages ask "Apakah informasi ini membantu?" (README, "Privacy"); FEEDBACK_URL= turns it off.
export FEEDBACK_URL=${FEEDBACK_URL-/api/masukan}
PY=.venv/bin/python

$PY manage.py migrate --no-input -v 0
$PY manage.py collectstatic --no-input -v 0
$PY manage.py import_catalogue content
$PY manage.py setup_demo
portal=$($PY -c "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','cms.settings');django.setup();from django.conf import settings;print(settings.PORTAL_DIR)")
$PY manage.py build_portal --out "$portal"

# The demo apps' URLs are invented: no periodic link checks against them (run `manage.py check_links` by hand).
$PY manage.py publish_worker --no-links &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  Santer berjalan / Santer is running
    Portal warga : http://$host:$port/
    CMS (admin)  : http://$host:$port/admin/
    API          : http://$host:$port/api/v2/pages/
    Login demo   : admin / santer-demo  (peninjau: reviewer / santer-demo,
                   editor OPD: editor-disdukcapil / santer-demo)
  Ctrl+C untuk berhenti.

MSG
.venv/bin/gunicorn cms.asgi:application --config cms/gunicorn.conf.py --bind "$host:$port"
