from django import template

from sessions_seats.devices import describe_user_agent

register = template.Library()


@register.filter
def browser(user_agent: str | None) -> str:
    """{{ session.user_agent|browser }} → "Chrome on Windows"."""
    return describe_user_agent(user_agent or "")
