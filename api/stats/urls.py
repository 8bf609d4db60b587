from django.urls import path

from api.stats.views import StatsView

urlpatterns = [
    path("", StatsView.as_view(), name="stats"),
]
