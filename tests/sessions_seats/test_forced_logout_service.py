"""sessions_seats.forced_logout.force_logout: ends every device of a seat, audited; refuses the unauthorised."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError

from common.append_only import AppendOnlyError
from sessions_seats.forced_logout import force_logout
from sessions_seats.models import ForcedLogout, Seat, SeatSession

from ..factories import SeatFactory, SeatSessionFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    """Support: may force a logout, sees every company."""
    agent = StaffFactory(email="agent@foundry.example")
    agent.user_permissions.add(
        *Permission.objects.filter(codename__in=["force_logout", "view_all_companies"])
    )
    return agent


@pytest.fixture
def seat_on_two_devices(company) -> Seat:
    seat = SeatFactory(user=UserFactory(company=company))
    SeatSessionFactory.create_batch(2, seat=seat)
    return seat


def test_support_signs_a_user_out_everywhere_and_it_is_audited(agent, seat_on_two_devices):
    keys = list(seat_on_two_devices.sessions.values_list("session_key", flat=True))

    [record] = force_logout(
        actor=agent, seats=[seat_on_two_devices], reason=" Stuck session ", requested_by="Alex"
    )

    seat_on_two_devices.refresh_from_db()
    assert seat_on_two_devices.release_reason == "forced"
    assert set(SeatSession.objects.values_list("end_reason", flat=True)) == {"forced"}
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert (record.actor, record.target, record.company) == (
        agent,
        seat_on_two_devices.user,
        seat_on_two_devices.company,
    )
    assert (record.reason, record.requested_by, record.sessions_ended) == (
        "Stuck session",
        "Alex",
        2,
    )
    assert record.actor_role == "support"


def test_a_reason_is_required_and_nothing_changes_without_it(agent, seat_on_two_devices):
    with pytest.raises(ValidationError):
        force_logout(actor=agent, seats=[seat_on_two_devices], reason="   ")

    assert SeatSession.objects.filter(ended_at__isnull=True).count() == 2
    assert not ForcedLogout.objects.exists()


def test_staff_without_the_permission_cannot_force_logout(seat_on_two_devices):
    with pytest.raises(PermissionDenied):
        force_logout(actor=StaffFactory(), seats=[seat_on_two_devices], reason="no")

    assert SeatSession.objects.filter(ended_at__isnull=True).count() == 2


def test_the_permission_reaches_only_the_companies_the_staff_member_sees(
    company, other_company, seat_on_two_devices
):
    manager = StaffFactory()
    manager.user_permissions.add(Permission.objects.get(codename="force_logout"))
    other_company.account_manager = manager
    other_company.save()

    with pytest.raises(PermissionDenied):
        force_logout(actor=manager, seats=[seat_on_two_devices], reason="not my customer")
    assert SeatSession.objects.filter(ended_at__isnull=True).count() == 2

    company.account_manager = manager
    company.save()
    [record] = force_logout(actor=manager, seats=[seat_on_two_devices], reason="my customer")
    assert record.target == seat_on_two_devices.user


def test_company_admin_may_sign_out_their_own_people_only(company, seat_on_two_devices):
    admin = UserFactory(company=company, role="admin")
    stranger_admin = UserFactory(role="admin")

    with pytest.raises(PermissionDenied):
        force_logout(actor=stranger_admin, seats=[seat_on_two_devices], reason="mine now")
    assert not ForcedLogout.objects.exists()

    [record] = force_logout(actor=admin, seats=[seat_on_two_devices], reason="Need a seat")
    assert record.actor_role == "company_admin"


def test_a_seat_released_meanwhile_is_skipped(agent, seat_on_two_devices):
    force_logout(actor=agent, seats=[seat_on_two_devices], reason="first")

    assert force_logout(actor=agent, seats=[seat_on_two_devices], reason="again") == []
    assert ForcedLogout.objects.count() == 1


def test_audit_records_cannot_be_changed_or_deleted(agent, seat_on_two_devices):
    [record] = force_logout(actor=agent, seats=[seat_on_two_devices], reason="audit me")

    record.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        ForcedLogout.objects.update(reason="rewritten in bulk")
    with pytest.raises(AppendOnlyError):
        ForcedLogout.objects.filter(pk=record.pk).delete()
    assert ForcedLogout.objects.get().reason == "audit me"


def test_people_named_in_the_audit_cannot_be_deleted_so_it_is_never_rewritten(
    agent, seat_on_two_devices
):
    [record] = force_logout(actor=agent, seats=[seat_on_two_devices], reason="audit me")

    for person in (agent, seat_on_two_devices.user):
        with pytest.raises(ProtectedError):
            person.delete()

    kept = ForcedLogout.objects.get(pk=record.pk)
    assert (kept.actor, kept.target) == (agent, seat_on_two_devices.user)


def test_deactivating_a_signed_in_user_in_the_admin_ends_their_seat(client, company):
    from django.urls import reverse

    from accounts.models import User

    seat = SeatFactory(user=UserFactory(company=company))
    SeatSessionFactory(seat=seat)
    root = User.objects.create_superuser("root@foundry.example", "pw", full_name="Root")
    client.force_login(root)
    user = seat.user
    form = {
        "email": user.email,
        "full_name": user.full_name,
        "company": company.pk,
        "role": user.role,
        "is_active": "",  # unticked
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }

    response = client.post(reverse("admin:accounts_user_change", args=[user.pk]), form, follow=True)

    assert "signed out everywhere and their seat freed" in response.content.decode()
    seat.refresh_from_db()
    assert seat.release_reason == "forced"
    record = ForcedLogout.objects.get()
    assert (record.actor, record.target, record.reason) == (
        root,
        user,
        "Account deactivated by Foundry staff",
    )


def test_moving_a_signed_in_user_to_another_company_ends_their_seat(agent, company):
    from sessions_seats.forced_logout import sign_out_after_account_change

    from ..factories import CompanyFactory

    seat = SeatFactory(user=UserFactory(company=company))
    SeatSessionFactory(seat=seat)
    user = seat.user
    user.company = CompanyFactory()
    user.save()

    [record] = sign_out_after_account_change(
        actor=agent, user=user, was_active=True, old_company_id=company.pk
    )

    assert record.reason == "Moved to another company by Foundry staff"
    assert record.company == company
    seat.refresh_from_db()
    assert seat.release_reason == "forced"


def test_an_unrelated_account_change_keeps_the_seat(agent, company):
    from sessions_seats.forced_logout import sign_out_after_account_change

    seat = SeatFactory(user=UserFactory(company=company))
    SeatSessionFactory(seat=seat)

    signed_out = sign_out_after_account_change(
        actor=agent, user=seat.user, was_active=True, old_company_id=company.pk
    )

    assert signed_out == []
    seat.refresh_from_db()
    assert seat.released_at is None
