from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

import municipalities.urls
import rounds.urls
from accounts.views.language import set_language
from portal.views.errors import rate_limited
from portal.views.health import healthz
from portal.views.public import favicon, home

# The admin uses allauth's login (rate limits, MFA) instead of its own form.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    # Visitors see the public programme page, signed-in users their dashboard.
    path("", home, name="dashboard"),
    # The language switch; a signed-in user's choice is also the language of their e-mails.
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("municipalities/", include("municipalities.urls")),
    path("rounds/", include("rounds.urls")),
    path("rounds/", include(municipalities.urls.round_urlpatterns)),
    path("programmes/", include(rounds.urls.programme_urlpatterns)),
    path("programmes/", include(municipalities.urls.programme_urlpatterns)),
    path("households/", include("refugees.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("", include("matching.urls")),
    path("", include("api.urls")),  # /api/v1/ and /account/tokens/
    path("", include("accounts.urls")),
    path("", include("portal.urls")),
]


# Error pages live in portal/views/errors.py; allauth looks its rate-limit page up here.
handler500 = "portal.views.errors.server_error"
handler429 = rate_limited
