"""The seat ledger: one time-ordered story per company, filters, the forced-logout actor, CSV."""

from __future__ import annotations

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from sessions_seats.forced_logout import force_logout
from sessions_seats.models import SeatSession
from usage.ledger import LEDGER_CSV_HEADER, ledger, ledger_csv_lines, write_ledger_csv

from ..factories import (
    EntitlementFactory,
    LoginDenialFactory,
    SeatFactory,
    SeatSessionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)


@pytest.fixture
def story(settings):
    """One company's afternoon, ending with a forced logout now."""
    settings.TIME_ZONE = "Europe/Paris"
    company = EntitlementFactory().company
    now = timezone.now()
    ada, bob, cy = (
        UserFactory(company=company, email=f"{name}@acme.example", full_name=name.title())
        for name in ("ada", "bob", "cy")
    )
    # Ada: in on a laptop, joins from a phone, leaves the laptop, then the phone is reaped.
    seat = SeatFactory(user=ada, claimed_at=now - 5 * H)
    laptop = SeatSessionFactory(seat=seat, started_at=now - 5 * H, user_agent="Laptop")
    phone = SeatSessionFactory(seat=seat, started_at=now - 4 * H, user_agent="Phone")
    SeatSession.objects.filter(pk=laptop.pk).update(ended_at=now - 3 * H, end_reason="logout")
    SeatSession.objects.filter(pk=phone.pk).update(ended_at=now - 2 * H, end_reason="idle")
    seat.released_at, seat.release_reason = now - 2 * H, "idle"
    seat.save()
    # Bob is refused in between.
    LoginDenialFactory(user=bob, at=now - 4.5 * H, capacity=3, seats_in_use=3)
    # Cy signs in with a hostile user agent and is forced out by support.
    cy_seat = SeatFactory(user=cy, claimed_at=now - 1 * H)
    SeatSessionFactory(seat=cy_seat, started_at=now - 1 * H, user_agent="=HYPERLINK(evil)")
    agent = StaffFactory(email="agent@foundry.example")
    agent.user_permissions.add(  # support: may force a logout, sees every company
        *Permission.objects.filter(codename__in=["force_logout", "view_all_companies"])
    )
    force_logout(actor=agent, seats=[cy_seat], reason="Stuck on a broken tab")
    # Old history and another company's events are not part of this ledger.
    old = SeatFactory(
        user=ada,
        claimed_at=now - 72 * H,
        released_at=now - 71 * H,
        release_reason="logout",
    )
    SeatSessionFactory(seat=old, started_at=now - 72 * H)
    LoginDenialFactory(at=now - 2 * H)
    return company, now, (ada, bob, cy)


def _period(now):
    return {"start": now - 24 * H, "end": now + datetime.timedelta(minutes=1)}


def test_the_ledger_tells_the_story_in_order_with_reasons_and_the_actor(story):
    company, now, _ = story

    events = list(ledger(company, **_period(now)))

    assert [(e.user_email, e.kind, e.reason) for e in events] == [
        ("ada@acme.example", "claimed", ""),
        ("bob@acme.example", "refused", "seats_full"),
        ("ada@acme.example", "joined", ""),
        ("ada@acme.example", "left", "logout"),
        ("ada@acme.example", "released", "idle"),
        ("cy@acme.example", "claimed", ""),
        ("cy@acme.example", "released", "forced"),
    ]
    assert [e.at for e in events] == sorted(e.at for e in events)
    claimed, refused, joined = events[:3]
    assert (claimed.device, joined.device) == ("Laptop", "Phone")
    assert (refused.capacity, refused.seats_in_use, refused.reason_label) == (
        3,
        3,
        "All seats in use",
    )
    forced = events[-1]
    assert (forced.forced_by, forced.forced_reason) == (
        "agent@foundry.example",
        "Stuck on a broken tab",
    )
    assert forced.reason_label == "Forced logout"


def test_a_forced_release_names_who_forced_it_and_why_from_the_audit_record(story):
    company, now, _ = story

    forced = list(ledger(company, **_period(now)))[-1]

    assert (forced.kind, forced.reason, forced.forced_by, forced.forced_reason) == (
        "released",
        "forced",
        "agent@foundry.example",
        "Stuck on a broken tab",
    )
    # Releases of any other reason name nobody.
    assert all(not e.forced_by for e in ledger(company, **_period(now)) if e.reason != "forced")


def test_filter_by_user_kind_and_time(story):
    company, now, (ada, bob, cy) = story

    assert {e.user_id for e in ledger(company, **_period(now), user=ada)} == {ada.pk}
    assert len(list(ledger(company, **_period(now), user=ada.pk))) == 4
    assert [
        (e.user_id, e.kind) for e in ledger(company, **_period(now), kinds={"refused", "released"})
    ] == [
        (bob.pk, "refused"),
        (ada.pk, "released"),
        (cy.pk, "released"),
    ]
    assert [e.kind for e in ledger(company, **_period(now), kinds=["claimed"])] == [
        "claimed",
        "claimed",
    ]
    # From 3.5 hours ago: Ada's claim, Bob's refusal and the phone's join are before it.
    later = [e.kind for e in ledger(company, start=now - 3.5 * H, end=now + H)]
    assert later == ["left", "released", "claimed", "released"]
    # The old seat of three days ago, and only it, is in a period around it.
    assert [e.kind for e in ledger(company, start=now - 73 * H, end=now - 70 * H)] == [
        "claimed",
        "released",
    ]


def test_unknown_kinds_are_refused(story):
    company, now, _ = story

    with pytest.raises(ValueError, match="bogus"):
        ledger(company, **_period(now), kinds={"claimed", "bogus"})


def test_csv_export_has_a_header_local_times_and_defused_formulas(story):
    company, now, _ = story
    events = list(ledger(company, **_period(now)))

    lines = list(ledger_csv_lines(events))
    rows = list(csv.reader(io.StringIO("".join(lines))))

    assert len(lines) == len(rows) == 1 + 7
    assert rows[0] == list(LEDGER_CSV_HEADER)
    paris = ZoneInfo("Europe/Paris")
    assert rows[1][:4] == [
        events[0].at.astimezone(paris).isoformat(timespec="seconds"),
        "Seat claimed",
        "ada@acme.example",
        "Ada",
    ]
    assert rows[2][1:] == [
        "Sign-in refused",
        "bob@acme.example",
        "Bob",
        "All seats in use",
        "",
        "",
        "",
        "3",
        "3",
        "",
        "",
    ]
    assert (rows[4][4], rows[5][4]) == ("Logged out", "Idle timeout")
    assert rows[6][5] == "'=HYPERLINK(evil)"
    assert rows[7][1] == "Seat released" and rows[7][10:] == [
        "agent@foundry.example",
        "Stuck on a broken tab",
    ]

    out = io.StringIO()
    assert write_ledger_csv(iter(events), out) == 7
    assert out.getvalue() == "".join(lines)


def test_csv_quotes_every_field_and_defuses_a_formula_after_a_semicolon(settings):
    settings.TIME_ZONE = "America/New_York"  # a negative offset in every time
    company = EntitlementFactory().company
    now = timezone.now()
    user = UserFactory(company=company, email="dee@acme.example", full_name="Dee")
    seat = SeatFactory(user=user, claimed_at=now - H)
    SeatSessionFactory(
        seat=seat, started_at=now - H, user_agent="Mozilla/5.0;=cmd|' /C calc'!A0", ip="10.0.0.9"
    )
    LoginDenialFactory(user=user, at=now - 2 * H, capacity=3, seats_in_use=3)

    lines = list(ledger_csv_lines(ledger(company, **_period(now))))
    refused, claimed = (next(csv.reader(io.StringIO(line))) for line in lines[1:])

    assert all(line.startswith('"') and line.endswith('"\r\n') for line in lines)
    assert claimed[5] == "Mozilla/5.0;'=cmd|' /C calc'!A0"
    assert not any(cell.startswith("=") for cell in claimed[5].split(";"))
    # What the ledger computes stays readable as numbers and times.
    assert refused[8:10] == ["3", "3"]
    assert refused[0].endswith(("-05:00", "-04:00"))
    assert datetime.datetime.fromisoformat(refused[0]) == (now - 2 * H).replace(microsecond=0)


@pytest.mark.parametrize("extra_people", [0, 25])
def test_the_ledger_costs_a_fixed_number_of_queries(
    story, extra_people, django_assert_max_num_queries
):
    company, now, _ = story
    for n in range(extra_people):
        seat = SeatFactory(user=UserFactory(company=company), claimed_at=now - H)
        SeatSessionFactory.create_batch(
            2, seat=seat, started_at=now - H + n * datetime.timedelta(seconds=1)
        )
        LoginDenialFactory(user=seat.user, at=now - 2 * H)

    with django_assert_max_num_queries(6):
        events = list(ledger(company, **_period(now)))

    assert len(events) == 7 + 3 * extra_people
