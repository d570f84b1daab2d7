"""Back office: the "Export" page (form → streamed .xlsx) and the list of past exports."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from accounts.policy import scope_queryset
from core.admin_tools import ScopedAdminMixin
from core.errors import ApplicationError
from reports.exports import XLSX_CONTENT_TYPE, temporary_xlsx
from reports.forms import ExportForm
from reports.models import ExportLog
from reports.services import export_run


def can_export(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and (user.is_supervisor or user.is_backoffice or user.is_admin_role))


@admin.register(ExportLog)
class ExportLogAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "user", "row_count", "source")
    list_filter = ("kind", "source", "created_at")
    list_select_related = ("user",)
    readonly_fields = ("created_at", "kind", "user", "params", "row_count", "source")
    change_list_template = "admin/reports/exportlog/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExportLog]:
        """Everyone's exports for admins and back office; a supervisor's own and their teams' otherwise."""
        return scope_queryset(super().get_queryset(request), user=request.user, agent_field="user")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_export(request)

    def has_view_permission(self, request: HttpRequest, obj: ExportLog | None = None) -> bool:
        return can_export(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ExportLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ExportLog | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        export = path("export/", self.admin_site.admin_view(self.export_view), name="reports_export")
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The "Export" page: choose what, when, which filters and columns; the file streams back."""
        if not can_export(request):
            raise PermissionDenied
        form = ExportForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            handle = temporary_xlsx()
            try:
                result = export_run(actor=request.user, kind=form.cleaned_data["kind"], params=form.params(),
                                    handle=handle)
            except ApplicationError as exc:
                handle.close()
                self.message_user(request, exc.message, messages.ERROR)
            else:
                handle.seek(0)
                return FileResponse(handle, as_attachment=True, filename=result.filename,
                                    content_type=XLSX_CONTENT_TYPE)
        return TemplateResponse(
            request,
            "admin/reports/export.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Export to Excel"),
                "form": form,
                "opts": self.model._meta,
            },
        )
