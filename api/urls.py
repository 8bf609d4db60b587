from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from api.errors import not_found

# The API docs run under the site's Content-Security-Policy with two relaxations: inline
# styles, which Swagger UI's page and Redoc's styled-components need, and Redoc's search
# worker, which its own script starts from a blob: URL. Scripts stay 'self' only: Swagger
# UI's start-up script is served as a file by the split view. (docs/security.md)
swagger_policy = csp_update({"style-src": [UNSAFE_INLINE]})
redoc_policy = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})

urlpatterns = [
    path("v1/", include("api.v1_urls")),
    path("v1/exports/", include("api.exports.urls")),
    path("v1/stats/", include("api.stats.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", swagger_policy(SpectacularSwaggerSplitView.as_view(url_name="schema")),
         name="api-docs"),
    path("redoc/", redoc_policy(SpectacularRedocView.as_view(
        url_name="schema", template_name="api/redoc.html")), name="api-redoc"),
    # Anything else under /api/ is a 404 in the API's own error shape, not an HTML page.
    re_path(r"^.*$", not_found, name="api-not-found"),
]
