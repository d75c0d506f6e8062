"""Minimal Django settings for the django-pylibmc check (no apps, no database, no web server).

The CACHES entry is the configuration hosted-memcache users run with
(issue 6 item 3); the two server addresses come from DJANGO_MEMCACHED_SERVERS
("127.0.0.1:P1,127.0.0.1:P2"), set by tests/pylibmc.rs.
"""

import os

SECRET_KEY = "django-pylibmc-check-not-secret"
USE_TZ = True
INSTALLED_APPS = []
DATABASES = {}
LOGGING_CONFIG = None  # django.pylibmc logs errors; keep them on stderr as-is

CACHES = {
    "default": {
        "BACKEND": "django_pylibmc.memcached.PyLibMCCache",
        "LOCATION": os.environ["DJANGO_MEMCACHED_SERVERS"].split(","),
        "BINARY": True,
        "TIMEOUT": None,
        "OPTIONS": {
            "tcp_nodelay": True,
            "tcp_keepalive": True,
            "connect_timeout": 2000,  # ms
            "send_timeout": 750000,  # µs
            "receive_timeout": 750000,  # µs
            "_poll_timeout": 2000,  # ms
            "ketama": True,
            "remove_failed": 1,
            "retry_timeout": 2,  # s
            "dead_timeout": 30,  # s
        },
    }
}
