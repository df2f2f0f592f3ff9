from django.urls import path

from ccp.panel import views

app_name = "panel"
urlpatterns = [
    path("", views.panel, name="panel"),
    path("status/", views.status_set, name="status_set"),
    path("contacts/<str:contact_id>/accept/", views.contact_accept, name="contact_accept"),
    path("contacts/<str:contact_id>/reject/", views.contact_reject, name="contact_reject"),
    path("contacts/<str:contact_id>/end/", views.contact_complete, name="contact_complete"),
    path("contacts/<str:contact_id>/close/", views.contact_close, name="contact_close"),
    path("contacts/<str:contact_id>/transfer/", views.contact_transfer_form, name="contact_transfer_form"),
    path("contacts/<str:contact_id>/transfer/send/", views.contact_transfer, name="contact_transfer"),
    path("contacts/<str:contact_id>/numpad/", views.numpad_form, name="numpad_form"),
    path("contacts/<str:contact_id>/call/", views.call_start, name="call_start"),
    path("contacts/<str:contact_id>/hangup/", views.call_hangup, name="call_hangup"),
    path("scheduled/<str:contact_id>/cancel/", views.scheduled_cancel, name="scheduled_cancel"),
    path("scheduled/<str:contact_id>/move/", views.scheduled_move, name="scheduled_move"),
    path("tasks/new/", views.task_form, name="task_form"),
    path("tasks/", views.task_create, name="task_create"),
    path("notifications/<int:pk>/dismiss/", views.notification_dismiss, name="notification_dismiss"),
]
