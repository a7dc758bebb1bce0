"""How devices and their activity are described to people: "Chrome on Windows", "idle 3 h 12 min"."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from common.text import plural

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = [
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("Safari", re.compile(r"Safari/")),
]
_SYSTEMS = [
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux|X11")),
]


def describe_user_agent(user_agent: str) -> str:
    """ "Firefox on Linux", "Safari on iOS"; the raw string's start when nothing is recognised."""
    if not user_agent:
        return "Unknown browser"
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    return user_agent[:40]


def _elapsed(
    since: datetime.datetime, now: datetime.datetime | None
) -> tuple[int, int, int] | None:
    """(days, hours, minutes) since `since`, or None under a minute."""
    minutes = max(0, int(((now or timezone.now()) - since).total_seconds() // 60))
    if minutes < 1:
        return None
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return days, hours, minutes


def format_idle(since: datetime.datetime | None, now: datetime.datetime | None = None) -> str:
    """ "idle 3 h 12 min" — how long ago `since` was, in the words staff read at a glance."""
    if since is None:
        return "no activity"
    elapsed = _elapsed(since, now)
    if elapsed is None:
        return "active now"
    days, hours, minutes = elapsed
    if days:
        return f"idle {days} d {hours} h"
    if hours:
        return f"idle {hours} h {minutes} min"
    return f"idle {minutes} min"


def format_ago(since: datetime.datetime, now: datetime.datetime | None = None) -> str:
    """ "just now", "1 minute ago", "25 minutes ago", "3 h 12 min ago", "2 d 3 h ago": when
    someone was last active, in the words customers read (never "0 minutes ago")."""
    elapsed = _elapsed(since, now)
    if elapsed is None:
        return "just now"
    days, hours, minutes = elapsed
    if days:
        return f"{days} d {hours} h ago"
    if hours:
        return f"{hours} h {minutes} min ago"
    return f"{plural(minutes, 'minute')} ago"


def describe_device(user_agent: str, last_activity: datetime.datetime) -> str:
    """ "Chrome on Windows, active 3 minutes ago": a signed-in device as its owner knows it."""
    return f"{describe_user_agent(user_agent)}, active {format_ago(last_activity)}"
