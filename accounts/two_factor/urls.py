from django.urls import path

from accounts.two_factor import views

app_name = "two_factor"

# Mounted at /accounts/: the /accounts/two-factor/ pages are open to a session not yet verified, the
# security page is not (accounts.two_factor.middleware).
urlpatterns = [
    path("two-factor/verify/", views.verify, name="verify"),
    path("two-factor/setup/", views.setup, name="setup"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/", views.security, name="security"),
    path("security/recovery-codes/", views.regenerate_recovery_codes, name="regenerate_recovery_codes"),
    path("security/disable/", views.disable, name="disable"),
]
