from django.urls import path

from panel import calls, followups, live, views

app_name = "panel"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("list/", views.inbox_list_view, name="inbox_list"),
    path("row/<int:pk>/", views.inbox_row, name="row"),
    path("c/<int:pk>/", views.conversation_detail, name="conversation"),
    path("c/<int:pk>/details/", views.conversation_details, name="details"),
    path("c/<int:pk>/earlier/", views.earlier_messages, name="earlier"),
    path("c/<int:pk>/m/<int:message_id>/", views.message_detail, name="message"),
    path("c/<int:pk>/m/<int:message_id>/intent/", views.intent_correct, name="intent"),
    path("c/<int:pk>/reading/", views.ai_reading, name="reading"),
    path("c/<int:pk>/send/", views.message_send_view, name="send"),
    path("c/<int:pk>/suggest/", views.suggest_reply, name="suggest"),
    path("c/<int:pk>/read/", views.mark_read, name="read"),
    path("c/<int:pk>/take/", views.take, name="take"),
    path("c/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("c/<int:pk>/status/", views.set_status, name="status"),
    path("c/<int:pk>/note/", views.add_note, name="note"),
    path("c/<int:pk>/quick/", views.quick_replies, name="quick"),
    path("kanban/", views.kanban, name="kanban"),
    path("card/<int:pk>/", views.kanban_card, name="card"),
    path("c/<int:pk>/assign/", views.assign, name="assign"),
    path("c/<int:pk>/priority/", views.set_priority, name="priority"),
    path("c/<int:pk>/contact/", views.contact_edit, name="contact"),
    path("c/<int:pk>/tags/add/", views.tag_add, name="tag_add"),
    path("c/<int:pk>/tags/remove/", views.tag_remove, name="tag_remove"),
    path("c/<int:pk>/products/", views.product_search_view, name="products"),
    path("c/<int:pk>/product/", views.product_send, name="product_send"),
]

# Live events catch-up and follow-ups (panel/live.py, panel/followups.py).
urlpatterns += [
    path("events/", live.inbox_events, name="events"),
    path("counts/", live.inbox_counts, name="counts"),
    path("c/<int:pk>/events/", live.conversation_events, name="conversation_events"),
    path("c/<int:pk>/followups/", followups.followups, name="followups"),
    path("c/<int:pk>/followups/new/", followups.followup_create, name="followup_create"),
    path("c/<int:pk>/followups/<int:followup_id>/cancel/", followups.followup_cancel_view, name="followup_cancel"),
    path("c/<int:pk>/followups/<int:followup_id>/done/", followups.followup_done_view, name="followup_done"),
]

# Calls: click to call from a conversation, the live call bar, the sidebar's call lines and their outcome.
urlpatterns += [
    path("c/<int:pk>/call/", calls.call_start_view, name="call_start"),
    path("leads/<int:lead_id>/call/", calls.lead_call_start_view, name="lead_call_start"),
    path("calls/<int:call_id>/bar/", calls.call_bar, name="call_bar"),
    path("calls/<int:call_id>/entry/", calls.call_entry, name="call_entry"),
    path("calls/<int:call_id>/outcome/", calls.call_outcome, name="call_outcome"),
]
