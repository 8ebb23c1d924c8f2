"""The `zugong` command: every Django management command plus zugong's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zugong.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zugong", *sys.argv[1:]])


if __name__ == "__main__":
    main()
