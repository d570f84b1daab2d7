from django.urls import path

from quality.api import views

urlpatterns = [
    path("audits/", views.AuditListCreateApi.as_view(), name="audit-list"),
    path("audits/<int:pk>/", views.AuditDetailApi.as_view(), name="audit-detail"),
    path("audits/<int:pk>/submit/", views.AuditSubmitApi.as_view(), name="audit-submit"),
    path("audits/<int:pk>/acknowledge/", views.AuditAcknowledgeApi.as_view(), name="audit-acknowledge"),
    path("audits/<int:pk>/dispute/", views.AuditDisputeApi.as_view(), name="audit-dispute"),
    path("audits/<int:pk>/resolve/", views.AuditResolveApi.as_view(), name="audit-resolve"),
]
