"""The NDA-gated data room (issue 14, item 4), through the API."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from agreements.models import AgreementKind
from tests.api.helpers import error_codes, gid
from tests.factories import (
    PDF_BYTES,
    UserFactory,
    bidder,
    current_agreement,
    disguised_exe,
    lot,
    pdf,
)

DATA_ROOM = """
query ($listingId: ID!) {
  dataRoom(listingId: $listingId) {
    documentCount registered canView
    agreement { kind version }
    acceptance { version acceptedAt }
    documents { id title name contentType size downloadUrl }
    downloads { documentTitle userName bidderNumber downloadedAt }
  }
}
"""
COUNT = "query ($id: ID!) { node(id: $id) { ... on Listing { dataRoomDocumentCount } } }"
ADD = """
mutation ($input: DataRoomDocumentAddInput!) {
  dataRoomDocumentAdd(input: $input) {
    document { title name contentType size downloadUrl }
    errors { code field }
  }
}
"""
ACCEPT = """
mutation ($input: DataRoomAgreementAcceptInput!) {
  dataRoomAgreementAccept(input: $input) {
    dataRoom { canView acceptance { version } documents { title downloadUrl } }
    errors { code field }
  }
}
"""


@pytest.fixture
def room(signed_in_as):
    """A lot in its notice phase whose seller attached one document through the API."""
    the_lot = lot(phase="NOTICE")
    listing = the_lot.listing
    seller = signed_in_as(listing.shop.identity.user)
    added = seller.upload(
        ADD,
        {"input": {"listingId": gid("Listing", listing.pk), "title": "技术说明书", "file": None}},
        {"input.file": pdf("spec.pdf")},
    ).json()["data"]["dataRoomDocumentAdd"]
    assert added["errors"] == []
    return the_lot, seller


def _room(client, listing):
    return client(DATA_ROOM, {"listingId": gid("Listing", listing.pk)})["data"]["dataRoom"]


def _accept(client, listing, version="2026.1"):
    return client(ACCEPT, {"input": {"listingId": gid("Listing", listing.pk), "version": version}})[
        "data"
    ]["dataRoomAgreementAccept"]


def test_the_document_count_is_public_but_the_documents_are_not(room, gql, signed_in_as):
    # given
    the_lot, _ = room
    stranger = signed_in_as(UserFactory())
    unapproved = signed_in_as(bidder(the_lot, approved=False))
    approved = signed_in_as(bidder(the_lot))
    listing_id = gid("Listing", the_lot.listing.pk)
    # then: everyone sees the count, nobody of them a file or a download link
    assert gql(COUNT, {"id": listing_id})["data"]["node"] == {"dataRoomDocumentCount": 1}
    for client in (gql, stranger, unapproved, approved):
        seen = _room(client, the_lot.listing)
        assert seen["documentCount"] == 1
        assert seen["canView"] is False
        assert seen["documents"] == []
        assert seen["downloads"] == []
    assert _room(approved, the_lot.listing)["registered"] is True
    assert _room(unapproved, the_lot.listing)["registered"] is False


def test_only_an_approved_registrant_may_accept_the_agreement(room, signed_in_as):
    the_lot, _ = room
    stranger = signed_in_as(UserFactory())
    unapproved = signed_in_as(bidder(the_lot, approved=False))
    for client in (stranger, unapproved):
        refused = _accept(client, the_lot.listing)
        assert error_codes(refused) == ["DATA_ROOM_NOT_REGISTERED"]
        assert _room(client, the_lot.listing)["documents"] == []


def test_the_agreement_must_be_accepted_by_its_current_version(room, signed_in_as):
    the_lot, _ = room
    approved = signed_in_as(bidder(the_lot))
    assert error_codes(_accept(approved, the_lot.listing, "1999.1")) == ["AGREEMENT_NOT_ACCEPTED"]
    assert _room(approved, the_lot.listing)["canView"] is False


def test_after_accepting_an_approved_registrant_sees_and_downloads_and_the_seller_sees_it(
    room, signed_in_as
):
    # given
    the_lot, seller = room
    buyer_user = bidder(the_lot)
    buyer_user.name = "李四"
    buyer_user.save(update_fields=["name"])
    approved = signed_in_as(buyer_user)
    version = current_agreement(AgreementKind.DATA_ROOM_NDA).version
    # when
    accepted = _accept(approved, the_lot.listing, version)
    # then
    assert accepted["errors"] == []
    assert accepted["dataRoom"]["canView"] is True
    assert accepted["dataRoom"]["acceptance"] == {"version": version}
    [document] = accepted["dataRoom"]["documents"]
    assert document["title"] == "技术说明书"
    assert document["downloadUrl"].startswith("http://testserver/data-room/")
    response = approved.http.get(document["downloadUrl"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    # and the seller sees who downloaded what, when
    [download] = _room(seller, the_lot.listing)["downloads"]
    registration = buyer_user.registrations.get()
    assert download["documentTitle"] == "技术说明书"
    assert download["userName"] == "李四"
    assert download["bidderNumber"] == registration.bidder_number
    assert download["downloadedAt"]
    # accepting again records nothing new and keeps the first acceptance time
    first = _room(approved, the_lot.listing)["acceptance"]["acceptedAt"]
    _accept(approved, the_lot.listing, version)
    assert _room(approved, the_lot.listing)["acceptance"]["acceptedAt"] == first


def test_a_link_issued_to_someone_who_may_no_longer_see_the_room_is_refused(room, signed_in_as):
    from agreements.models import Agreement
    from kernel.clock import now

    the_lot, seller = room
    approved = signed_in_as(bidder(the_lot))
    [document] = _accept(approved, the_lot.listing)["dataRoom"]["documents"]
    # a revised agreement takes effect: the old acceptance no longer opens the room
    Agreement.objects.create(
        kind=AgreementKind.DATA_ROOM_NDA,
        version="2026.2",
        title="数据室保密协议",
        body="…",
        effective_at=now(),
    )
    assert approved.http.get(document["downloadUrl"]).status_code == 404
    assert _room(approved, the_lot.listing)["documents"] == []
    assert _room(seller, the_lot.listing)["downloads"] == []


def test_staff_with_the_permission_always_see_the_documents(room):
    from tests.factories import staff_user

    the_lot, _ = room
    staff = staff_user()
    from tests.conftest import GraphQLClient

    client = GraphQLClient()
    client.http.force_login(staff)
    client.fetch_csrf()
    assert _room(client, the_lot.listing)["documents"] == []  # review_* permissions only
    staff.user_permissions.add(Permission.objects.get(codename="view_data_rooms"))
    [document] = _room(client, the_lot.listing)["documents"]
    assert client.http.get(document["downloadUrl"]).status_code == 200


def test_only_the_seller_adds_documents_and_disguised_files_are_refused(room, signed_in_as):
    the_lot, seller = room
    listing_id = gid("Listing", the_lot.listing.pk)
    other = signed_in_as(bidder(the_lot))
    variables = {"input": {"listingId": listing_id, "title": "补充材料", "file": None}}
    refused = other.upload(ADD, variables, {"input.file": pdf()}).json()
    assert error_codes(refused["data"]["dataRoomDocumentAdd"]) == ["NOT_FOUND"]
    disguised = seller.upload(ADD, variables, {"input.file": disguised_exe()}).json()
    assert error_codes(disguised["data"]["dataRoomDocumentAdd"]) == ["FILE_TYPE_NOT_ALLOWED"]
    assert _room(seller, the_lot.listing)["documentCount"] == 1


def test_a_document_over_the_data_room_cap_is_refused(room, settings):
    the_lot, seller = room
    settings.DATA_ROOM_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 2048, content_type="application/pdf")
    variables = {
        "input": {"listingId": gid("Listing", the_lot.listing.pk), "title": "大", "file": None}
    }
    refused = seller.upload(ADD, variables, {"input.file": big}).json()
    assert error_codes(refused["data"]["dataRoomDocumentAdd"]) == ["FILE_TOO_LARGE"]
