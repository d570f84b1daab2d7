from django.urls import path

from agreements.api import views

urlpatterns = [
    path("debts/", views.DebtListCreateApi.as_view(), name="debt-list"),
    path("debts/<int:pk>/", views.DebtDetailApi.as_view(), name="debt-detail"),
    path("debts/<int:pk>/actions/", views.DebtActionsApi.as_view(), name="debt-actions"),
    path("agreements/", views.AgreementListCreateApi.as_view(), name="agreement-list"),
    path("agreements/<int:pk>/", views.AgreementDetailApi.as_view(), name="agreement-detail"),
    path("agreements/<int:pk>/payments/", views.AgreementPaymentsApi.as_view(), name="agreement-payments"),
    path("agreements/<int:pk>/cancel/", views.AgreementCancelApi.as_view(), name="agreement-cancel"),
]
