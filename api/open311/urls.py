"""Open311 GeoReport v2 at /open311/v2/: every resource ends in its format, .xml or .json."""

from django.urls import re_path

from api.open311 import views

app_name = "open311"

FORMAT = r"\.(?P<format>[^/.]+)$"

urlpatterns = [
    re_path(r"^discovery" + FORMAT, views.DiscoveryView.as_view(), name="discovery"),
    re_path(r"^services" + FORMAT, views.ServiceListView.as_view(), name="services"),
    re_path(r"^services/(?P<service_code>[^/]+)" + FORMAT,
            views.ServiceDefinitionView.as_view(), name="service"),
    re_path(r"^requests" + FORMAT, views.RequestsView.as_view(), name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+)" + FORMAT,
            views.RequestDetailView.as_view(), name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FORMAT, views.TokenView.as_view(), name="token"),
    # Anything else, in the Open311 error shape (in XML when the path ends in .xml).
    re_path(r"^.*?(?:\.(?P<format>[^/.]+))?$", views.NotFoundView.as_view()),
]
