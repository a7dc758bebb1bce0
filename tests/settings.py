"""The settings the tests run with: the project's own, in the development profile.

DEBUG is off unless DJANGO_DEBUG says otherwise, and the development secret key is refused with
DEBUG off, so the tests turn it on here, in the environment, before the project's settings read
it. It cannot be done in tests/conftest.py: pytest-django imports the settings before any
conftest. (During each test pytest-django still runs with settings.DEBUG False, as Django's test
runner does.)
"""

import os

os.environ["DJANGO_DEBUG"] = "True"

from foundry_licensing.settings import *  # noqa: F403
