import datetime

from django import template

from sessions_seats.devices import describe_user_agent, format_ago, format_idle

register = template.Library()


@register.filter
def browser(user_agent: str | None) -> str:
    """{{ session.user_agent|browser }} → "Chrome on Windows"."""
    return describe_user_agent(user_agent or "")


@register.filter
def idle(since: datetime.datetime | None) -> str:
    """{{ session.last_activity|idle }} → "active now", "idle 3 h 12 min"."""
    return format_idle(since)


@register.filter
def ago(since: datetime.datetime | None) -> str:
    """{{ session.last_activity|ago }} → "just now", "1 minute ago", "3 h 12 min ago"."""
    return "—" if since is None else format_ago(since)
