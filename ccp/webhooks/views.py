"""POST /webhooks/<integration id>/: a third-party application's event (ccp/services/applications.py verifies
it). Answers JSON: 200 with the rules that fired, or the refusal's status with its message."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ccp.services.applications import WebhookRefused, webhook_receive


@csrf_exempt
@require_POST
def webhook(request, integration_id: str):
    try:
        firings = webhook_receive(integration_id=integration_id, headers=request.headers, body=request.body)
    except WebhookRefused as refused:
        return JsonResponse({"message": refused.message}, status=refused.status)
    return JsonResponse(
        {
            "Fired": [
                {"RuleName": f.rule_name, "Status": f.status, "TaskId": f.task_id or None} for f in firings
            ]
        }
    )
