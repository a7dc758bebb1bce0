"""The Django session store, as the seat engine needs it: delete sessions, find the gone ones."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef

_PLAIN_DB_ENGINE = "django.contrib.sessions.backends.db"


def _store_class() -> type[SessionBase]:
    return import_module(settings.SESSION_ENGINE).SessionStore


def delete_sessions(session_keys: Iterable[str]) -> None:
    """Remove sessions from the store so their browsers are signed out on the next request."""
    keys = [key for key in session_keys if key]
    if not keys:
        return
    if is_plain_table_store():
        # The table is the whole store here, so one DELETE is the same as a delete() per key.
        Session.objects.filter(session_key__in=keys).delete()
        return
    store = _store_class()
    # Cached backends keep a copy outside the table: only the store itself can drop both.
    for key in keys:
        store(key).delete()


def is_plain_table_store() -> bool:
    """Whether the session table is the whole store, so deleting its rows deletes the sessions."""
    return settings.SESSION_ENGINE == _PLAIN_DB_ENGINE and issubclass(
        _store_class(), DbSessionStore
    )


def live_session_filter(now: datetime.datetime) -> Exists | None:
    """For stores backed by the session table: "a live session has this row's `session_key`",
    as an SQL condition, so gone sessions are found with one anti-join. None for other stores."""
    store = _store_class()
    if not hasattr(store, "get_model_class"):
        return None
    live = store.get_model_class().objects.filter(
        session_key=OuterRef("session_key"), expire_date__gt=now
    )
    return Exists(live)


def missing_session_keys(session_keys: Iterable[str]) -> set[str]:
    """Which of these keys the store no longer has (for stores without a session table)."""
    store = _store_class()
    return {key for key in session_keys if not store().exists(key)}
