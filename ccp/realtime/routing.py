from django.urls import path

from ccp.realtime.consumers import AgentConsumer
from ccp.realtime.supervisor import SupervisorConsumer

websocket_urlpatterns = [
    path("ws/agent/", AgentConsumer.as_asgi()),
    path("ws/supervisor/", SupervisorConsumer.as_asgi()),
]
