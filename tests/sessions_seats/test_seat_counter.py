"""Each company's `seats_in_use` equals its open seats, however a seat is written, and the reaper
corrects and reports a counter that drifted anyway."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Company
from sessions_seats import reaper, selectors
from sessions_seats.forced_logout import force_logout
from sessions_seats.models import Seat

from ..conftest import sign_in
from ..factories import CompanyFactory, SeatFactory, StaffFactory, UserFactory, seated

pytestmark = pytest.mark.django_db


def counter(company: Company) -> int:
    return Company.objects.values_list("seats_in_use", flat=True).get(pk=company.pk)


def open_seats(company: Company) -> int:
    return Seat.objects.open().filter(company=company).count()


def test_claims_and_releases_move_the_counter_with_the_open_seats(client, members):
    company = members[0].company
    sign_in(client, members[0])
    sign_in(Client(), members[0])  # a second device joins: no new seat
    sign_in(Client(), members[1])
    assert counter(company) == open_seats(company) == 2

    client.post("/accounts/logout/")  # members[0] still has a device: the seat stays
    assert counter(company) == open_seats(company) == 2

    force_logout(actor=StaffFactory(is_superuser=True), seats=Seat.objects.open(), reason="test")
    assert counter(company) == open_seats(company) == 0


def test_seats_written_outside_the_engine_are_counted_too(company):
    held = seated(UserFactory(company=company))
    SeatFactory(
        user=UserFactory(company=company), released_at=timezone.now(), release_reason="idle"
    )
    assert counter(company) == 1

    Seat.objects.filter(pk=held.pk).update(released_at=timezone.now(), release_reason="logout")
    assert counter(company) == 0

    moved = seated(UserFactory(company=company))
    other = CompanyFactory()
    Seat.objects.filter(pk=moved.pk).update(company=other)
    assert (counter(company), counter(other)) == (0, 1)

    Seat.objects.filter(pk=moved.pk).delete()
    assert counter(other) == 0


def test_saving_a_company_loaded_earlier_keeps_the_counter(company):
    stale = Company.objects.get(pk=company.pk)
    seated(UserFactory(company=company))

    stale.name = "Acme Foods Ltd"
    stale.save()

    assert counter(company) == 1
    assert selectors.seats_in_use(company) == 1


def test_the_reaper_corrects_a_drifted_counter_and_reports_it(company, caplog):
    seated(UserFactory(company=company))
    seated(UserFactory(company=company))
    Company.objects.filter(pk=company.pk).update(seats_in_use=5)

    with caplog.at_level(logging.WARNING, logger="sessions_seats.seat_counts"):
        report = reaper.reap_idle_seats()

    assert counter(company) == 2
    [correction] = report.counters_corrected
    assert (correction.company_id, correction.was, correction.now) == (company.pk, 5, 2)
    assert f"company {company.pk} 5 -> 2" in str(report)
    assert "said 5 open seats, but it has 2" in caplog.text


def test_a_counter_that_agrees_is_left_alone(company):
    seated(UserFactory(company=company))

    assert reaper.reap_idle_seats().counters_corrected == []
    assert counter(company) == 1


def test_the_counter_cannot_go_below_zero(company):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.filter(pk=company.pk).update(seats_in_use=-1)
