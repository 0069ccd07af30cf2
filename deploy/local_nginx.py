"""deploy/nginx/santer.conf on a free port, as tests/test_nginx.py and benchmarks/serve.py run it.

Only the site values the configuration names as such are replaced (listen, the portal folder,
the app server, the snippets folder); everything else is the file a server team installs.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
# What Debian's /etc/nginx/nginx.conf provides around a site file (its own paths replaced).
MAIN_CONF = """
load_module {module};
daemon off;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30;
  keepalive_requests 100000;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  include {tmp}/sites/santer.conf;
}}
"""


def available() -> bool:
    return Path(NGINX).exists() and BROTLI_MODULE.exists()


def write_config(tmp: Path, port: int, portal: Path, app_port: int, workers: int = 2) -> Path:
    """The main configuration file for `nginx -c`, with the site in tmp/sites/santer.conf."""
    text = (DEPLOY / "santer.conf").read_text(encoding="utf-8")
    builds = portal.parent / f".{portal.name}.builds"  # site_builder.publish.builds_dir
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{port};",
        "root /srv/santer/data/portal;": f"root {portal};",
        "root /srv/santer/data/.portal.builds/.previous;": f"root {builds}/.previous;",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "include snippets/santer-headers.conf;": f"include {tmp}/snippets/santer-headers.conf;",
    }
    for old, new in replacements.items():
        if old not in text:
            raise ValueError(f"deploy/nginx/santer.conf no longer has {old!r}")
        text = text.replace(old, new)
    for folder in ("sites", "snippets"):
        (tmp / folder).mkdir(exist_ok=True)
    shutil.copy(DEPLOY / "santer-headers.conf", tmp / "snippets" / "santer-headers.conf")
    (tmp / "sites" / "santer.conf").write_text(text, encoding="utf-8")
    conf = tmp / "nginx.conf"
    conf.write_text(MAIN_CONF.format(module=BROTLI_MODULE, tmp=tmp, workers=workers), encoding="utf-8")
    return conf


def start(tmp: Path, port: int, portal: Path, app_port: int, workers: int = 2) -> subprocess.Popen:
    conf = write_config(tmp, port, portal, app_port, workers)
    return subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
