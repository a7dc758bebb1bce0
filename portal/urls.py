from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from . import reports, views
from .forms import PublicAddressPasswordResetForm

portal_patterns = [
    path("accounts/free-seat/", views.free_seat_pick, name="free_seat_pick"),
    path("accounts/free-seat/confirm/", views.free_seat, name="free_seat"),
    path("accounts/seat-wish/", views.seat_wish, name="seat_wish"),
    path(
        "accounts/request-licenses/",
        reports.upgrade_request_from_refusal,
        name="upgrade_request_from_refusal",
    ),
    path(
        "accounts/request-licenses/send/",
        reports.upgrade_request_from_refusal_send,
        name="upgrade_request_from_refusal_send",
    ),
    path("licenses/usage/", reports.usage, name="usage"),
    path("licenses/ledger/", reports.ledger, name="ledger"),
    path("licenses/ledger.csv", reports.ledger_csv, name="ledger_csv"),
    path("licenses/digest/", reports.digest_subscription, name="digest_subscription"),
    path("licenses/request/", reports.upgrade_request, name="upgrade_request"),
    path("licenses/requests/", reports.upgrade_requests, name="upgrade_requests"),
    path("security/users/", views.users, name="users"),
    path("security/users/add/", views.user_add, name="user_add"),
    path("security/users/<int:user_id>/", views.user_detail, name="user"),
    path("security/users/<int:user_id>/role/", views.user_role, name="user_role"),
    path("security/users/<int:user_id>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("security/users/<int:user_id>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("security/users/<int:user_id>/invite/", views.user_invite, name="user_invite"),
    path("my/sessions/", views.my_sessions, name="my_sessions"),
    path(
        "my/sessions/<int:session_id>/sign-out/",
        views.my_session_sign_out,
        name="my_session_sign_out",
    ),
    path(
        "my/sessions/sign-out-others/",
        views.my_sessions_sign_out_others,
        name="my_sessions_sign_out_others",
    ),
]

# Django's auth views reverse these names without a namespace.
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.PortalLoginView.as_view(), name="login"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PublicAddressPasswordResetForm,
            success_url=reverse_lazy("password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", include((portal_patterns, "portal"))),
]
