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


def test_one_statement_writing_seats_of_several_companies_moves_each_counter_by_its_net_change():
    first, second, third = CompanyFactory(), CompanyFactory(), CompanyFactory()
    first_seats = [seated(UserFactory(company=first)) for _ in range(3)]
    second_seats = [seated(UserFactory(company=second)) for _ in range(2)]
    assert (counter(first), counter(second), counter(third)) == (3, 2, 0)

    # One UPDATE releases two seats of the first company and one of the second...
    released = [first_seats[0].pk, first_seats[1].pk, second_seats[0].pk]
    Seat.objects.filter(pk__in=released).update(released_at=timezone.now(), release_reason="idle")
    assert (counter(first), counter(second)) == (1, 1) == (open_seats(first), open_seats(second))

    # ...another moves every seat of both, open and released, to the third...
    Seat.objects.filter(company__in=[first, second]).update(company=third)
    assert (counter(first), counter(second), counter(third)) == (0, 0, 2)

    # ...and one that changes neither column counts nothing.
    Seat.objects.filter(company=third).update(logout_scheduled_at=timezone.now())
    assert counter(third) == open_seats(third) == 2

    Seat.objects.filter(company=third).delete()
    assert counter(third) == 0
