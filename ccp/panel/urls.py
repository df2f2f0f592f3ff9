from django.urls import path

from ccp.panel import views

app_name = "panel"
urlpatterns = [path("", views.panel, name="panel")]
