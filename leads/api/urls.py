from django.urls import path

from leads.api import views

urlpatterns = [
    path("contacts/", views.ContactListCreateApi.as_view(), name="contact-list"),
    path("contacts/<int:pk>/", views.ContactDetailApi.as_view(), name="contact-detail"),
    path("contacts/<int:pk>/outreach-message/", views.ContactOutreachMessageApi.as_view(),
         name="contact-outreach-message"),
    path("leads/", views.LeadListCreateApi.as_view(), name="lead-list"),
    path("leads/<int:pk>/", views.LeadDetailApi.as_view(), name="lead-detail"),
]
