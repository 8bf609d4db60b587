from django.urls import path

from complaints.views import staff, statistics

app_name = "staff"

urlpatterns = [
    path("masuk/", staff.login_view, name="login"),
    path("keluar/", staff.logout_view, name="logout"),
    path("", staff.queue, name="queue"),
    path("catat/", staff.intake, name="intake"),
    path("complaints/<str:tracking_number>/", staff.detail, name="detail"),
    path("complaints/<str:tracking_number>/aksi/<str:action>/", staff.act, name="act"),
    path("complaints/<str:tracking_number>/pelapor/", staff.identity, name="identity"),
    path("dasbor/", statistics.dashboard, name="dashboard"),
]
