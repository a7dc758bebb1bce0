"""Each log line is printed once: Django's loggers reach the root's console, not a second console
of their own beside it."""

import logging

import pytest
from django.conf import settings as django_settings
from django.utils.log import configure_logging


def handlers_reached(logger_name: str, level: int) -> list[logging.Handler]:
    """The handlers a record of that level from that logger is emitted on, as `Logger.handle`
    walks up the hierarchy (pytest's own capture handlers left out)."""
    logger = logging.getLogger(logger_name)
    record = logger.makeRecord(logger_name, level, __file__, 0, "Forbidden: /x/", (), None)
    reached = []
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            if type(handler).__module__.startswith("_pytest"):
                continue
            if record.levelno >= handler.level and handler.filter(record):
                reached.append(handler)
        current = current.parent if current.propagate else None
    return reached


@pytest.fixture
def project_logging():
    configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)
    yield
    configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize(
    "logger_name", ["django.request", "django.utils.autoreload", "django.security.csrf"]
)
def test_a_django_warning_reaches_exactly_one_console(
    project_logging, settings, debug, logger_name
):
    settings.DEBUG = debug

    reached = handlers_reached(logger_name, logging.WARNING)

    assert len(reached) == 1
    assert isinstance(reached[0], logging.StreamHandler)


def test_the_development_servers_request_lines_are_printed_once(project_logging, settings):
    settings.DEBUG = True

    assert len(handlers_reached("django.server", logging.INFO)) == 1


def test_errors_still_go_to_the_admins_in_production(project_logging, settings):
    settings.DEBUG = False

    reached = handlers_reached("django.request", logging.ERROR)

    assert sorted(type(handler).__name__ for handler in reached) == [
        "AdminEmailHandler",
        "StreamHandler",
    ]
