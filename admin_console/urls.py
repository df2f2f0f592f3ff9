from django.urls import path

from admin_console import views

app_name = "admin_console"
urlpatterns = [path("", views.dashboard, name="dashboard")]
