"""The rule editor's form: the trigger, conditions from plain fields (words and phrases, speaker, queues, a contact
attribute, a third-party field) that write the Function JSON — or the Function edited as JSON — and the actions
with their limits. It only validates and builds a RuleInput; ccp/services/rules.py checks again and saves."""

import json

from django import forms

from ccp import validation
from ccp.models import ContactFlow, Integration, Queue, Rule, User
from ccp.rules.dynamic import CONTACT_URL
from ccp.rules.function import CONTACT_LENS_SOURCES, THIRD_PARTY_SOURCES, VERSION
from ccp.services import rules as rule_service
from ccp.services.rules import RuleInput

TRIGGERS = [
    ("OnRealTimeCallAnalysisAvailable", "Real-time call analysis (each new utterance of an active call)"),
    ("OnPostCallAnalysisAvailable", "Post-call analysis (once, when the call ends)"),
    ("OnRealTimeChatAnalysisAvailable", "Real-time chat analysis (each new message of an active chat)"),
    ("OnPostChatAnalysisAvailable", "Post-chat analysis (once, when the chat ends)"),
    ("OnZendeskTicketCreate", "Zendesk: a ticket is created"),
    ("OnZendeskTicketStatusUpdate", "Zendesk: a ticket's status changes"),
    ("OnSalesforceCaseCreate", "Salesforce: a case is created"),
]
SPEAKERS = [("ANY", "Anyone"), ("CUSTOMER", "The customer"), ("AGENT", "The agent")]
DYNAMIC_VALUES = ["[ContactId]", "[AgentId]", "[QueueId]", "[RuleName]"]
REFERENCES_EXTRA_MAX = rule_service.TASK_EXTRA_REFERENCES_MAX


def _limit(field: str, limit: int) -> str:
    return f"Up to {limit:,} characters."


class RuleForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="Up to 200 characters. Also the category a match records.")
    event_source = forms.ChoiceField(label="When", choices=TRIGGERS)
    integration = forms.ModelChoiceField(
        queryset=Integration.objects.none(),
        required=False,
        label="Integration",
        help_text="Third-party triggers only: the application whose events this rule reads.",
    )
    # Conditions built from fields.
    phrases = forms.CharField(
        required=False,
        label="Words or phrases",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line or separated by commas; any of them matches (exact match, whole words, singular "
        "or plural).",
    )
    speaker = forms.ChoiceField(choices=SPEAKERS, initial="ANY", label="Said by")
    not_said = forms.BooleanField(required=False, label="Match when none of them was said")
    queues = forms.ModelMultipleChoiceField(
        queryset=Queue.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="In one of these queues",
    )
    attribute_key = forms.CharField(required=False, max_length=128, label="Contact attribute")
    attribute_value = forms.CharField(required=False, max_length=1024, label="equals")
    event_field = forms.CharField(
        required=False,
        max_length=128,
        label="Event field",
        help_text="Third-party triggers: a field of the event, such as Priority.",
    )
    event_operator = forms.ChoiceField(choices=[("EQUALS", "equals"), ("CONTAINS", "contains")], required=False)
    event_value = forms.CharField(required=False, max_length=1024, label="Value")
    use_json = forms.BooleanField(required=False, label="Edit the Function as JSON instead")
    function_json = forms.CharField(
        required=False,
        label="Function (Rules Function language)",
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "code"}),
        help_text=f"Version {VERSION}. Written from the fields above unless you edit it as JSON.",
    )
    # Actions.
    assign_category = forms.BooleanField(required=False, label="Assign the rule's name as a contact category")
    create_task = forms.BooleanField(required=False, label="Create a task")
    task_name = forms.CharField(required=False, max_length=512, label="Task name", help_text=_limit("name", 512))
    task_description = forms.CharField(
        required=False,
        max_length=4096,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Task description",
        help_text=_limit("description", 4096),
    )
    task_flow = forms.ModelChoiceField(
        queryset=ContactFlow.objects.none(),
        required=False,
        label="Flow",
        help_text="Only saved and published flows can route a rule's task.",
    )
    task_reference_name = forms.CharField(
        required=False,
        max_length=validation.REFERENCE_NAME_MAX,
        label="Task reference name",
        help_text="A URL reference to the source contact's page in the console.",
    )
    task_references = forms.CharField(
        required=False,
        label="More references",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"One per line, “Name | value” (URLs become links); up to {REFERENCES_EXTRA_MAX}, "
        f"{validation.REFERENCE_VALUE_MAX:,} characters each.",
    )
    send_notification = forms.BooleanField(required=False, label="Send a notification")
    notify_users = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="To",
    )
    notify_subject = forms.CharField(required=False, max_length=200, label="Subject", help_text=_limit("s", 200))
    notify_content = forms.CharField(
        required=False,
        max_length=1024,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Message",
        help_text=_limit("m", 1024),
    )
    publish_status = forms.ChoiceField(
        choices=[("DRAFT", "Draft (does not fire)"), ("PUBLISHED", "Published")], initial="DRAFT", label="Status"
    )

    def __init__(self, *args, tenant, rule: Rule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant, self.rule = tenant, rule
        self.fields["integration"].queryset = Integration.objects.filter(instance=tenant).order_by("name")
        self.fields["queues"].queryset = Queue.objects.filter(instance=tenant, queue_type="STANDARD").order_by("name")
        self.fields["task_flow"].queryset = (
            ContactFlow.objects.filter(instance=tenant).exclude(published_content="").order_by("name")
        )
        self.fields["notify_users"].queryset = User.objects.filter(instance=tenant, is_active=True).order_by("username")
        if rule is not None:
            self.fields["event_source"].disabled = True
            self.fields["integration"].disabled = True

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        source = data.get("event_source") or (self.rule.event_source if self.rule else "")
        data["function"] = self._function(data, source)
        data["actions"] = self._actions(data)
        return data

    def _function(self, data, source: str) -> str:
        if data.get("use_json"):
            text = data.get("function_json") or ""
            if not text.strip():
                raise forms.ValidationError({"function_json": "Enter the Function, or untick “Edit as JSON”."})
            return text
        conditions = []
        if source in CONTACT_LENS_SOURCES:
            prefix = f"$.ContactLens.{CONTACT_LENS_SOURCES[source]}"
            phrases = [p.strip() for line in data.get("phrases", "").splitlines() for p in line.split(",") if p.strip()]
            if phrases:
                conditions.append(
                    {
                        "Operator": "CONTAINS_ANY",
                        "Operands": phrases,
                        "ComparisonValue": f"{prefix}.ExactMatch.Transcript",
                        "FilterClause": {
                            "LogicOperator": "AND",
                            "Filters": [{"Type": "ParticipantRole", "Data": data["speaker"]}],
                        },
                        "Negate": bool(data.get("not_said")),
                    }
                )
            if data.get("queues"):
                conditions.append(
                    {
                        "Operator": "CONTAINS_ANY",
                        "Operands": [q.id for q in data["queues"]],
                        "ComparisonValue": f"{prefix}.Queue.QueueId",
                        "Negate": False,
                    }
                )
            if data.get("attribute_key"):
                conditions.append(
                    {
                        "Operator": "EQUALS",
                        "Operands": [data.get("attribute_value", "")],
                        "ComparisonValue": f"{prefix}.ContactAttribute.{data['attribute_key'].strip()}",
                        "Negate": False,
                    }
                )
        elif data.get("event_field"):
            conditions.append(
                {
                    "Operator": data.get("event_operator") or "EQUALS",
                    "Operands": [data.get("event_value", "")],
                    "ComparisonValue": f"$.ThirdParty.{THIRD_PARTY_SOURCES[source]}.{data['event_field'].strip()}",
                    "Negate": False,
                }
            )
        if not conditions:
            raise forms.ValidationError(
                "Add at least one condition (words or phrases, a queue, an attribute or an "
                "event field), or edit the Function as JSON."
            )
        return json.dumps({"Version": VERSION, "RuleFunction": {"Operator": "AND", "Operands": conditions}}, indent=2)

    def _actions(self, data) -> list:
        actions = []
        if data.get("assign_category"):
            actions.append({"ActionType": "ASSIGN_CONTACT_CATEGORY", "AssignContactCategoryAction": {}})
        if data.get("create_task"):
            if not data.get("task_name"):
                raise forms.ValidationError({"task_name": "A task needs a name."})
            if data.get("task_flow") is None:
                raise forms.ValidationError({"task_flow": "Choose the flow that routes the task."})
            references = {}
            if data.get("task_reference_name"):
                references[data["task_reference_name"].strip()] = {"Type": "URL", "Value": CONTACT_URL}
            for line in data.get("task_references", "").splitlines():
                if not line.strip():
                    continue
                ref_name, sep, value = line.partition("|")
                if not sep or not ref_name.strip():
                    raise forms.ValidationError(
                        {"task_references": f"Write each reference as “Name | value”: {line[:60]!r}."}
                    )
                value = value.strip()
                kind = "URL" if value.lower().startswith(("http://", "https://")) else "STRING"
                references[ref_name.strip()] = {"Type": kind, "Value": value}
            task = {"Name": data["task_name"], "ContactFlowId": data["task_flow"].id, "References": references}
            if data.get("task_description"):
                task["Description"] = data["task_description"]
            actions.append({"ActionType": "CREATE_TASK", "TaskAction": task})
        if data.get("send_notification"):
            if not data.get("notify_users"):
                raise forms.ValidationError({"notify_users": "Choose who gets the notification."})
            if not data.get("notify_content"):
                raise forms.ValidationError({"notify_content": "Write the message."})
            note = {
                "DeliveryMethod": "EMAIL",
                "ContentType": "PLAIN_TEXT",
                "Content": data["notify_content"],
                "Recipient": {"UserIds": [u.id for u in data["notify_users"]]},
            }
            if data.get("notify_subject"):
                note["Subject"] = data["notify_subject"]
            actions.append({"ActionType": "SEND_NOTIFICATION", "SendNotificationAction": note})
        if not actions:
            raise forms.ValidationError("Choose at least one action.")
        return actions

    def rule_input(self) -> RuleInput:
        data = self.cleaned_data
        integration = data.get("integration")
        return RuleInput(
            name=data["name"].strip(),
            event_source=data.get("event_source") or self.rule.event_source,
            function=data["function"],
            actions=data["actions"],
            publish_status=data["publish_status"],
            integration_id=integration.id if integration else "",
        )


def rule_initial(rule: Rule) -> dict:
    """The form's fields for a saved rule: its actions, and its Function as JSON (the fields are filled too when
    the Function is one the fields can write)."""
    initial = {
        "name": rule.name,
        "event_source": rule.event_source,
        "integration": rule.integration_id,
        "publish_status": rule.publish_status,
        "use_json": True,
        "function_json": rule.function,
    }
    for action in rule.actions:
        kind = action["ActionType"]
        if kind == "ASSIGN_CONTACT_CATEGORY":
            initial["assign_category"] = True
        elif kind == "CREATE_TASK":
            task = action["TaskAction"]
            lines = []
            for ref_name, ref in task.get("References", {}).items():
                if ref["Value"] == CONTACT_URL:
                    initial["task_reference_name"] = ref_name
                else:
                    lines.append(f"{ref_name} | {ref['Value']}")
            initial.update(
                create_task=True,
                task_name=task["Name"],
                task_description=task.get("Description", ""),
                task_flow=task["ContactFlowId"],
                task_references="\n".join(lines),
            )
        elif kind == "SEND_NOTIFICATION":
            note = action["SendNotificationAction"]
            initial.update(
                send_notification=True,
                notify_users=note["Recipient"]["UserIds"],
                notify_subject=note.get("Subject", ""),
                notify_content=note["Content"],
            )
    return initial


class RuleTestForm(forms.Form):
    transcript = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000)
    payload = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 5, "class": "code"}), max_length=100_000
    )


class IntegrationForm(forms.Form):
    name = forms.CharField(max_length=100)
    application = forms.ChoiceField(choices=Integration.Application.choices)
