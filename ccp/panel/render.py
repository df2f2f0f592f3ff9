"""The agent's whole state as htmx out-of-band fragments: what an action's answer carries and what the
websocket consumer pushes (ccp.realtime.consumers), rendered from the database each time."""

from django.template.loader import render_to_string

from ccp.selectors.panel import panel_state

PAGE = "ccp/panel.html"


def state_html(user_id: str, *, alert: str = "", alert_target: str = "column-alert", security=None) -> str:
    """The agent's whole state as out-of-band fragments (shared with the websocket consumer). `security`: the
    user's security profiles as the caller just read them (User.security_held), saving a query."""
    state = panel_state(user_id=user_id, security=security)
    return render_to_string(f"{PAGE}#state", {"state": state, "alert": alert, "alert_target": alert_target})
