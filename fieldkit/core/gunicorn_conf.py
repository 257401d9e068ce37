"""gunicorn settings for production: ``gunicorn -c python:fieldkit.core.gunicorn_conf wsgi:app``.

Bind address and worker count come from the command line or ``GUNICORN_CMD_ARGS``.
"""

from fieldkit.core.server import SETTINGS

worker_class = SETTINGS["worker_class"]
threads = SETTINGS["threads"]
accesslog = SETTINGS["accesslog"]
access_log_format = SETTINGS["access_log_format"]
logger_class = SETTINGS["logger_class"]
timeout = SETTINGS["timeout"]
