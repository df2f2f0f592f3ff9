from django.contrib.auth import views as auth_views
from django.urls import include, path

from ccp.login import ThrottledLoginView
from ccp.panel import views as panel_views

urlpatterns = [
    path("", panel_views.home, name="home"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("ccp/", include("ccp.panel.urls")),
    path("console/", include("admin_console.urls")),
    path("", include("ccp.ops.urls")),
    path("", include("ccp.webhooks.urls")),
]

handler500 = "ccp.ops.views.server_error"
