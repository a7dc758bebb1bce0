"""Every change single sign-on makes: registering applications, opening app sessions under a
seat session, tying codes and tokens to them, and recording app activity on the seat."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken
from oauth2_provider.settings import oauth2_settings

from sessions_seats.services import touch_seat_session

from .models import AppSession, AppSessionCredential, AppSettings, validate_app_uri


@dataclass(frozen=True)
class Registered:
    application: Application
    # Shown once: only its hash is stored.
    client_secret: str | None


def issuer() -> str:
    """The issuer URL apps configure: the portal's public address and the provider's prefix.

    Also the `iss` of logout tokens, which are made without a request: DOT's OIDC_ISS_ENDPOINT
    when set, as DOT uses it, else built on PORTAL_BASE_URL, which must therefore be the address
    applications reach the portal at (the one discovery then names)."""
    if oauth2_settings.OIDC_ISS_ENDPOINT:
        return str(oauth2_settings.OIDC_ISS_ENDPOINT)
    discovery = reverse("oauth2_provider:oidc-connect-discovery-info")
    path = discovery[: -len("/.well-known/openid-configuration")]
    return settings.PORTAL_BASE_URL.rstrip("/") + path


@transaction.atomic
def register_application(
    name: str,
    redirect_uris: Sequence[str],
    *,
    post_logout_redirect_uris: Sequence[str] = (),
    backchannel_logout_uri: str = "",
    public: bool = False,
) -> Registered:
    """Register an application that signs people in through the portal.

    Confidential applications (with a secret) are registered by staff and trusted: they skip the
    consent screen. Public ones (no secret: single-page and native apps) must use PKCE and show
    the consent screen, since anyone can present their client id."""
    for uri in [*redirect_uris, *post_logout_redirect_uris]:
        validate_app_uri(uri)
    secret = None if public else generate_client_secret()
    application = Application(
        name=name,
        client_type=Application.CLIENT_PUBLIC if public else Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        post_logout_redirect_uris=" ".join(post_logout_redirect_uris),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=not public,
        hash_client_secret=True,
        client_secret=secret or "",
    )
    application.full_clean()
    application.save()
    app_settings = AppSettings(
        application=application, backchannel_logout_uri=backchannel_logout_uri
    )
    app_settings.full_clean()
    app_settings.save()
    return Registered(application, secret)


@transaction.atomic
def renew_registration(
    application: Application,
    redirect_uris: Sequence[str],
    *,
    post_logout_redirect_uris: Sequence[str] = (),
    backchannel_logout_uri: str = "",
) -> Registered:
    """New addresses and, for a confidential application, a new secret (the old one stops
    working at once). For an application that moved, or whose secret was lost."""
    for uri in [*redirect_uris, *post_logout_redirect_uris]:
        validate_app_uri(uri)
    secret = None
    if application.client_type == Application.CLIENT_CONFIDENTIAL:
        secret = generate_client_secret()
        application.client_secret = secret
    application.redirect_uris = " ".join(redirect_uris)
    application.post_logout_redirect_uris = " ".join(post_logout_redirect_uris)
    application.full_clean()
    application.save()
    app_settings, _created = AppSettings.objects.get_or_create(application=application)
    app_settings.backchannel_logout_uri = backchannel_logout_uri
    app_settings.full_clean()
    app_settings.save()
    return Registered(application, secret)


def open_app_session(seat_session_id: int, client_id: str) -> int | None:
    """The id of the open app session of this application under this seat session, opened if
    need be; None if no application has that client id.

    One statement, an upsert on the one-open-per-pair index (`appsession_one_open_per_pair`):
    it runs on every authorization, and two tabs of one browser may authorize at once, which
    is why a read-then-insert would need a retry. The application is found by its client id in
    the same statement, so the view does not load it again after the library did."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    meta = AppSession._meta
    column = {name: meta.get_field(name).column for name in _APP_SESSION_COLUMNS}  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {meta.db_table}
                ({column["seat_session"]}, {column["application"]},
                 {column["created_at"]}, {column["last_seen_at"]})
            SELECT %s, id, %s, %s FROM {Application._meta.db_table} WHERE client_id = %s
            ON CONFLICT ({column["seat_session"]}, {column["application"]})
                WHERE {column["ended_at"]} IS NULL
            DO UPDATE SET {column["last_seen_at"]} = excluded.{column["last_seen_at"]}
            RETURNING id
            """,
            [seat_session_id, now, now, client_id],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


_APP_SESSION_COLUMNS = ("seat_session", "application", "created_at", "last_seen_at", "ended_at")


def link(
    app_session_id: int,
    *,
    grant: Grant | None = None,
    access_token: AccessToken | None = None,
    refresh_token: RefreshToken | None = None,
) -> None:
    AppSessionCredential.objects.create(
        app_session_id=app_session_id,
        grant=grant,
        access_token=access_token,
        refresh_token=refresh_token,
    )


def live_app_session(
    *,
    grant: Grant | None = None,
    access_token: AccessToken | None = None,
    refresh_token: RefreshToken | None = None,
) -> AppSession | None:
    """The app session a code or token was issued under, if its seat session is still open.

    One whose seat session has ended is marked ended on the way."""
    if grant is not None:
        found = AppSessionCredential.objects.filter(grant=grant)
    elif access_token is not None:
        found = AppSessionCredential.objects.filter(access_token=access_token)
    elif refresh_token is not None:
        found = AppSessionCredential.objects.filter(refresh_token=refresh_token)
    else:
        return None
    credential = found.select_related("app_session__seat_session__seat__user__company").first()
    if credential is None:
        return None
    app_session = credential.app_session
    seat_session = app_session.seat_session
    if seat_session.ended_at is not None:
        # Ended before the app sessions were (before back-channel logout existed, or while the
        # receiver had not run yet): they end now, and the applications are told.
        from .backchannel import end_app_sessions

        end_app_sessions([seat_session.pk], seat_session.ended_at)
        return None
    return None if app_session.ended_at is not None else app_session


def record_app_activity(app_session: AppSession, now: datetime.datetime | None = None) -> bool:
    """An application acting for its user (a token refresh) is the user's activity: the seat
    session is touched at most once per activity window, as the seat middleware does for pages
    (docs/DESIGN.md rule 6). False if the seat session has ended meanwhile."""
    now = now or timezone.now()
    window = datetime.timedelta(seconds=settings.SEAT_ACTIVITY_WINDOW_SECONDS)
    AppSession.objects.filter(pk=app_session.pk).update(last_seen_at=now)
    if now - app_session.seat_session.last_activity < window:
        return True
    return touch_seat_session(app_session.seat_session_id, now)
