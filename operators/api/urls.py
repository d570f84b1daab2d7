from django.urls import path

from operators.api import views

urlpatterns = [
    path("operators/", views.OperatorListCreateApi.as_view(), name="operator-list"),
    path("operators/<int:pk>/", views.OperatorDetailApi.as_view(), name="operator-detail"),
    path("products/", views.ProductListCreateApi.as_view(), name="product-list"),
    path("products/<int:pk>/", views.ProductDetailApi.as_view(), name="product-detail"),
]
