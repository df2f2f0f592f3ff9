import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ccp.errors import ServiceError
from ccp.models import Instance
from ccp.selectors.contact_export import FORMATS, contact_export_chunks, contact_export_filename
from ccp.selectors.contacts import SORT_FIELDS, TIME_FIELDS, ContactSearchFilters


def _when(value: str, zone) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


class Command(BaseCommand):
    help = (
        "Write a contact search to a file as CSV or JSON Lines: the console's export, read with a server-side "
        "cursor so memory stays flat. Without --start, the last 24 hours."
    )

    def add_arguments(self, parser):
        parser.add_argument("--instance", required=True, help="Instance id (or alias).")
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", help="File to write; a directory gets the console's file name; '-' stdout.")
        parser.add_argument("--time-type", choices=sorted(TIME_FIELDS), default="INITIATION_TIMESTAMP")
        parser.add_argument("--start", help="ISO date-time (the instance's timezone unless it has an offset).")
        parser.add_argument("--end", help="ISO date-time.")
        parser.add_argument("--all-time", action="store_true", help="No time range at all.")
        parser.add_argument("--channel", action="append", default=[])
        parser.add_argument("--queue", action="append", default=[], help="Queue id (repeatable).")
        parser.add_argument("--agent", action="append", default=[], help="Agent (user) id (repeatable).")
        parser.add_argument("--state", action="append", default=[], choices=["active", "scheduled", "ended"])
        parser.add_argument("--name", help="Words in the name or description.")
        parser.add_argument(
            "--category", action="append", default=[], help="A category a rule assigned (repeatable: all)."
        )
        parser.add_argument(
            "--said", action="append", default=[], help="A word or phrase in the transcript (repeatable: any)."
        )
        parser.add_argument("--said-by", choices=["AGENT", "CUSTOMER", "SYSTEM"], help="Who said it (default: anyone).")
        parser.add_argument("--sort", choices=sorted(SORT_FIELDS), default="INITIATION_TIMESTAMP")
        parser.add_argument("--ascending", action="store_true")

    def handle(self, *args, **options):
        ident = options["instance"]
        instance = Instance.objects.filter(pk=ident).first() or Instance.objects.filter(alias=ident).first()
        if instance is None:
            raise CommandError(f"No instance with id or alias {ident!r}.")
        try:
            zone = ZoneInfo(instance.timezone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        start = end = None
        if not options["all_time"]:
            start = _when(options["start"], zone) if options["start"] else timezone.now() - dt.timedelta(hours=24)
            end = _when(options["end"], zone) if options["end"] else None
        filters = ContactSearchFilters(
            time_field=options["time_type"],
            start=start,
            end=end,
            channels=options["channel"],
            queue_ids=options["queue"],
            agent_ids=options["agent"],
            states=options["state"],
            texts=[options["name"]] if options["name"] else [],
            text_match="MATCH_ALL",
            categories=options["category"],
            transcript_criteria=[
                {"ParticipantRole": options["said_by"] or "", "SearchText": options["said"], "MatchType": "MATCH_ANY"}
            ]
            if options["said"]
            else [],
            sort_field=options["sort"],
            sort_descending=not options["ascending"],
        )
        fmt = options["format"]
        target = options["output"] or contact_export_filename(instance=instance, filters=filters, fmt=fmt, zone=zone)
        try:
            if target == "-":
                self._write(self.stdout._out, instance, filters, fmt)
                return

            path = Path(target)
            if path.is_dir():
                path = path / contact_export_filename(instance=instance, filters=filters, fmt=fmt, zone=zone)
            with path.open("w", encoding="utf-8", newline="") as out:
                rows = self._write(out, instance, filters, fmt)
        except ServiceError as error:
            raise CommandError(error.message)
        self.stderr.write(f"{rows} contacts written to {path}")

    def _write(self, out, instance, filters, fmt) -> int:
        written = [0]
        for chunk in contact_export_chunks(
            instance=instance, filters=filters, fmt=fmt, counted=lambda rows: written.__setitem__(0, rows)
        ):
            out.write(chunk)
        return written[0]
