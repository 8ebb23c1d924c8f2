"""Entry points of the worker processes that generate counties (see writer.Writer).

Kept free of Django imports at module level: a spawned worker imports this module before Django
is set up.
"""

from __future__ import annotations

import os


def setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zugong.settings")
    django.setup()


def county(*args):
    from zugong.demo.writer import county_task

    return county_task(*args)
