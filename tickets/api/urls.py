from django.urls import path

from tickets.api import views

urlpatterns = [
    path("tickets/", views.TicketListCreateApi.as_view(), name="ticket-list"),
    path("tickets/<int:pk>/", views.TicketDetailApi.as_view(), name="ticket-detail"),
    path("tickets/<int:pk>/comments/", views.TicketCommentsApi.as_view(), name="ticket-comments"),
    path("tickets/<int:pk>/attachments/", views.TicketAttachmentsApi.as_view(), name="ticket-attachments"),
    path("tickets/<int:pk>/history/", views.TicketHistoryApi.as_view(), name="ticket-history"),
]
