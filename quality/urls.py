from django.urls import path

from quality import views, views_dashboard, views_uploads

app_name = "quality"
urlpatterns = [
    # The quality dashboard and speech analytics (supervisors, admins).
    path("", views_dashboard.dashboard, name="dashboard"),
    # Audits: the list (an analyst's team audits, an agent's own), starting one on a call or a conversation,
    # the audit page (transcript, audio, matrix), and its life: sent, acknowledged or disputed, resolved.
    path("audits/", views.audit_list, name="audit_list"),
    path("calls/<int:call_id>/audit/", views.audit_call, name="audit_call"),
    path("conversations/<int:conversation_id>/audit/", views.audit_conversation, name="audit_conversation"),
    path("audits/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("audits/<int:pk>/submit/", views.audit_submit, name="audit_submit"),
    path("audits/<int:pk>/acknowledge/", views.audit_acknowledge, name="audit_acknowledge"),
    path("audits/<int:pk>/dispute/", views.audit_dispute, name="audit_dispute"),
    path("audits/<int:pk>/resolve/", views.audit_resolve, name="audit_resolve"),
    # A recording of a call made outside the CRM, uploaded to be audited.
    path("uploads/new/", views_uploads.upload_new, name="upload_new"),
]
