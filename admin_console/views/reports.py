"""The historical metrics report: a time range in the instance's timezone, an interval, a grouping (queue,
agent, channel, routing profile), filters (queues, channel, routing profiles, agents: kept in the URL, so in
the CSV link and the saved definitions too), the metrics of ccp/selectors/historical.py (the same figures
GetMetricDataV2 returns), up to ten custom service levels; a table, an inline SVG chart per metric drawn on
the server, a CSV download, and report definitions saved per user."""

import csv
import datetime as dt

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_POST

from admin_console.access import instance_zone, permission_required
from ccp.models import Channel, Queue, RoutingProfile, SavedReport, User
from ccp.selectors.historical import METRICS, MetricRequest, historical_metrics
from ccp.selectors.metrics import instance_service_level
from ccp.services.reports import QUERY_MAX, saved_report_save
from ccp.validation import SERVICE_LEVEL_MAX_SECONDS, duration_format, duration_parse

INTERVALS = [("TOTAL", "Total"), ("DAY", "Day"), ("HOUR", "Hour"), ("FIFTEEN_MIN", "15 minutes")]
GROUPINGS = [("QUEUE", "Queue"), ("AGENT", "Agent"), ("CHANNEL", "Channel"), ("ROUTING_PROFILE", "Routing profile")]
MAX_RANGE = dt.timedelta(days=35)
MAX_SERVICE_LEVELS = 10
DEFAULT_METRICS = ["CONTACTS_CREATED", "CONTACTS_HANDLED", "AVG_HANDLE_TIME", "AVG_QUEUE_ANSWER_TIME"]


class ReportForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="From (day)")
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="To (day, included)")
    interval = forms.ChoiceField(choices=INTERVALS, initial="DAY")
    grouping = forms.ChoiceField(choices=[("", "None"), *GROUPINGS], required=False)
    queue = forms.MultipleChoiceField(required=False)
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Channel.choices], required=False)
    routing_profile = forms.MultipleChoiceField(required=False, label="Routing profile")
    agent = forms.MultipleChoiceField(required=False)
    metrics = forms.MultipleChoiceField(
        choices=[(name, name) for name in METRICS if name != "SERVICE_LEVEL"],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    service_levels = forms.CharField(
        required=False,
        label="Service levels (comma-separated, up to 10)",
        help_text="Each from 1s to 7d, such as 30s, 15m, 4h or 2d. Empty: the instance's default for the channel.",
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_levels"].widget.attrs["placeholder"] = duration_format(
            instance_service_level(tenant, Channel.TASK)
        )
        self.fields["queue"].choices = [
            (q.pk, q.name) for q in Queue.objects.filter(instance=tenant, queue_type="STANDARD").order_by("name")
        ]
        self.fields["routing_profile"].choices = list(
            RoutingProfile.objects.filter(instance=tenant).order_by("name").values_list("pk", "name")
        )
        # Agents: the users with a routing profile (those who take contacts), by name.
        agents = User.objects.filter(instance=tenant, routing_profile__isnull=False).order_by("username")
        self.fields["agent"].choices = [(u.pk, str(u)) for u in agents]

    def clean_service_levels(self) -> list[int]:
        raw = [p.strip() for p in (self.cleaned_data.get("service_levels") or "").split(",") if p.strip()]
        if len(raw) > MAX_SERVICE_LEVELS:
            raise forms.ValidationError(f"At most {MAX_SERVICE_LEVELS} service levels per report.")
        levels = []
        for part in raw:
            seconds = duration_parse(part)
            if seconds is None or not 1 <= seconds <= SERVICE_LEVEL_MAX_SECONDS:
                raise forms.ValidationError(f"{part[:20]!r}: a service level is 1s to 7d (such as 30s, 4h or 2d).")
            levels.append(seconds)
        return sorted(set(levels))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                raise forms.ValidationError("The end day is before the start day.")
            if data["end"] - data["start"] >= MAX_RANGE:
                raise forms.ValidationError("A report covers at most 35 days.")
            if data.get("interval") == "FIFTEEN_MIN" and data["end"] - data["start"] >= dt.timedelta(days=3):
                raise forms.ValidationError("15-minute intervals cover at most 3 days.")
        return data


def _names(tenant, grouping: str, ids) -> dict[str, str]:
    if grouping == "QUEUE":
        return dict(Queue.objects.filter(instance=tenant, pk__in=ids).values_list("pk", "name"))
    if grouping == "ROUTING_PROFILE":
        return dict(RoutingProfile.objects.filter(instance=tenant, pk__in=ids).values_list("pk", "name"))
    if grouping == "AGENT":
        return {u.pk: str(u) for u in User.objects.filter(instance=tenant, pk__in=ids)}
    return {i: str(i) for i in ids if i}


def report_run(tenant, data: dict) -> dict:
    """Columns and rows of the report for a valid form's data (shared by the page and the CSV)."""
    zone = instance_zone(tenant)
    start = dt.datetime.combine(data["start"], dt.time(), tzinfo=zone)
    end = dt.datetime.combine(data["end"] + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    names = data.get("metrics") or DEFAULT_METRICS
    # No service level named: the instance's default for the report's channel (tasks without one).
    levels = data.get("service_levels") or [instance_service_level(tenant, data.get("channel") or Channel.TASK)]
    requests = [MetricRequest(n) for n in names] + [MetricRequest("SERVICE_LEVEL", float(s)) for s in levels]
    headings = list(names) + [f"Service level {duration_format(s)} (%)" for s in levels]
    filters = {}
    if data.get("queue"):
        filters["QUEUE"] = list(data["queue"])
    if data.get("channel"):
        filters["CHANNEL"] = [data["channel"]]
    if data.get("routing_profile"):
        filters["ROUTING_PROFILE"] = list(data["routing_profile"])
    if data.get("agent"):
        filters["AGENT"] = list(data["agent"])
    grouping = data.get("grouping") or ""
    rows = historical_metrics(
        instance=tenant,
        start=start.astimezone(dt.UTC),
        end=end.astimezone(dt.UTC),
        metrics=requests,
        filters=filters,
        groupings=[grouping] if grouping else [],
        interval=data["interval"],
        timezone=str(zone),
    )
    labels = _names(tenant, grouping, {r.dimensions.get(grouping) for r in rows}) if grouping else {}
    table = []
    for row in rows:
        group = labels.get(row.dimensions.get(grouping), row.dimensions.get(grouping) or "—") if grouping else ""
        local = row.start.astimezone(zone)
        when = local.strftime("%Y-%m-%d") if data["interval"] == "DAY" else local.strftime("%Y-%m-%d %H:%M")
        if data["interval"] == "TOTAL":
            when = f"{data['start']} – {data['end']}"
        table.append({"group": group, "interval": when, "values": row.values})
    return {"headings": headings, "rows": table, "grouping": dict(GROUPINGS).get(grouping, "")}


def _chart(heading: str, rows: list[dict], index: int):
    """A bar chart of one column as inline SVG (no script, drawn here)."""
    values = [r["values"][index] for r in rows]
    top = max(values, default=0) or 1
    width, height, bar = 640, 160, max(4, min(40, 600 // max(1, len(values))))
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" class="bar"><title>{} {}: {}</title></rect>',
        (
            (
                20 + i * (bar + 2),
                height - 20 - round((height - 40) * v / top),
                bar,
                round((height - 40) * v / top),
                r["group"],
                r["interval"],
                v,
            )
            for i, (r, v) in enumerate(zip(rows, values, strict=True))
        ),
    )
    return format_html(
        '<figure class="chart"><figcaption>{}</figcaption><svg role="img" aria-label="{}" viewBox="0 0 {} {}"'
        ' width="100%" height="{}">{}<text x="0" y="12" class="axis">{}</text></svg></figure>',
        heading,
        heading,
        width,
        height,
        height,
        bars,
        top,
    )


@require_GET
@permission_required("HistoricalMetrics.View")
def historical_report(request):
    tenant = request.user.instance
    form = ReportForm(request.GET or None, tenant=tenant)
    context = {"form": form, "saved": SavedReport.objects.filter(user=request.user), "query": request.GET.urlencode()}
    if form.is_bound and form.is_valid():
        report = report_run(tenant, form.cleaned_data)
        if request.GET.get("format") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="historical-report.csv"'
            writer = csv.writer(response)
            writer.writerow([report["grouping"] or "Group", "Interval", *report["headings"]])
            for row in report["rows"]:
                writer.writerow([row["group"], row["interval"], *row["values"]])
            return response
        report["charts"] = [_chart(h, report["rows"], i) for i, h in enumerate(report["headings"])]
        context["report"] = report
    # A report asked for with bad input (an unknown queue, agent or profile, a range too long) is refused: 400.
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "admin_console/historical_report.html", context, status=status)


@require_POST
@permission_required("HistoricalMetrics.View")
def historical_report_save(request):
    """Save the current report definition under a name (the user's own; a same name replaces it)."""
    query = (request.POST.get("query") or "")[:QUERY_MAX]
    saved_report_save(user=request.user, name=request.POST.get("name") or "", query=query)
    return redirect(f"{reverse('admin_console:historical_report')}?{query}")


@require_GET
@permission_required("HistoricalMetrics.View")
def historical_report_open(request, pk):
    saved = get_object_or_404(SavedReport, pk=pk, user=request.user)
    return redirect(f"{reverse('admin_console:historical_report')}?{saved.query}")
