from django.urls import path

from sales.api import views

urlpatterns = [
    path("quotes/", views.QuoteListCreateApi.as_view(), name="quote-list"),
    path("quotes/<int:pk>/", views.QuoteDetailApi.as_view(), name="quote-detail"),
    path("quotes/<int:pk>/accept/", views.QuoteAcceptApi.as_view(), name="quote-accept"),
    path("quotes/<int:pk>/send/", views.QuoteSendApi.as_view(), name="quote-send"),
    path("quotes/<int:pk>/reject/", views.QuoteRejectApi.as_view(), name="quote-reject"),
    path("sales/", views.SaleListCreateApi.as_view(), name="sale-list"),
    path("sales/<int:pk>/", views.SaleDetailApi.as_view(), name="sale-detail"),
    path("sales/<int:pk>/validate/", views.SaleValidateApi.as_view(), name="sale-validate"),
    path("sales/<int:pk>/reject/", views.SaleRejectApi.as_view(), name="sale-reject"),
    path("sales/<int:pk>/cancel/", views.SaleCancelApi.as_view(), name="sale-cancel"),
    path("sales/<int:pk>/installation/", views.SaleInstallationApi.as_view(), name="sale-installation"),
    path("sales/<int:pk>/receipt.pdf", views.SaleReceiptApi.as_view(), name="sale-receipt"),
    path("commissions/", views.CommissionListApi.as_view(), name="commission-list"),
]
