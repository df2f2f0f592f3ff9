"""Reads about hours of operation: is a HoursOfOperation open at a moment.

Config shape: [{"Day": "MONDAY", "StartTime": {"Hours": 9, "Minutes": 0}, "EndTime": {"Hours": 17,
"Minutes": 0}}] in hours.timezone. As in Amazon Connect, an end at or before the start runs past
midnight (00:00 to 00:00 is the whole day).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def _minutes(slice_: dict) -> int:
    return int(slice_.get("Hours", 0)) * 60 + int(slice_.get("Minutes", 0))


def hours_is_open(*, hours, at: datetime) -> bool:
    """Whether the hours of operation are open at an aware datetime."""
    try:
        zone = ZoneInfo(hours.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = at.astimezone(zone)
    now_minutes = local.hour * 60 + local.minute
    today = DAYS[local.weekday()]
    yesterday = DAYS[(local - timedelta(days=1)).weekday()]
    for entry in hours.config or []:
        if not isinstance(entry, dict):
            continue
        start = _minutes(entry.get("StartTime") or {})
        end = _minutes(entry.get("EndTime") or {})
        day = str(entry.get("Day", "")).upper()
        if end > start:
            if day == today and start <= now_minutes < end:
                return True
        else:
            # Runs past midnight: the evening of its own day and the morning of the next.
            if day == today and now_minutes >= start:
                return True
            if day == yesterday and now_minutes < end:
                return True
    return False
