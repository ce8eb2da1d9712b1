from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from portal.views.health import healthz
from portal.views.public import home

# The admin uses allauth's login (rate limits, MFA) instead of its own form.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Visitors see the public programme page, signed-in users their dashboard.
    path("", home, name="dashboard"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("municipalities/", include("municipalities.urls")),
    path("rounds/", include("rounds.urls")),
    path("rounds/", include("municipalities.urls_rounds")),
    path("programmes/", include("rounds.urls_programmes")),
    path("programmes/", include("municipalities.urls_programmes")),
    path("households/", include("refugees.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("", include("matching.urls_matching")),
    path("", include("api.urls")),  # /api/v1/ and /account/tokens/
    path("", include("accounts.urls")),
    path("", include("portal.urls")),
]


handler500 = "core.unavailable.server_error"


def handler429(request, exception=None):
    """allauth's rate limits answer here: audited, with a page in the user's language."""
    from django.shortcuts import render

    from accounts.audit import audit_log

    audit_log(actor=None, action="accounts.rate_limited", label=request.path[:200])
    return render(request, "429.html", status=429)
