"""Wording shared by emails and pages written in Python (templates use `pluralize`)."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`count` with its noun: "1 seat", "3 seats", "1 person", "2 people"."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {word}"
