"""zugong.settings plus the benchmark's floor page; nothing else differs from production.

BENCH_CONN_MAX_AGE (seconds) overrides the persistent-connection setting for the settings check.
"""

import os

from zugong.settings import *  # noqa: F403
from zugong.settings import ALLOWED_HOSTS, DATABASES

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # the in-process test Client

if os.environ.get("BENCH_CONN_MAX_AGE"):
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_CONN_MAX_AGE"])

# The bench account signs in with a password only. In production an operator's verified session
# costs one more primary-key look-up per request (django-otp loads the device); noted in
# docs/performance.md.
ZUGONG_OTP_ROLES: list[str] = []
ZUGONG_OTP_SUPERUSERS = False
