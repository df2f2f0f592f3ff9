"""Reads of a conversation's analysis: its transcript and the categories rules gave it, for the agent's panel,
the console's contact summary and ListRealtimeContactAnalysisSegments."""

import base64
from dataclasses import dataclass

from ccp.errors import InvalidRequest
from ccp.models import Contact, ContactCategory, TranscriptSegment

# The panel and the summary show a transcript's latest lines; the API pages through all of them.
TRANSCRIPT_SHOWN = 200


@dataclass
class Transcript:
    lines: list[TranscriptSegment]
    total: int

    @property
    def hidden(self) -> int:
        """Earlier lines not shown."""
        return self.total - len(self.lines)


def transcript_latest(*, contact: Contact, limit: int = TRANSCRIPT_SHOWN) -> Transcript:
    """The contact's latest `limit` transcript lines in conversation order (by offset), and how many it has."""
    rows = list(
        TranscriptSegment.objects.filter(contact_id=contact.pk).order_by("-begin_offset_millis", "-id")[: limit + 1]
    )
    total = len(rows)
    if total > limit:
        total = TranscriptSegment.objects.filter(contact_id=contact.pk).count()
        rows = rows[:limit]
    return Transcript(lines=rows[::-1], total=total)


def contact_categories(*, contact: Contact) -> list[ContactCategory]:
    return list(ContactCategory.objects.filter(contact_id=contact.pk).order_by("matched_at", "id"))


def _token_encode(transcript_after: int, category_after: int) -> str:
    return base64.urlsafe_b64encode(f"cl1:{transcript_after}:{category_after}".encode()).decode()


def _token_decode(token: str | None) -> tuple[int, int]:
    if not token:
        return 0, 0
    try:
        version, transcript_after, category_after = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        position = int(transcript_after), int(category_after)
    except (ValueError, UnicodeError):
        raise InvalidRequest("NextToken is not a token this server issued.", field="NextToken")
    if version != "cl1" or not all(0 <= p < 2**63 for p in position):
        raise InvalidRequest("NextToken is not a token this server issued.", field="NextToken")
    return position


@dataclass
class AnalysisPage:
    segments: list  # TranscriptSegment and ContactCategory rows, in the order they arrived
    next_token: str | None


def analysis_segments_page(*, contact: Contact, next_token: str | None, max_results: int | None) -> AnalysisPage:
    """One page of the contact's analysis segments — Transcript and Categories — in the order they arrived.

    The token is the last transcript and category row read, so a caller polling an active contact gets only
    what arrived since, never a row twice. As Contact Lens does, an active contact's page always carries a
    NextToken (more may come); once the contact has disconnected, the last page has none."""
    size = max_results or 100
    transcript_after, category_after = _token_decode(next_token)
    lines = list(
        TranscriptSegment.objects.filter(contact_id=contact.pk, id__gt=transcript_after).order_by("id")[: size + 1]
    )
    categories = list(
        ContactCategory.objects.filter(contact_id=contact.pk, id__gt=category_after).order_by("id")[: size + 1]
    )
    merged = sorted(
        [(row.received_at, 0, row.id, row) for row in lines] + [(row.matched_at, 1, row.id, row) for row in categories],
        key=lambda item: item[:3],
    )
    page = [item[3] for item in merged[:size]]
    more = len(merged) > size
    for row in page:
        if isinstance(row, TranscriptSegment):
            transcript_after = max(transcript_after, row.id)
        else:
            category_after = max(category_after, row.id)
    active = contact.disconnect_timestamp is None and contact.state != "ENDED"
    token = _token_encode(transcript_after, category_after) if more or active else None
    return AnalysisPage(segments=page, next_token=token)
