"""The collector's screen (``/collections/``): work list, a debt's page and its forms, the calendar."""

from django.urls import path

from agreements import views

app_name = "collections"

urlpatterns = [
    path("", views.work_list, name="work"),
    path("debts/<int:pk>/", views.debt_detail, name="debt"),
    path("debts/<int:pk>/actions/", views.action_log, name="action"),
    path("debts/<int:pk>/agreement/", views.agreement_create, name="agreement_create"),
    path("debts/<int:pk>/payments/", views.payment_create, name="payment"),
    path("calendar/", views.calendar, name="calendar"),
]
