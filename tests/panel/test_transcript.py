"""The live transcript pane: an accepted chat or call shows its transcript (speaker, text, sentiment, escaped),
redrawn over the websocket as segments arrive — only after they commit — with an empty state before the
first line; every tile names its channel."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from ccp.errors import InvalidParameter
from ccp.models import RoutingProfileQueue
from ccp.panel.render import state_html
from ccp.realtime import consumers
from ccp.realtime.consumers import AgentConsumer
from ccp.services.conversations import ChatRequest, SegmentIn, chat_start, transcript_segments_add
from ccp.services.offers import contact_accept

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chatting(cast):
    """Alice, Available on a profile that takes chats, with a chat offered to her."""
    RoutingProfileQueue.objects.create(routing_profile=cast.profile, queue=cast.queue, channel="CHAT", priority=1)
    cast.profile.chat_concurrency = 3
    cast.profile.save()
    cast.available(cast.alice)
    contact = chat_start(instance=cast.instance, request=ChatRequest(contact_flow=cast.flow, display_name="Ana"))
    contact.refresh_from_db()
    assert contact.agent_id == cast.alice.id
    return contact


def line(segment_id, content, role="CUSTOMER", sentiment="", begin=0):
    return SegmentIn(segment_id, f"{role.lower()}-1", role, content, begin, begin + 500, sentiment)


def test_an_offered_chat_shows_its_channel_and_no_transcript_until_accepted(cast, chatting):
    html = state_html(cast.alice.id)
    assert 'data-channel="CHAT"' in html and ">Chat<" in html
    assert "data-transcript-empty" not in html

    contact_accept(contact_id=chatting.id, agent=cast.alice)
    html = state_html(cast.alice.id)
    assert "No transcript yet." in html and ">End chat<" in html


def test_lines_show_speaker_text_and_sentiment_escaped(cast, chatting):
    contact_accept(contact_id=chatting.id, agent=cast.alice)
    transcript_segments_add(
        instance=cast.instance,
        contact_id=chatting.id,
        segments=[
            line("1", "<script>alert(1)</script> where is my parcel?", sentiment="NEGATIVE"),
            line("2", "Let me check", role="AGENT", begin=1000),
        ],
    )
    html = state_html(cast.alice.id)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; where is my parcel?" in html
    assert html.index("where is my parcel") < html.index("Let me check")
    assert 'class="ccp-speaker">Customer<' in html and 'class="ccp-speaker">Agent<' in html
    assert ">Negative<" in html and "No transcript yet." not in html


def test_new_segments_push_a_refresh_to_the_agent_after_commit_and_refused_ones_push_nothing(cast, chatting, pushes):
    contact_accept(contact_id=chatting.id, agent=cast.alice)
    pushes.clear()

    transcript_segments_add(instance=cast.instance, contact_id=chatting.id, segments=[line("1", "Hello")])
    assert pushes.reasons(cast.alice) == ["transcript"]

    pushes.clear()
    with pytest.raises(InvalidParameter):
        transcript_segments_add(instance=cast.instance, contact_id=chatting.id, segments=[line("2", "x" * 20000)])
    transcript_segments_add(instance=cast.instance, contact_id=chatting.id, segments=[line("1", "Hello again")])
    assert pushes.reasons(cast.alice) == []  # refused, then a redelivery: nothing new to show


def test_a_segment_reaches_the_agents_socket_as_a_rendered_line(cast, chatting, monkeypatch):
    # The in-memory test database locks whole tables across threads: render on the shared thread.
    monkeypatch.setattr(consumers, "RENDER_THREAD_SENSITIVE", True)
    contact_accept(contact_id=chatting.id, agent=cast.alice)

    async def scenario():
        comm = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/agent/")
        comm.scope["user"] = cast.alice
        connected, _ = await comm.connect()
        assert connected
        first = await comm.receive_from(timeout=5)
        assert "No transcript yet." in first
        await sync_to_async(transcript_segments_add)(
            instance=cast.instance, contact_id=chatting.id, segments=[line("1", "Pushed <line>", sentiment="POSITIVE")]
        )
        html = await comm.receive_from(timeout=5)
        await comm.disconnect()
        return html

    html = async_to_sync(scenario)()
    assert 'data-segment="1"' in html and "Pushed &lt;line&gt;" in html and ">Positive<" in html
