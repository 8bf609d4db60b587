"""The application's URLs, plus the baseline endpoints each benchmark is compared with."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/health/", views.health),
    path("bench/baseline/list/<str:shape>/", views.baseline_list),
    path("bench/baseline/one/<str:tracking_number>/", views.baseline_one),
    path("bench/baseline/insert/", views.baseline_insert),
    path("", include("config.urls")),
]
