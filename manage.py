#!/usr/bin/env python
"""Django's command-line utility. Run it with the project's virtual environment (make venv)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Django is not importable: run `make venv` and use .venv/bin/python manage.py"
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
