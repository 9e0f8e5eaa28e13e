from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path

from .graphiql import asset_view
from .ops import healthz, metrics, readyz
from .views import graphql_view

urlpatterns = [
    path("graphql", graphql_view(), name="graphql"),
    path("graphiql/<path:name>", asset_view, name="graphiql-asset"),
    path("files/", include("files.urls")),
    path("listings/", include("listings.urls")),
    path("deals/", include("deals.urls")),
    path("data-room/", include("datarooms.urls")),  # issue 14
    path("admin/", admin.site.urls),
    # issue 13: probes (answered by config.ops.RequestIdMiddleware first) and metrics
    path("healthz", healthz),
    path("readyz", readyz),
    path("metrics", metrics),
]
if settings.DEBUG:
    urlpatterns += staticfiles_urlpatterns()
