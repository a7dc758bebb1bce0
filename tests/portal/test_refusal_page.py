"""The refusal page, made useful: what everyone sees, what a company admin can do (free a seat with
a single-use, short-lived proof of their password), and "email me when a seat frees up"."""

import datetime
import re
import time
from types import SimpleNamespace

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import proofs
from portal.models import SeatWish, UsedSignInProof
from portal.tasks import notify_seat_wishes
from sessions_seats.models import ForcedLogout, Seat, SeatSession

from ..conftest import sign_in
from ..factories import (
    CompanyAdminFactory,
    CompanyFactory,
    EntitlementFactory,
    SeatFactory,
    SeatSessionFactory,
    SeatWishFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def holders(members) -> list[Client]:
    """user1–3 hold Acme's three seats; user1 has been idle 25 minutes, user2 7, user3 just now."""
    browsers = []
    for member, idle in zip(members[:3], (25, 7, 0), strict=True):
        browser = Client()
        assert sign_in(browser, member).status_code == 302
        SeatSession.objects.filter(seat__user=member).update(
            last_activity=timezone.now() - datetime.timedelta(minutes=idle)
        )
        browsers.append(browser)
    return browsers


def token_in(page: str, action: str) -> str:
    """The proof token of the refusal page's form that posts to `action`."""
    form = page.split(f'action="{action}"', 1)[1]
    return re.search(r'name="token" value="([^"]+)"', form).group(1)


def refused_admin_page(client, company_admin) -> str:
    response = sign_in(client, company_admin)
    assert response.status_code == 403
    return response.content.decode()


def free_seat(client, token, seat, reason="Needs to approve invoices", acknowledge=True):
    data = {"token": token, "seat": seat.pk, "reason": reason}
    if acknowledge:
        data["acknowledge"] = "on"
    return client.post(reverse("portal:free_seat"), data)


# --- What the page shows ------------------------------------------------------------------------


def test_a_refused_member_sees_the_count_question_contact_and_can_ask_to_be_told(
    client, members, holders
):
    response = sign_in(client, members[3])

    page = response.content.decode()
    assert response.status_code == 403
    assert "All 3 concurrent licenses of Acme Foods are in use" in page
    assert "Do you have enough licenses?" in page
    assert "Avery Morgan" in page
    assert "Email me when a seat frees up" in page
    # Members do not see who holds the seats, and cannot free one.
    assert "Who holds the seats" not in page
    assert members[0].email not in page
    assert reverse("portal:free_seat_pick") not in page


def test_a_refused_company_admin_sees_the_holders_longest_idle_first(
    client, members, holders, company_admin
):
    page = refused_admin_page(client, company_admin)

    assert "Do you have enough licenses?" in page
    assert "Who holds the seats" in page
    positions = [page.index(member.email) for member in members[:3]]
    assert positions == sorted(positions)
    assert "25 minutes ago" in page
    assert "7 minutes ago" in page
    assert "Just now" in page
    assert members[3].email not in page


def test_no_proof_is_offered_when_the_refusal_is_not_about_full_seats(client):
    admin = CompanyAdminFactory(company=CompanyFactory())  # no license at all

    page = sign_in(client, admin).content.decode()

    assert "has no license valid today" in page
    assert 'name="token"' not in page


# --- Freeing a seat -----------------------------------------------------------------------------


def test_picking_a_holder_shows_the_unsaved_work_warning(client, members, holders, company_admin):
    token = token_in(refused_admin_page(client, company_admin), reverse("portal:free_seat_pick"))
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)

    response = client.post(reverse("portal:free_seat_pick"), {"token": token, "seat": seat.pk})

    page = response.content.decode()
    assert response.status_code == 200
    assert f"Sign out {members[0].full_name}?" in page
    assert "Forcefully signing a user out can lose their unsaved work" in page
    assert (
        "I understand that they may lose unsaved work, and I have checked with the user (or their company) first."
        in page
    )
    assert "25 minutes ago" in page
    # Only looking: nothing changed, the proof is not spent.
    assert not UsedSignInProof.objects.exists()
    assert Seat.objects.filter(released_at__isnull=True).count() == 3


def test_freeing_a_seat_signs_the_holder_out_audited_and_the_admin_in(
    client, members, holders, company_admin
):
    token = token_in(refused_admin_page(client, company_admin), reverse("portal:free_seat_pick"))
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)

    response = free_seat(client, token, seat)

    assert response.status_code == 302
    assert response.url == reverse("home")
    seat.refresh_from_db()
    assert seat.release_reason == "forced"
    assert set(seat.sessions.values_list("end_reason", flat=True)) == {"forced"}
    [record] = ForcedLogout.objects.all()
    assert (record.actor, record.target, record.actor_role) == (
        company_admin,
        members[0],
        "company_admin",
    )
    assert record.reason == "Needs to approve invoices"
    # The admin is in, on the freed seat, and capacity still holds.
    assert Seat.objects.filter(user=company_admin, released_at__isnull=True).exists()
    assert Seat.objects.filter(released_at__isnull=True).count() == 3
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert f"You signed {members[0].full_name} out" in home.content.decode()
    # The holder's browser is signed out and told why.
    forced_out = holders[0].get(reverse("home"), follow=True).content.decode()
    assert "signed you out" in forced_out
    assert "unsaved work may have been lost" in forced_out


def test_reason_and_acknowledgement_are_required_and_nothing_changes_without_them(
    client, members, holders, company_admin
):
    token = token_in(refused_admin_page(client, company_admin), reverse("portal:free_seat_pick"))
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)

    no_reason = free_seat(client, token, seat, reason="   ")
    no_ack = free_seat(client, token, seat, acknowledge=False)

    assert no_reason.status_code == no_ack.status_code == 400
    assert "Say why you are signing this user out." in no_reason.content.decode()
    assert "Confirm that you understand they may lose unsaved work." in no_ack.content.decode()
    assert Seat.objects.filter(released_at__isnull=True).count() == 3
    assert not ForcedLogout.objects.exists()
    assert not UsedSignInProof.objects.exists()
    # The proof is still good once the form is complete.
    assert free_seat(client, token, seat).status_code == 302


def assert_nothing_changed(company_admin) -> None:
    assert Seat.objects.filter(company=company_admin.company, released_at__isnull=True).count() == 3
    assert not SeatSession.objects.filter(end_reason="forced").exists()
    assert not ForcedLogout.objects.exists()
    assert not Seat.objects.filter(user=company_admin).exists()


def test_a_reused_proof_is_refused(client, members, holders, company_admin):
    token = token_in(refused_admin_page(client, company_admin), reverse("portal:free_seat_pick"))
    first = Seat.objects.get(user=members[0], released_at__isnull=True)
    second = Seat.objects.get(user=members[1], released_at__isnull=True)
    assert free_seat(client, token, first).status_code == 302
    other_browser = Client()

    response = free_seat(other_browser, token, second)

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "used already" in other_browser.get(reverse("login")).content.decode()
    assert Seat.objects.get(pk=second.pk).released_at is None
    assert ForcedLogout.objects.count() == 1


def test_a_tampered_proof_is_refused(client, members, holders, company_admin):
    token = token_in(refused_admin_page(client, company_admin), reverse("portal:free_seat_pick"))
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)
    # Sign the proof as someone else: the signature no longer matches.
    payload, _, signature = token.rpartition(":")
    tampered = f"{payload}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"

    response = free_seat(client, tampered, seat)

    assert response.url == reverse("login")
    assert "not valid" in client.get(reverse("login")).content.decode()
    assert_nothing_changed(company_admin)


def test_an_expired_proof_is_refused(client, members, holders, company_admin, monkeypatch):
    token = token_in(refused_admin_page(client, company_admin), reverse("portal:free_seat_pick"))
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)
    later = time.time() + 301
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))

    response = free_seat(client, token, seat)

    assert response.url == reverse("login")
    assert "expired" in client.get(reverse("login")).content.decode()
    assert_nothing_changed(company_admin)


def test_a_proof_dies_with_a_password_change(client, members, holders, company_admin):
    token = token_in(refused_admin_page(client, company_admin), reverse("portal:free_seat_pick"))
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)
    company_admin.set_password("a brand new passphrase")
    company_admin.save()

    assert free_seat(client, token, seat).url == reverse("login")
    assert_nothing_changed(company_admin)


def test_a_member_cannot_free_a_seat_even_with_a_well_signed_proof(client, members, holders):
    token = proofs.issue_proof(members[3], proofs.FREE_SEAT)
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)

    response = free_seat(client, token, seat)

    assert response.url == reverse("login")
    assert "Only a company admin" in client.get(reverse("login")).content.decode()
    assert Seat.objects.get(pk=seat.pk).released_at is None


def test_a_seat_wish_proof_cannot_free_a_seat(client, members, holders, company_admin):
    page = refused_admin_page(client, company_admin)
    wish_token = token_in(page, reverse("portal:seat_wish"))
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)

    assert free_seat(client, wish_token, seat).url == reverse("login")
    assert_nothing_changed(company_admin)


def test_an_admin_cannot_free_another_companys_seat(client, members, holders, company_admin):
    other_company = CompanyFactory()
    EntitlementFactory(company=other_company)
    stranger_seat = SeatFactory(user=UserFactory(company=other_company))
    SeatSessionFactory(seat=stranger_seat)
    token = token_in(refused_admin_page(client, company_admin), reverse("portal:free_seat_pick"))

    pick = client.post(reverse("portal:free_seat_pick"), {"token": token, "seat": stranger_seat.pk})
    free = free_seat(client, token, stranger_seat)

    assert pick.url == free.url == reverse("login")
    assert (
        "not held any more, or not by your company" in client.get(reverse("login")).content.decode()
    )
    assert Seat.objects.get(pk=stranger_seat.pk).released_at is None
    assert_nothing_changed(company_admin)


def test_a_seat_released_meanwhile_is_reported(client, members, holders, company_admin):
    token = token_in(refused_admin_page(client, company_admin), reverse("portal:free_seat_pick"))
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)
    holders[0].post(reverse("logout"))

    response = free_seat(client, token, seat)

    assert response.url == reverse("login")
    assert not ForcedLogout.objects.exists()
    assert not UsedSignInProof.objects.exists()


def test_garbage_posts_are_refused_politely(client, members, holders):
    for url in (reverse("portal:free_seat_pick"), reverse("portal:free_seat")):
        response = client.post(url, {"token": "", "seat": "abc"})
        assert response.status_code == 302
        assert response.url == reverse("login")
    assert client.get(reverse("portal:free_seat")).status_code == 405


# --- "Email me when a seat frees up" -------------------------------------------------------------


def test_a_member_asks_once_and_is_emailed_once_when_a_seat_frees_up(client, members, holders):
    token = token_in(sign_in(client, members[3]).content.decode(), reverse("portal:seat_wish"))

    response = client.post(reverse("portal:seat_wish"), {"token": token}, follow=True)

    assert "We will email user4@acme.example once" in response.content.decode()
    wish = SeatWish.objects.get()
    assert (wish.user, wish.company, wish.notified_at) == (members[3], members[3].company, None)
    # Still full: nobody is emailed.
    assert notify_seat_wishes()["emails_sent"] == 0
    assert mail.outbox == []

    holders[0].post(reverse("logout"))
    first = notify_seat_wishes()
    second = notify_seat_wishes()

    assert (first["emails_sent"], second["emails_sent"]) == (1, 0)
    [email] = mail.outbox
    assert email.to == ["user4@acme.example"]
    assert "A seat is free at Acme Foods" in email.subject
    wish.refresh_from_db()
    assert wish.notified_at is not None


def test_the_wish_proof_is_single_use_and_a_second_wish_is_not_duplicated(client, members, holders):
    first_token = token_in(
        sign_in(client, members[3]).content.decode(), reverse("portal:seat_wish")
    )
    client.post(reverse("portal:seat_wish"), {"token": first_token})

    reused = client.post(reverse("portal:seat_wish"), {"token": first_token}, follow=True)
    page = sign_in(client, members[3]).content.decode()

    assert "used already" in reused.content.decode()
    assert "You are on the list" in page
    assert SeatWish.objects.count() == 1


def test_the_wish_is_closed_without_email_for_whoever_got_in_meanwhile(members, holders):
    wish = SeatWishFactory(user=members[3])
    holders[0].post(reverse("logout"))
    sign_in(Client(), members[3])  # got in on their own
    holders[1].post(reverse("logout"))

    assert notify_seat_wishes()["emails_sent"] == 0

    wish.refresh_from_db()
    assert wish.notified_at is not None
    assert mail.outbox == []


def test_beat_schedules_the_wish_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["notify-seat-wishes"]
    assert entry["task"] == notify_seat_wishes.name


def test_spent_proofs_are_forgotten_once_they_could_not_be_used_anyway(company_admin, settings):
    settings.PORTAL_SIGN_IN_PROOF_MAX_AGE_SECONDS = 300
    now = timezone.now()
    old = UsedSignInProof.objects.create(
        nonce="old",
        user=company_admin,
        purpose="free_seat",
        used_at=now - datetime.timedelta(hours=1),
    )
    recent = UsedSignInProof.objects.create(
        nonce="recent", user=company_admin, purpose="free_seat", used_at=now
    )

    assert notify_seat_wishes()["proofs_purged"] == 1

    assert not UsedSignInProof.objects.filter(pk=old.pk).exists()
    assert UsedSignInProof.objects.filter(pk=recent.pk).exists()


# --- One next step, said in whole sentences ------------------------------------------------------


def refusal_card(page: str) -> str:
    """The refusal card's HTML, its whitespace folded as a browser shows it."""
    return " ".join(page.split('class="card refusal"', 1)[1].split("</section>", 1)[0].split())


def test_a_member_is_sent_to_their_company_admins_not_to_the_account_manager(
    client, company, members, holders, company_admin, account_manager
):
    CompanyAdminFactory(company=company, full_name="Bo Boss", email="bo@acme.example")

    card = refusal_card(sign_in(client, members[3]).content.decode())

    assert "Need a seat now?</strong> Ask your company admins" in card
    assert '<a href="mailto:admin@acme.example?subject=A%20Foundry%20seat">Alex Admin</a>' in card
    assert '<a href="mailto:bo@acme.example?subject=A%20Foundry%20seat">Bo Boss</a>' in card
    assert "they can free a seat for you, or request more licenses for Acme Foods." in card
    assert account_manager.email not in card
    assert "Do you have enough licenses?" not in card


def test_a_member_without_an_active_admin_is_sent_to_the_account_manager(
    client, members, holders, account_manager
):
    card = refusal_card(sign_in(client, members[3]).content.decode())

    assert (
        "<strong>Do you have enough licenses?</strong> If not, contact your account manager "
        "Avery Morgan at"
    ) in card
    assert f'href="mailto:{account_manager.email}"' in card
    assert "Your company has no active company admin." in card


def test_a_company_admin_keeps_the_account_managers_contact(
    client, members, holders, company_admin, account_manager
):
    card = refusal_card(refused_admin_page(client, company_admin))

    assert "<strong>Do you have enough licenses?</strong> If not," in card
    assert f'href="mailto:{account_manager.email}"' in card
    assert "Need a seat now?" not in card


def test_a_member_who_asked_to_be_emailed_is_told_so_on_the_page(
    client, company_admin, members, holders
):
    SeatWishFactory(user=members[3])

    card = refusal_card(sign_in(client, members[3]).content.decode())

    assert "You are on the list: we will email user4@acme.example once, when a seat frees up." in (
        card
    )
    assert "Email me when a seat frees up" not in card
    assert "Ask your company admin" in card


def test_the_confirmation_names_the_holder_in_full_and_says_one_minute(
    client, members, holders, company_admin
):
    members[0].full_name = "Mary Ann Example"
    members[0].save()
    SeatSession.objects.filter(seat__user=members[0]).update(
        last_activity=timezone.now() - datetime.timedelta(minutes=1, seconds=10)
    )
    token = token_in(refused_admin_page(client, company_admin), reverse("portal:free_seat_pick"))
    seat = Seat.objects.get(user=members[0], released_at__isnull=True)

    page = client.post(
        reverse("portal:free_seat_pick"), {"token": token, "seat": seat.pk}
    ).content.decode()

    assert "Sign Mary Ann Example out and sign me in</button>" in page
    assert "<dd>1 minute ago, on 1 device</dd>" in page


def test_the_seat_free_email_greets_the_person_by_full_name(members, holders):
    members[3].full_name = "Mary Ann Example"
    members[3].save()
    SeatWishFactory(user=members[3])
    holders[0].post(reverse("logout"))

    notify_seat_wishes()

    [email] = mail.outbox
    assert email.body.startswith("Hello Mary Ann Example,\n")
