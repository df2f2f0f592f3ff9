"""Contact analysis on the API: transcript segments in (PUT /contact-analysis/{InstanceId}/{ContactId}/segments,
a model of ours in ccp/api/models/) and Contact Lens's ListRealtimeContactAnalysisSegments out (boto3's
`connect-contact-lens` client)."""

from ccp.api.contacts import instance_get
from ccp.errors import ResourceNotFound
from ccp.models import Channel, Contact, TranscriptSegment
from ccp.selectors.conversations import analysis_segments_page
from ccp.services.conversations import SegmentIn, transcript_segments_add


def put_contact_analysis_segments(*, instance, params) -> dict:
    """Add Transcript segments to a voice or chat contact; a segment id seen before is ignored."""
    segments = [
        SegmentIn(
            segment_id=item["Transcript"]["Id"],
            participant_id=item["Transcript"]["ParticipantId"],
            participant_role=item["Transcript"]["ParticipantRole"],
            content=item["Transcript"]["Content"],
            begin_offset_millis=item["Transcript"]["BeginOffsetMillis"],
            end_offset_millis=item["Transcript"]["EndOffsetMillis"],
            sentiment=item["Transcript"].get("Sentiment", ""),
        )
        for item in params["Segments"]
    ]
    result = transcript_segments_add(instance=instance, contact_id=params["ContactId"], segments=segments)
    return {"AddedSegmentIds": result["added"], "IgnoredSegmentIds": result["ignored"]}


def _transcript(row: TranscriptSegment) -> dict:
    transcript = {
        "Id": row.segment_id,
        "ParticipantId": row.participant_id,
        "ParticipantRole": row.participant_role,
        "Content": row.content,
        "BeginOffsetMillis": row.begin_offset_millis,
        "EndOffsetMillis": row.end_offset_millis,
    }
    if row.sentiment:
        transcript["Sentiment"] = row.sentiment
    return {"Transcript": transcript}


def _categories(row) -> dict:
    details = {"PointsOfInterest": list((row.details or {}).get("PointsOfInterest", []))}
    if row.rule_id:
        details["RuleId"] = row.rule_id
    return {"Categories": {"MatchedCategories": [row.name], "MatchedDetails": {row.name: details}}}


def list_realtime_contact_analysis_segments(*, instance, params) -> dict:
    """ListRealtimeContactAnalysisSegments: POST /realtime-contact-analysis/analysis-segments."""
    contact = instance_get(Contact, instance=instance, pk=params["ContactId"], label="Contact")
    if contact.channel not in (Channel.VOICE, Channel.CHAT):
        raise ResourceNotFound(f"Contact {contact.id!r} is a {contact.channel} contact and has no analysis.")
    page = analysis_segments_page(
        contact=contact, next_token=params.get("NextToken"), max_results=params.get("MaxResults")
    )
    return {
        "Segments": [
            _transcript(row) if isinstance(row, TranscriptSegment) else _categories(row) for row in page.segments
        ],
        "NextToken": page.next_token,
    }
