from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        """The audit log hears of sign-ins (Django, axes) and of admin exports (core.admin_tools)."""
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        # Imported here, as in every ready(): models and signals load only once the apps registry is ready.
        from accounts import audit
        from core import admin_tools

        user_logged_in.connect(audit.audit_login, dispatch_uid="audit_login")
        user_logged_out.connect(audit.audit_logout, dispatch_uid="audit_logout")
        user_login_failed.connect(audit.audit_login_failed, dispatch_uid="audit_login_failed")
        user_locked_out.connect(audit.audit_lockout, dispatch_uid="audit_lockout")
        if audit.audit_admin_export not in admin_tools.export_subscribers:
            admin_tools.export_subscribers.append(audit.audit_admin_export)
