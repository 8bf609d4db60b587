from django.urls import path

from complaints.views import citizen, statistics

app_name = "citizen"

urlpatterns = [
    path("", citizen.home, name="home"),
    path("ajukan/", citizen.submit, name="submit"),
    path("ajukan/terkirim/<str:tracking_number>/", citizen.submitted, name="submitted"),
    path("lacak/", citizen.track_lookup, name="track_lookup"),
    path("lacak/<str:tracking_number>/", citizen.track, name="track"),
    path("lacak/<str:tracking_number>/akses/<str:token>/", citizen.track_link,
         name="track_link"),
    path("lacak/<str:tracking_number>/bukti/", citizen.proof, name="proof"),
    path("lacak/<str:tracking_number>/aksi/<str:action>/", citizen.act, name="act"),
    path("statistik/", statistics.public_statistics, name="statistics"),
]
