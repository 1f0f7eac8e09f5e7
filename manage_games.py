#!/usr/bin/env python
"""Django's command-line utility for the games service."""

import sys


def main() -> None:
    # The environment and .env, then the one rule for the settings module.
    from common.env import use_project_settings

    use_project_settings("games_project")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
