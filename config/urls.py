from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.two_factor import views as two_factor_views
from core import views as core_views
from leads import views as lead_views
from panel import media as media_views

admin.site.site_header = _("Sales CRM")
admin.site.site_title = _("Sales CRM")
admin.site.index_title = _("Back office")

api_v1 = [
    path("", include("operators.api.urls")),
    path("", include("leads.api.urls")),
    path("", include("conversations.api.urls")),
    path("", include("agreements.api.urls")),
    path("", include("sales.api.urls")),
    path("", include("calls.api.urls")),
    path("", include("quality.api.urls")),
    path("", include("tickets.api.urls")),
    path("", include("chat.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("dashboard.api.urls")),
]

urlpatterns = [
    path("", lead_views.home, name="home"),
    # The password step; people who need two-step verification go on to /accounts/two-factor/.
    path("accounts/login/", two_factor_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.two_factor.urls")),
    path("admin/login/", core_views.admin_login_redirect),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("webhooks/", include("conversations.urls")),
    path("webhooks/", include("calls.webhook_urls")),
    # A call's recordings, played back to whoever may see the call.
    path("calls/", include("calls.urls")),
    path("quality/", include("quality.urls")),
    # A pretend customer's phone through the real inbound path; 404 unless SANDBOX_ENABLED.
    path("sandbox/", include("conversations.sandbox.urls")),
    path("panel/pipeline/", include("leads.urls")),
    path("panel/", include("panel.urls")),
    path("sales/", include("sales.urls")),
    path("tickets/", include("tickets.urls")),
    path("chat/", include("chat.urls")),
    path("notifications/", include("notifications.urls")),
    # The collector's screen: debts, collection actions, agreements, payments and the follow-up calendar.
    path("collections/", include("agreements.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split: Swagger UI's start script is a file of its own (the Content Security Policy allows no inline script).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
         name="swagger-ui"),
    path("system/status/", core_views.system_status, name="system-status"),
    path("healthz", core_views.healthz, name="healthz"),
    # Media on the local disk, in every mode, for whoever may see what each file belongs to.
    path(settings.MEDIA_URL.lstrip("/") + "<path:path>", media_views.media_file, name="media"),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
