from django.urls import path

from dashboard.api import views

urlpatterns = [
    path("analytics/conversations/", views.ConversationsAnalyticsApi.as_view(), name="analytics-conversations"),
    path("analytics/leads/", views.LeadsAnalyticsApi.as_view(), name="analytics-leads"),
    path("analytics/agents/", views.AgentsAnalyticsApi.as_view(), name="analytics-agents"),
    path("analytics/sales/", views.SalesAnalyticsApi.as_view(), name="analytics-sales"),
]
