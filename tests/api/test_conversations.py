"""Chats and calls through boto3: StartChatContact, StartOutboundVoiceContact, transcript segments sent to
PUT /contact-analysis/{InstanceId}/{ContactId}/segments, and read back with boto3's `connect-contact-lens`
client. Refused requests answer with their AWS error and write nothing."""

import pytest

from ccp.models import Contact as ContactRow
from ccp.models import ContactCategory, TranscriptSegment
from ccp.services import rule_triggers
from ccp.services.offers import contact_complete
from ccp.services.tasks import task_start
from tests.api.test_hostile_input import every_table_count
from tests.api.wire import expect_error, lens_client_for, segments_put, transcript

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lens(live_server, key):
    api_key, secret = key
    return lens_client_for(live_server.url, api_key.access_key_id, secret)


@pytest.fixture
def raw_lens(live_server, key):
    api_key, secret = key
    return lens_client_for(live_server.url, api_key.access_key_id, secret, validate=False)


@pytest.fixture
def chat(connect, instance, task_flow):
    """StartChatContact on the flow (which queues into Support); returns the answer."""

    def start(**changes):
        params = {
            "InstanceId": instance.id,
            "ContactFlowId": task_flow.id,
            "ParticipantDetails": {"DisplayName": "Ana"},
            **changes,
        }
        return connect.start_chat_contact(**{k: v for k, v in params.items() if v is not None})

    return start


@pytest.fixture
def put(live_server, key, instance):
    """Send transcript segments to a contact of the key's instance (or the one named)."""
    api_key, secret = key

    def send(contact_id, *segments, instance_id=None, raw_body=None):
        return segments_put(
            live_server.url,
            access_key_id=api_key.access_key_id,
            secret=secret,
            instance_id=instance_id or instance.id,
            contact_id=contact_id,
            segments=list(segments),
            raw_body=raw_body,
        )

    return send


@pytest.fixture
def triggered(monkeypatch):
    """What reached the rules engine's entry points, in order."""
    calls = []
    monkeypatch.setattr(
        rule_triggers,
        "on_segments_added",
        lambda contact, segments, seen=None: calls.append(("segments", contact.pk, [s.segment_id for s in segments])),
    )
    monkeypatch.setattr(rule_triggers, "on_contact_ended", lambda contact: calls.append(("ended", contact.pk)))
    return calls


def all_segments(lens, instance, contact_id, **extra):
    return lens.list_realtime_contact_analysis_segments(InstanceId=instance.id, ContactId=contact_id, **extra)


def test_a_chat_runs_its_flow_into_the_queue_and_its_initial_message_is_the_first_customer_line(
    chat, lens, instance, queue
):
    answer = chat(InitialMessage={"ContentType": "text/plain", "Content": "My order never came"})
    contact = ContactRow.objects.get(pk=answer["ContactId"])

    assert (contact.channel, contact.state, contact.queue_id, contact.name) == ("CHAT", "QUEUED", queue.id, "Ana")
    listed = all_segments(lens, instance, contact.id)
    assert [s["Transcript"]["Content"] for s in listed["Segments"]] == ["My order never came"]
    line = listed["Segments"][0]["Transcript"]
    assert (line["ParticipantRole"], line["ParticipantId"]) == ("CUSTOMER", answer["ParticipantId"])
    # Real-time analysis goes on while the chat is open: Contact Lens then always answers with a NextToken.
    assert listed["NextToken"]


def test_an_outbound_call_runs_its_flow_and_queues(connect, instance, task_flow, queue):
    answer = connect.start_outbound_voice_contact(
        InstanceId=instance.id,
        ContactFlowId=task_flow.id,
        DestinationPhoneNumber="+12065550100",
        Attributes={"case": "42"},
    )
    contact = ContactRow.objects.get(pk=answer["ContactId"])

    assert (contact.channel, contact.initiation_method, contact.state) == ("VOICE", "OUTBOUND", "QUEUED")
    assert (contact.phone_number, contact.attributes, contact.queue_id) == ("+12065550100", {"case": "42"}, queue.id)
    described = connect.describe_contact(InstanceId=instance.id, ContactId=contact.id)["Contact"]
    assert (described["Channel"], described["InitiationMethod"]) == ("VOICE", "OUTBOUND")


def test_an_outbound_calls_queue_id_is_its_working_queue(connect, instance, queue):
    from ccp.services.configuration.flows import flow_create
    from tests.api.conftest import flow_document
    from tests.factories import QueueFactory

    billing = QueueFactory(instance=instance, name="Billing")
    # A flow that transfers to the working queue without setting one: the call's QueueId is that queue.
    document = flow_document(queue.id).replace('"StartAction": "set queue"', '"StartAction": "queue it"')
    flow = flow_create(instance=instance, name="To the working queue", type="CONTACT_FLOW", content=document)
    answer = connect.start_outbound_voice_contact(
        InstanceId=instance.id, ContactFlowId=flow.id, DestinationPhoneNumber="+441632960001", QueueId=billing.id
    )

    assert ContactRow.objects.get(pk=answer["ContactId"]).queue_id == billing.id


def test_the_same_client_token_starts_one_chat_and_one_call(chat, connect, instance, task_flow):
    first = chat(ClientToken="chat-1")
    before = every_table_count()
    assert chat(ClientToken="chat-1")["ContactId"] == first["ContactId"]
    call = dict(InstanceId=instance.id, ContactFlowId=task_flow.id, DestinationPhoneNumber="+12065550100")
    voice = connect.start_outbound_voice_contact(ClientToken="call-1", **call)["ContactId"]
    after_call = every_table_count()
    assert connect.start_outbound_voice_contact(ClientToken="call-1", **call)["ContactId"] == voice

    assert every_table_count() == after_call
    assert after_call["ccp_contact"] == before["ccp_contact"] + 1


def test_a_client_token_reused_with_another_request_is_refused_and_writes_nothing(chat, connect, instance, task_flow):
    chat(ClientToken="chat-1")
    connect.start_outbound_voice_contact(
        InstanceId=instance.id, ContactFlowId=task_flow.id, DestinationPhoneNumber="+12065550100", ClientToken="c"
    )
    before = every_table_count()

    message = expect_error(
        lambda: chat(ClientToken="chat-1", ParticipantDetails={"DisplayName": "Someone else"}),
        "InvalidRequestException",
        400,
    )
    assert "ClientToken" in message
    expect_error(
        lambda: connect.start_outbound_voice_contact(
            InstanceId=instance.id, ContactFlowId=task_flow.id, DestinationPhoneNumber="+12065550199", ClientToken="c"
        ),
        "InvalidRequestException",
        400,
    )
    assert every_table_count() == before


@pytest.mark.parametrize(
    "changes",
    [
        {"ParticipantDetails": {"DisplayName": "   "}},
        {"ParticipantDetails": None},
        {"ChatDurationInMinutes": 59},
        {"ChatDurationInMinutes": 10081},
        {"InitialMessage": {"ContentType": "application/pdf", "Content": "hi"}},
        {"InitialMessage": {"ContentType": "text/plain", "Content": "x" * 16385}},
        {"InitialMessage": {"ContentType": "text/plain", "Content": "   "}},
        {"Attributes": {"bad key!": "v"}},
        {"ContactFlowId": "no-such-flow"},
    ],
    ids=lambda c: next(iter(c)),
)
def test_a_bad_chat_request_is_refused_and_writes_nothing(raw_connect, instance, task_flow, changes):
    params = {"InstanceId": instance.id, "ContactFlowId": task_flow.id, "ParticipantDetails": {"DisplayName": "Ana"}}
    params.update(changes)
    before = every_table_count()

    code = "ResourceNotFoundException" if "ContactFlowId" in changes else "InvalidParameterException"
    expect_error(
        lambda: raw_connect.start_chat_contact(**{k: v for k, v in params.items() if v is not None}),
        code,
        404 if code == "ResourceNotFoundException" else 400,
    )
    assert every_table_count() == before


@pytest.mark.parametrize("number", ["12065550100", "+0123", "+1 206 555 0100", "+1234567890123456", "call me"])
def test_a_destination_that_is_not_e164_is_refused_and_writes_nothing(raw_connect, instance, task_flow, number):
    before = every_table_count()
    expect_error(
        lambda: raw_connect.start_outbound_voice_contact(
            InstanceId=instance.id, ContactFlowId=task_flow.id, DestinationPhoneNumber=number
        ),
        "InvalidParameterException",
        400,
    )
    assert every_table_count() == before


def test_an_unpublished_flow_starts_no_chat(connect, instance, task_flow):
    from ccp.models import ContactFlow

    ContactFlow.objects.filter(pk=task_flow.pk).update(status="SAVED", published_content="")
    before = every_table_count()
    expect_error(
        lambda: connect.start_chat_contact(
            InstanceId=instance.id, ContactFlowId=task_flow.id, ParticipantDetails={"DisplayName": "Ana"}
        ),
        "InvalidRequestException",
        400,
    )
    assert every_table_count() == before


def test_another_instances_flow_queue_or_contact_is_not_found(connect, instance, task_flow, outsider):
    their_task = task_start(instance=outsider["instance"], name="Theirs", contact_flow=outsider["flow"])
    before = every_table_count()
    calls = [
        lambda: connect.start_chat_contact(
            InstanceId=instance.id, ContactFlowId=outsider["flow"].id, ParticipantDetails={"DisplayName": "A"}
        ),
        lambda: connect.start_chat_contact(
            InstanceId=instance.id,
            ContactFlowId=task_flow.id,
            ParticipantDetails={"DisplayName": "A"},
            RelatedContactId=their_task.id,
        ),
        lambda: connect.start_outbound_voice_contact(
            InstanceId=instance.id,
            ContactFlowId=task_flow.id,
            DestinationPhoneNumber="+12065550100",
            QueueId=outsider["queue"].id,
        ),
    ]
    for call in calls:
        expect_error(call, "ResourceNotFoundException", 404)
    assert every_table_count() == before


def test_segments_are_stored_in_order_and_a_segment_seen_before_is_ignored(chat, put, lens, instance, triggered):
    contact_id = chat()["ContactId"]
    first = put(contact_id, transcript("s1", "Hello", role="AGENT"), transcript("s2", "Hi", begin=1000))

    assert first[0] == 200 and first[2] == {"AddedSegmentIds": ["s1", "s2"], "IgnoredSegmentIds": []}
    again = put(contact_id, transcript("s2", "Hi"), transcript("s3", "Where is it?", begin=2000, sentiment="NEGATIVE"))
    assert again[2] == {"AddedSegmentIds": ["s3"], "IgnoredSegmentIds": ["s2"]}
    assert put(contact_id, transcript("s3", "changed"))[2] == {"AddedSegmentIds": [], "IgnoredSegmentIds": ["s3"]}

    listed = [s["Transcript"] for s in all_segments(lens, instance, contact_id)["Segments"]]
    assert [(t["Id"], t["ParticipantRole"], t["Content"]) for t in listed] == [
        ("s1", "AGENT", "Hello"),
        ("s2", "CUSTOMER", "Hi"),
        ("s3", "CUSTOMER", "Where is it?"),
    ]
    assert listed[2]["Sentiment"] == "NEGATIVE" and "Sentiment" not in listed[0]
    # The rules engine saw each new segment once, after commit; a redelivery reached it with nothing.
    assert triggered == [("segments", contact_id, ["s1", "s2"]), ("segments", contact_id, ["s3"])]


def test_a_chat_and_a_call_reach_the_rules_engine_when_they_end(chat, put, instance, triggered, cast_agent):
    contact_id = chat(InitialMessage={"ContentType": "text/plain", "Content": "Hi"})["ContactId"]
    agent = cast_agent()
    ContactRow.objects.filter(pk=contact_id).update(state="CONNECTED", agent=agent)

    contact_complete(contact_id=contact_id, agent=agent)

    assert triggered[0] == ("segments", contact_id, [f"initial-{contact_id}"])
    assert triggered[-1] == ("ended", contact_id)
    # After the disconnect the transcript is closed.
    status, error, _ = put(contact_id, transcript("late", "Bye"))
    assert (status, error) == (400, "InvalidRequestException")


@pytest.fixture
def cast_agent(instance):
    from tests.factories import AgentFactory

    return lambda: AgentFactory(instance=instance)


@pytest.mark.parametrize(
    "segment",
    [
        transcript("s", "Hi", role="SYSTEM"),
        transcript("s", "Hi", sentiment="ANGRY"),
        transcript("s", "Hi", begin=5000, end=4000),
        transcript("s", "Hi", begin=-1),
        transcript("s", "x" * 16385),
        transcript("s", "   "),
        transcript("", "Hi"),
        transcript("i" * 257, "Hi"),
        {"Transcript": {"Id": "s", "Content": "no participant"}},
        {"Transcript": {**transcript("s", "Hi")["Transcript"], "BeginOffsetMillis": "soon"}},
        {"Nothing": {}},
    ],
    ids=["role", "sentiment", "end-before-begin", "negative", "long", "blank", "empty-id", "long-id", "missing",
         "type", "no-transcript"],
)
def test_a_bad_segment_is_refused_and_nothing_of_its_request_is_written(chat, put, segment):
    contact_id = chat()["ContactId"]
    before = every_table_count()

    status, error, payload = put(contact_id, transcript("good", "fine"), segment)

    assert (status, error) == (400, "InvalidParameterException"), payload
    assert payload["message"]
    assert every_table_count() == before


def test_a_request_of_101_segments_or_malformed_json_is_refused(chat, put):
    contact_id = chat()["ContactId"]
    before = every_table_count()
    assert put(contact_id, *[transcript(f"s{i}", "x") for i in range(101)])[:2] == (400, "InvalidParameterException")
    assert put(contact_id, raw_body=b"{not json")[:2] == (400, "SerializationException")
    assert put(contact_id)[:2] == (400, "InvalidParameterException")
    assert every_table_count() == before


def test_segments_for_a_task_are_refused_and_another_instances_contact_is_not_found(
    put, instance, task_flow, outsider, chat, live_server
):
    task = task_start(instance=instance, name="A task", contact_flow=task_flow)
    from ccp.services.conversations import ChatRequest, chat_start

    their_chat = chat_start(
        instance=outsider["instance"], request=ChatRequest(contact_flow=outsider["flow"], display_name="B")
    )
    before = every_table_count()

    assert put(task.id, transcript("s", "Hi"))[:2] == (400, "InvalidRequestException")
    assert put(their_chat.id, transcript("s", "Hi"))[:2] == (404, "ResourceNotFoundException")
    assert put("no-such-contact", transcript("s", "Hi"))[:2] == (404, "ResourceNotFoundException")
    # Naming the other instance in the path is refused before anything is read.
    status, error, _ = put(their_chat.id, transcript("s", "Hi"), instance_id=outsider["instance"].id)
    assert (status, error) == (403, "AccessDeniedException")
    assert every_table_count() == before


def test_an_unsigned_or_wrongly_signed_segment_request_is_refused(chat, live_server, key, instance):
    from tests.api.wire import segments_put

    contact_id = chat()["ContactId"]
    api_key, _secret = key
    before = every_table_count()
    status, error, _ = segments_put(
        live_server.url,
        access_key_id=api_key.access_key_id,
        secret="not-the-secret",
        instance_id=instance.id,
        contact_id=contact_id,
        segments=[transcript("s", "Hi")],
    )
    assert status == 403 and error in ("InvalidSignatureException", "UnrecognizedClientException")
    assert every_table_count() == before


def test_analysis_segments_come_in_pages_with_categories_and_the_last_page_of_an_ended_contact_has_no_token(
    chat, put, lens, instance
):
    contact_id = chat()["ContactId"]
    put(contact_id, *[transcript(f"s{i}", f"line {i}", begin=i * 1000) for i in range(5)])
    contact = ContactRow.objects.get(pk=contact_id)
    from django.utils import timezone

    ContactCategory.objects.create(
        instance=instance,
        contact=contact,
        name="Late delivery",
        rule_id="rule-1",
        matched_at=timezone.now(),
        contact_initiated_at=contact.initiation_timestamp,
        details={"PointsOfInterest": [{"BeginOffsetMillis": 2000, "EndOffsetMillis": 2900}]},
    )

    pages, token = [], None
    for _ in range(3):
        page = all_segments(lens, instance, contact_id, MaxResults=2, **({"NextToken": token} if token else {}))
        pages.append(page["Segments"])
        token = page.get("NextToken")
    assert [len(p) for p in pages] == [2, 2, 2]
    category = pages[2][1]["Categories"]
    assert category == {
        "MatchedCategories": ["Late delivery"],
        "MatchedDetails": {
            "Late delivery": {
                "PointsOfInterest": [{"BeginOffsetMillis": 2000, "EndOffsetMillis": 2900}],
                "RuleId": "rule-1",
            }
        },
    }
    # Still open: an empty page with a token to poll again; a new line comes on it, and only it.
    assert all_segments(lens, instance, contact_id, NextToken=token)["Segments"] == []
    put(contact_id, transcript("s5", "one more", begin=9000))
    page = all_segments(lens, instance, contact_id, NextToken=token)
    assert [s["Transcript"]["Id"] for s in page["Segments"]] == ["s5"]

    ContactRow.objects.filter(pk=contact_id).update(state="ENDED", disconnect_reason="API")
    assert "NextToken" not in all_segments(lens, instance, contact_id, MaxResults=100)


def test_list_analysis_refuses_a_forged_token_and_another_instances_contact(
    chat, raw_lens, lens, instance, outsider, task_flow
):
    contact_id = chat()["ContactId"]
    from ccp.services.conversations import ChatRequest, chat_start

    theirs = chat_start(
        instance=outsider["instance"], request=ChatRequest(contact_flow=outsider["flow"], display_name="B")
    )
    task = task_start(instance=instance, name="A task", contact_flow=task_flow)

    expect_error(lambda: all_segments(lens, instance, contact_id, NextToken="forged"), "InvalidRequestException", 400)
    expect_error(lambda: all_segments(raw_lens, instance, contact_id, MaxResults=0), "InvalidRequestException", 400)
    expect_error(lambda: all_segments(lens, instance, theirs.id), "ResourceNotFoundException", 404)
    expect_error(lambda: all_segments(lens, instance, task.id), "ResourceNotFoundException", 404)
    expect_error(
        lambda: lens.list_realtime_contact_analysis_segments(InstanceId=outsider["instance"].id, ContactId=theirs.id),
        "AccessDeniedException",
        403,
    )


def test_the_transcript_is_kept_for_the_contact_only(chat, put):
    one, two = chat()["ContactId"], chat()["ContactId"]
    put(one, transcript("same-id", "to one"))
    put(two, transcript("same-id", "to two"))
    assert dict(TranscriptSegment.objects.filter(segment_id="same-id").values_list("contact_id", "content")) == {
        one: "to one",
        two: "to two",
    }
