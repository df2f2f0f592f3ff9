from django.urls import path

from ccp.webhooks import views

urlpatterns = [path("webhooks/<str:integration_id>/", views.webhook, name="webhook")]
