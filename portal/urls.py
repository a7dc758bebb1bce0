from django.urls import include, path

from .views import home, licenses, refusal, sessions, users

portal_patterns = [
    # What a refused user can do from the sign-in page.
    path("accounts/free-seat/", refusal.free_seat_pick, name="free_seat_pick"),
    path("accounts/free-seat/confirm/", refusal.free_seat, name="free_seat"),
    path("accounts/seat-wish/", refusal.seat_wish, name="seat_wish"),
    path(
        "accounts/request-licenses/",
        licenses.license_request_from_refusal,
        name="license_request_from_refusal",
    ),
    path(
        "accounts/request-licenses/send/",
        licenses.license_request_from_refusal_send,
        name="license_request_from_refusal_send",
    ),
    # Licenses: "Do I have enough?" and asking for more.
    path("licenses/usage/", licenses.usage, name="usage"),
    path("licenses/usage.json", licenses.usage_json, name="usage_json"),
    path("licenses/ledger/", licenses.ledger, name="ledger"),
    path("licenses/ledger.csv", licenses.ledger_csv, name="ledger_csv"),
    path("licenses/digest/", licenses.digest_subscription, name="digest_subscription"),
    path("licenses/request/", licenses.license_request, name="license_request"),
    path("licenses/requests/", licenses.license_requests, name="license_requests"),
    # Security → Users and Roles.
    path("security/users/", users.users, name="users"),
    path("security/users/add/", users.user_add, name="user_add"),
    path("security/users/<int:user_id>/", users.user_detail, name="user"),
    path("security/users/<int:user_id>/role/", users.user_role, name="user_role"),
    path("security/users/<int:user_id>/deactivate/", users.user_deactivate, name="user_deactivate"),
    path("security/users/<int:user_id>/reactivate/", users.user_reactivate, name="user_reactivate"),
    path("security/users/<int:user_id>/invite/", users.user_invite, name="user_invite"),
    path("security/users/<int:user_id>/sign-out/", users.user_sign_out, name="user_sign_out"),
    # My sessions.
    path("my/sessions/", sessions.my_sessions, name="my_sessions"),
    path(
        "my/sessions/<int:session_id>/sign-out/",
        sessions.my_session_sign_out,
        name="my_session_sign_out",
    ),
    path(
        "my/sessions/sign-out-others/",
        sessions.my_sessions_sign_out_others,
        name="my_sessions_sign_out_others",
    ),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("", include((portal_patterns, "portal"))),
]
