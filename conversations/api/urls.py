from django.urls import path

from conversations.api import views

urlpatterns = [
    path("conversations/", views.ConversationListApi.as_view(), name="conversation-list"),
    path("conversations/<int:pk>/", views.ConversationDetailApi.as_view(), name="conversation-detail"),
    path("conversations/<int:pk>/messages/", views.ConversationMessagesApi.as_view(), name="conversation-messages"),
    path("conversations/<int:pk>/messages/<int:message_id>/intent/", views.MessageIntentApi.as_view(),
         name="message-intent"),
    path("conversations/<int:pk>/assign/", views.ConversationAssignApi.as_view(), name="conversation-assign"),
    path("conversations/<int:pk>/transfer/", views.ConversationTransferApi.as_view(), name="conversation-transfer"),
    path("conversations/<int:pk>/status/", views.ConversationStatusApi.as_view(), name="conversation-status"),
    path("conversations/<int:pk>/read/", views.ConversationReadApi.as_view(), name="conversation-read"),
    path("conversations/<int:pk>/notes/", views.ConversationNotesApi.as_view(), name="conversation-notes"),
    path("conversations/<int:pk>/tags/", views.ConversationTagsApi.as_view(), name="conversation-tags"),
    path("conversations/<int:pk>/suggest-reply/", views.ConversationSuggestReplyApi.as_view(),
         name="conversation-suggest-reply"),
    path("conversations/<int:pk>/summary/", views.ConversationSummaryApi.as_view(), name="conversation-summary"),
    path("conversations/by-phone/<str:phone>/status/", views.ByPhoneStatusApi.as_view(), name="by-phone-status"),
    path("conversations/by-phone/<str:phone>/history/", views.ByPhoneHistoryApi.as_view(), name="by-phone-history"),
    path("conversations/by-phone/<str:phone>/reset/", views.ByPhoneResetApi.as_view(), name="by-phone-reset"),
]
