#!/usr/bin/env python
"""Django's command-line utility for the games service."""

import os
import sys


def main() -> None:
    # The environment, completed by .env at the repository root when present.
    from common.env import load_dotenv

    load_dotenv()
    # Its own variable, so one shell can drive both projects; never the other
    # project's DJANGO_SETTINGS_MODULE by accident.
    os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get(
        "GAMES_DJANGO_SETTINGS_MODULE", "games_project.settings.local"
    )
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
