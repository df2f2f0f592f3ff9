"""The count beside a page of results: a page with nothing on either side is its own count (no query), and on
PostgreSQL a count that would hold the page up past its budget says "more than" the rows shown instead, and
leaves the connection as it found it."""

import pytest
from django.db import connection, connections

from ccp.selectors.contacts import (
    COUNT_BUDGET_MS,
    TRANSCRIPT_COUNT_BUDGET_MS,
    ContactSearchFilters,
    contact_search_count,
    contact_search_page,
    count_budget_ms,
)
from tests.factories import ContactFactory, InstanceFactory


@pytest.mark.django_db
def test_a_page_with_no_page_either_side_is_the_count(instance, django_assert_num_queries):
    ContactFactory.create_batch(3, instance=instance)
    filters = ContactSearchFilters()
    page = contact_search_page(instance=instance, filters=filters, size=50)
    with django_assert_num_queries(0):
        assert contact_search_count(instance=instance, filters=filters, page=page) == (3, False)
        assert contact_search_count(instance=instance, filters=filters, page=page, cap=2) == (2, True)


@pytest.mark.django_db
def test_a_page_with_more_after_it_is_counted_up_to_the_cap(instance):
    ContactFactory.create_batch(5, instance=instance)
    ContactFactory(instance=InstanceFactory())  # another instance's contact is not counted
    filters = ContactSearchFilters()
    first = contact_search_page(instance=instance, filters=filters, size=2)
    assert contact_search_count(instance=instance, filters=filters, page=first) == (5, False)
    assert contact_search_count(instance=instance, filters=filters, page=first, cap=4) == (4, True)
    last = contact_search_page(
        instance=instance,
        filters=filters,
        size=2,
        after=contact_search_page(instance=instance, filters=filters, size=2, after=first.next_cursor).next_cursor,
    )
    # The last page has a page before it: its rows are not the whole result, so it is counted.
    assert len(last.rows) == 1
    assert contact_search_count(instance=instance, filters=filters, page=last) == (5, False)


def test_a_search_for_words_in_transcripts_gets_the_short_count_budget():
    words = [{"ParticipantRole": "", "SearchText": ["refund"], "MatchType": "MATCH_ANY"}]
    assert TRANSCRIPT_COUNT_BUDGET_MS < COUNT_BUDGET_MS
    assert count_budget_ms(ContactSearchFilters(transcript_criteria=words)) == TRANSCRIPT_COUNT_BUDGET_MS
    assert count_budget_ms(ContactSearchFilters(texts=["refund"])) == COUNT_BUDGET_MS
    assert count_budget_ms(ContactSearchFilters(categories=["Refund"])) == COUNT_BUDGET_MS


def _statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_count_past_its_budget_says_more_than_the_page(instance):
    ContactFactory.create_batch(5, instance=instance)
    filters = ContactSearchFilters()
    page = contact_search_page(instance=instance, filters=filters, size=2)
    before = _statement_timeout()
    # Another session holds the contacts table, so the count can only wait: it is cancelled at its budget.
    holder = connections.create_connection("default")
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE ccp_contact IN ACCESS EXCLUSIVE MODE")
            assert contact_search_count(instance=instance, filters=filters, page=page, budget_ms=50) == (2, True)
            cursor.execute("ROLLBACK")
    finally:
        holder.close()
    # The connection is usable, its timeout is the one it had, and an unhurried count is exact.
    assert _statement_timeout() == before
    assert contact_search_count(instance=instance, filters=filters, page=page) == (5, False)


@pytest.mark.services
@pytest.mark.django_db
def test_a_count_inside_a_transaction_puts_the_timeout_back(instance):
    ContactFactory.create_batch(3, instance=instance)
    before = _statement_timeout()
    # pytest-django's transaction is the caller's: the count's SET LOCAL must not outlive the count.
    assert contact_search_count(instance=instance, filters=ContactSearchFilters(), budget_ms=5000) == (3, False)
    assert _statement_timeout() == before


def _parallel_workers() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


@pytest.mark.services
@pytest.mark.django_db
def test_a_page_reads_without_parallel_workers_and_puts_the_setting_back(instance):
    ContactFactory.create_batch(3, instance=instance)
    before = _parallel_workers()
    seen = []

    def spy(execute, sql, params, many, context):
        if 'FROM "ccp_contact"' in sql:
            seen.append(_parallel_workers())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        page = contact_search_page(instance=instance, filters=ContactSearchFilters(), size=2)
    assert len(page.rows) == 2
    # The page's query ran with no workers; the caller's transaction has its own setting back.
    assert seen == ["0"]
    assert before != "0" and _parallel_workers() == before


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_page_outside_a_transaction_leaves_the_session_with_its_parallel_workers(instance):
    ContactFactory.create_batch(3, instance=instance)
    before = _parallel_workers()
    assert len(contact_search_page(instance=instance, filters=ContactSearchFilters(), size=2).rows) == 2
    assert not connection.in_atomic_block
    assert before != "0" and _parallel_workers() == before
