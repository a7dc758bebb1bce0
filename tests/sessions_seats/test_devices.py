import datetime

import pytest
from django.utils import timezone

from sessions_seats.devices import describe_device, describe_user_agent, format_ago

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/130.0.2849.80"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (CHROME_WINDOWS, "Chrome on Windows"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (SAFARI_IPHONE, "Safari on iOS"),
        (FIREFOX_LINUX, "Firefox on Linux"),
        (CHROME_ANDROID, "Chrome on Android"),
        ("", "Unknown browser"),
        ("curl/8.5.0", "curl/8.5.0"),
    ],
)
def test_user_agents_get_short_human_names(user_agent, expected):
    assert describe_user_agent(user_agent) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "just now"),
        (59, "just now"),
        (60, "1 minute ago"),
        (25 * 60 + 30, "25 minutes ago"),
        (3 * 3600 + 12 * 60, "3 h 12 min ago"),
        (26 * 3600, "1 d 2 h ago"),
    ],
)
def test_last_activity_reads_just_now_then_minutes_in_the_singular_or_plural(seconds, expected):
    now = timezone.now()

    assert format_ago(now - datetime.timedelta(seconds=seconds), now) == expected


def test_a_device_is_named_with_how_recently_it_was_active():
    ago = timezone.now() - datetime.timedelta(minutes=3, seconds=5)

    assert describe_device(CHROME_WINDOWS, ago) == "Chrome on Windows, active 3 minutes ago"
