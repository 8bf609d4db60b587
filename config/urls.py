from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("open311/v2/", include("api.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/", include("complaints.urls_staff")),
    path("", include("complaints.urls_citizen")),
]
