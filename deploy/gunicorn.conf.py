"""gunicorn settings of one fieldkit app node, as systemd/fieldkit-web@.service starts it:

    gunicorn -c /etc/fieldkit/gunicorn.conf.py --bind 127.0.0.1:8001 fieldkit.wsgi:app

Threads serve the many short requests of respondents and tablets; two nodes behind nginx
let one restart while the other serves (tests/deploy/test_deployment.py restarts one).
"""

import multiprocessing
import os

from fieldkit.core.server import SETTINGS

worker_class = SETTINGS["worker_class"]  # gthread
threads = SETTINGS["threads"]
workers = int(os.environ.get("FIELDKIT_WEB_WORKERS", min(4, multiprocessing.cpu_count())))
# The access log writes paths without link tokens or query strings (RedactingLogger).
accesslog = SETTINGS["accesslog"]
access_log_format = SETTINGS["access_log_format"]
logger_class = SETTINGS["logger_class"]
# A compile or export runs as a background job; a request never takes this long.
timeout = SETTINGS["timeout"]
# On SIGTERM (systemctl stop/restart) requests in flight finish first.
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so a slow leak cannot grow without end.
max_requests = 5000
max_requests_jitter = 500
# nginx on this host is the only client; gunicorn believes its X-Forwarded-Proto. The client's
# address comes from FIELDKIT_TRUSTED_PROXIES (werkzeug's ProxyFix in the app).
forwarded_allow_ips = "127.0.0.1"
