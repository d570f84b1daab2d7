from django.urls import path

from panel import views

app_name = "panel"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("row/<int:pk>/", views.inbox_row, name="row"),
    path("c/<int:pk>/", views.conversation_detail, name="conversation"),
    path("c/<int:pk>/m/<int:message_id>/", views.message_detail, name="message"),
    path("c/<int:pk>/send/", views.message_send_view, name="send"),
    path("c/<int:pk>/suggest/", views.suggest_reply, name="suggest"),
    path("c/<int:pk>/read/", views.mark_read, name="read"),
    path("c/<int:pk>/take/", views.take, name="take"),
    path("c/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("c/<int:pk>/status/", views.set_status, name="status"),
    path("c/<int:pk>/note/", views.add_note, name="note"),
    path("c/<int:pk>/quick/", views.quick_replies, name="quick"),
]
