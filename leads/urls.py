from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("", views.pipeline, name="pipeline"),
    path("<int:pk>/move/", views.pipeline_move, name="pipeline-move"),
]
