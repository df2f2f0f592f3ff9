from django.urls import path

from admin_console.views import (
    analytics,
    audit,
    contact_actions,
    contacts,
    dashboard,
    flows,
    integrations,
    reports,
    routing,
    rules,
    security_profiles,
    settings,
    timers,
    users,
)

app_name = "admin_console"


def crud(prefix, module, name):
    """The four routes of a configuration object: list, add, edit, delete."""
    return [
        path(f"{prefix}/", getattr(module, f"{name}_list"), name=f"{name}_list"),
        path(f"{prefix}/add/", getattr(module, f"{name}_edit"), name=f"{name}_add"),
        path(f"{prefix}/<str:pk>/edit/", getattr(module, f"{name}_edit"), name=f"{name}_edit"),
        path(f"{prefix}/<str:pk>/delete/", getattr(module, f"{name}_delete"), name=f"{name}_delete"),
    ]


urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    *crud("queues", routing, "queue"),
    *crud("routing-profiles", routing, "routing_profile"),
    *crud("quick-connects", routing, "quick_connect"),
    *crud("hours", routing, "hours"),
    *crud("flows", flows, "flow"),
    path("flows/<str:pk>/", flows.flow_detail, name="flow_detail"),
    path("flows/<str:pk>/publish/", flows.flow_publish, name="flow_publish"),
    *crud("task-templates", flows, "task_template"),
    path("task-templates/field-row/", flows.task_template_field_row, name="task_template_field_row"),
    path("task-templates/preview/", flows.task_template_preview, name="task_template_preview"),
    *crud("users", users, "user"),
    *crud("agent-statuses", users, "agent_status"),
    *crud("security-profiles", security_profiles, "security_profile"),
    path("contacts/", contacts.contact_search, name="contact_search"),
    path("contacts/export/", contacts.contact_export, name="contact_export"),
    path("contacts/<str:pk>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<str:pk>/<str:action>/", contact_actions.contact_action, name="contact_action"),
    path("real-time/", analytics.realtime, name="realtime"),
    path("real-time/agents/<str:pk>/offline/", analytics.realtime_agent_offline, name="realtime_agent_offline"),
    path("historical/", reports.historical_report, name="historical_report"),
    path("historical/save/", reports.historical_report_save, name="historical_report_save"),
    path("historical/saved/<str:pk>/", reports.historical_report_open, name="historical_report_open"),
    path("settings/", settings.instance_settings, name="instance_settings"),
    path("api-keys/", settings.api_key_list, name="api_key_list"),
    path("api-keys/add/", settings.api_key_create, name="api_key_add"),
    path("api-keys/<int:pk>/revoke/", settings.api_key_revoke, name="api_key_revoke"),
    path("parked-timers/", timers.parked_timer_list, name="parked_timer_list"),
    *crud("rules", rules, "rule"),
    path("rules/<str:pk>/test/", rules.rule_test, name="rule_test"),
    path("rules/<str:pk>/<str:action>/", rules.rule_publish, name="rule_publish"),
    # Third-party applications whose events rules act on (Zendesk, Salesforce, generic JSON webhooks).
    path("applications/", rules.integration_list, name="application_list"),
    path("applications/add/", rules.integration_add, name="application_add"),
    path("applications/<str:pk>/delete/", rules.integration_delete, name="application_delete"),
    path("parked-timers/<int:pk>/retry/", timers.parked_timer_retry, name="parked_timer_retry"),
    path("parked-timers/<int:pk>/dismiss/", timers.parked_timer_dismiss, name="parked_timer_dismiss"),
    path("audit-log/", audit.audit_log, name="audit_log"),
    path("integrations/", integrations.integration_list, name="integration_list"),
    path("integrations/add/", integrations.integration_edit, name="integration_add"),
    path("integrations/<int:pk>/edit/", integrations.integration_edit, name="integration_edit"),
    path("integrations/<int:pk>/delete/", integrations.integration_delete, name="integration_delete"),
    path("integrations/<int:pk>/test/", integrations.integration_test, name="integration_test"),
]
