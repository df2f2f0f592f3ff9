from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out


class CcpConfig(AppConfig):
    name = "ccp"
    verbose_name = "Task contact center"

    def ready(self):
        # Imported here, not at the top: these modules import the models, which Django loads after this
        # module. They wire the layers together — the flow runner (below the services) gets the services it
        # may call, and the services (below routing) get the routing dispatch they trigger after commit.
        from ccp import checks  # noqa: F401  (registers the deploy checks)
        from ccp.realtime.publish import agent_session_end_on_logout
        from ccp.routing.engine import routing_dispatch
        from ccp.services import rule_triggers
        from ccp.services.flow_interface import flow_interface_install
        from ccp.services.hooks import conversation_ended_install, routing_dispatcher_install

        flow_interface_install()
        routing_dispatcher_install(routing_dispatch)
        # Looked up at each call, so the rules engine (or a test) that replaces the function is the one called.
        conversation_ended_install(lambda contact: rule_triggers.on_contact_ended(contact))
        # Signing out closes that session's panel sockets.
        user_logged_out.connect(agent_session_end_on_logout, dispatch_uid="ccp.session_end_on_logout")
