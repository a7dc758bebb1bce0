#!/usr/bin/env python
"""The example application's manage.py: `python manage.py migrate`, `runserver 127.0.0.1:8001`."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foundry_app.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
