from django.contrib import admin
from django.urls import include, path

from config.views import security_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("open311/v2/", include("api.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path(".well-known/security.txt", security_txt, name="security-txt"),
    path("staff/", include("complaints.urls_staff")),
    path("", include("complaints.urls_citizen")),
]
