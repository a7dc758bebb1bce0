"""The provider's URLs, mounted under `o/` with the namespace `oauth2_provider`.

The issuer is `<portal>/o`, so discovery is at `o/.well-known/openid-configuration`. Only what
single sign-on needs is served: DOT's application-management pages (which would let any
signed-in person register applications), dynamic registration and the device flow are not.
"""

from django.urls import path, re_path
from oauth2_provider import views as dot_views

from . import views

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", views.SeatAuthorizationView.as_view(), name="authorize"),
    path("token/", dot_views.TokenView.as_view(), name="token"),
    path("revoke_token/", dot_views.RevokeTokenView.as_view(), name="revoke-token"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        views.BackchannelDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    # RFC 8414 metadata: also what the `iss` of each authorization response (RFC 9207) is
    # derived from, so that it equals the issuer.
    path(
        ".well-known/oauth-authorization-server",
        dot_views.OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path(".well-known/jwks.json", dot_views.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", views.HeaderTokenUserInfoView.as_view(), name="user-info"),
    path("logout/", views.SeatLogoutView.as_view(), name="rp-initiated-logout"),
]
