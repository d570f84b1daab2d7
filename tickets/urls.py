from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list_view, name="list"),
    path("new/", views.ticket_create_view, name="create"),
    path("<int:pk>/", views.ticket_detail_view, name="detail"),
    path("<int:pk>/update/", views.ticket_update_view, name="update"),
    path("<int:pk>/comment/", views.ticket_comment_view, name="comment"),
    path("<int:pk>/attach/", views.ticket_attach_view, name="attach"),
    path("attachments/<int:pk>/", views.ticket_attachment_view, name="attachment"),
]
