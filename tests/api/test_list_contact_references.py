"""ListContactReferences: only the asked types, sorted by name, 100 a page with NextToken; the types
are required and a token this server did not issue is refused."""

import pytest

from tests.api.wire import expect_error

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def contact_with(connect, instance, task_flow):
    def make(references):
        return connect.start_task_contact(
            InstanceId=instance.id, ContactFlowId=task_flow.id, Name="Many links", References=references
        )["ContactId"]

    return make


@pytest.fixture
def contact_with_stored(contact_with):
    """A contact holding more references than the API now accepts (25): stored before the cap, or by hand."""

    def make(references):
        from ccp.models import Contact

        contact_id = contact_with({})
        Contact.objects.filter(pk=contact_id).update(references=references)
        return contact_id

    return make


@pytest.fixture
def references(connect, instance):
    def call(contact_id, types, **extra):
        return connect.list_contact_references(
            InstanceId=instance.id, ContactId=contact_id, ReferenceTypes=types, **extra
        )

    return call


def test_more_references_than_a_page_are_walked_with_next_token(contact_with_stored, references):
    urls = {f"link-{n:03}": {"Type": "URL", "Value": f"https://crm.example.com/{n}"} for n in range(150)}
    contact_id = contact_with_stored({**urls, "note": {"Type": "STRING", "Value": "not a URL"}})
    first = references(contact_id, ["URL"])
    assert len(first["ReferenceSummaryList"]) == 100 and first["NextToken"]
    second = references(contact_id, ["URL"], NextToken=first["NextToken"])
    assert len(second["ReferenceSummaryList"]) == 50 and "NextToken" not in second
    names = [summary["Url"]["Name"] for summary in first["ReferenceSummaryList"] + second["ReferenceSummaryList"]]
    assert names == sorted(urls)


def test_boto3s_paginator_gets_every_reference(connect, instance, contact_with_stored):
    contact_id = contact_with_stored({f"n{n:03}": {"Type": "NUMBER", "Value": str(n)} for n in range(205)})
    pages = connect.get_paginator("list_contact_references").paginate(
        InstanceId=instance.id, ContactId=contact_id, ReferenceTypes=["NUMBER"]
    )
    values = [summary["Number"]["Value"] for p in pages for summary in p["ReferenceSummaryList"]]
    assert sorted(values, key=int) == [str(n) for n in range(205)]


def test_a_few_references_fit_one_page_without_a_token(contact_with, references):
    contact_id = contact_with({"a": {"Type": "URL", "Value": "https://a.example.com"}})
    result = references(contact_id, ["URL"])
    assert result["ReferenceSummaryList"] == [{"Url": {"Name": "a", "Value": "https://a.example.com"}}]
    assert "NextToken" not in result


def test_only_the_asked_types_are_listed(contact_with, references):
    contact_id = contact_with(
        {
            "u": {"Type": "URL", "Value": "https://u.example.com"},
            "d": {"Type": "DATE", "Value": "2025-01-31"},
            "e": {"Type": "EMAIL", "Value": "ana@example.com"},
        }
    )
    listed = references(contact_id, ["DATE", "EMAIL"])["ReferenceSummaryList"]
    assert listed == [
        {"Date": {"Name": "d", "Value": "2025-01-31"}},
        {"Email": {"Name": "e", "Value": "ana@example.com"}},
    ]
    assert references(contact_id, ["ATTACHMENT"])["ReferenceSummaryList"] == []


def test_a_token_this_server_did_not_issue_is_refused(contact_with, references, nothing_written_after):
    contact_id = contact_with({"a": {"Type": "URL", "Value": "https://a.example.com"}})
    check = nothing_written_after()
    for token in ("garbage!", "djI6MTA=", "djE6LTE="):  # not base64; version v2; a negative offset
        expect_error(lambda t=token: references(contact_id, ["URL"], NextToken=t), "InvalidParameterException", 400)
    check()


def test_reference_types_are_required(raw_connect, instance, contact_with):
    contact_id = contact_with({"a": {"Type": "URL", "Value": "https://a.example.com"}})
    message = expect_error(
        lambda: raw_connect.list_contact_references(InstanceId=instance.id, ContactId=contact_id),
        "InvalidParameterException",
        400,
    )
    assert "ReferenceTypes" in message


def test_an_unknown_reference_type_is_refused(raw_connect, instance, contact_with):
    contact_id = contact_with({"a": {"Type": "URL", "Value": "https://a.example.com"}})
    expect_error(
        lambda: raw_connect.list_contact_references(
            InstanceId=instance.id, ContactId=contact_id, ReferenceTypes=["WEBSITE"]
        ),
        "InvalidParameterException",
        400,
    )


def test_references_of_an_unknown_contact_are_not_found(references):
    expect_error(lambda: references("nope", ["URL"]), "ResourceNotFoundException", 404)
