from django.urls import path

from sales import views

app_name = "sales"

urlpatterns = [
    path("", views.sales_list, name="list"),
    path("<int:pk>/", views.sale_detail, name="sale"),
    path("<int:pk>/validate/", views.sale_action, {"action": "validate"}, name="sale-validate"),
    path("<int:pk>/reject/", views.sale_action, {"action": "reject"}, name="sale-reject"),
    path("<int:pk>/cancel/", views.sale_action, {"action": "cancel"}, name="sale-cancel"),
    path("c/<int:conversation_id>/quote/new/", views.quote_new, name="quote-new"),
    path("c/<int:conversation_id>/quote/preview/", views.quote_preview, name="quote-preview"),
    path("products/", views.product_lookup, name="products"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote"),
    path("quotes/<int:pk>/send/", views.quote_send_view, name="quote-send"),
    path("quotes/<int:pk>/accept/", views.quote_accept_view, name="quote-accept"),
    path("quotes/<int:pk>/reject/", views.quote_reject_view, name="quote-reject"),
    path("commissions/", views.commissions, name="commissions"),
]
