"""Case 1 of issue 9: being staff opens nothing by itself; each staff read names its permission."""

import pytest
from django.contrib.auth.models import Permission

from accounts.models import User
from tests.api.helpers import gid
from tests.factories import (
    IdentityFactory,
    UserFactory,
    VerificationFactory,
    bidder,
    lot,
    staff_user,
)

pytestmark = pytest.mark.django_db

QUEUES = [
    "verificationQueue",
    "identityQueue",
    "shopQueue",
    "listingQueue",
    "ownershipChangeQueue",
    "registrationQueue",
    "deals",
]

NODE = """query($id: ID!) { node(id: $id) { __typename ... on Node { id } } }"""


def bare_staff(phone: str = "13900000009", *codenames: str) -> User:
    user = UserFactory(phone=phone, is_staff=True, name="无权限员工")
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("queue", QUEUES)
def test_a_staff_account_without_permissions_is_refused_every_queue(signed_in_as, queue):
    client = signed_in_as(bare_staff())

    result = client(f"{{ {queue}(first: 5) {{ totalCount edges {{ node {{ id }} }} }} }}")

    assert result["data"] is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["FORBIDDEN"]


def test_a_staff_account_without_permissions_reads_no_applicant_data_by_id(signed_in_as):
    # given someone's verification, identity, and buyer registration
    applicant = UserFactory()
    verification = VerificationFactory(user=applicant, kind="PERSONAL", name="张三", credit_code="")
    identity = IdentityFactory(user=applicant)
    the_lot = lot()
    buyer = bidder(the_lot)
    registration = buyer.registrations.get()
    client = signed_in_as(bare_staff())

    # when the staff member asks for each by id
    seen = [
        client(NODE, {"id": gid(type_name, pk)})["data"]["node"]
        for type_name, pk in [
            ("Verification", verification.pk),
            ("Identity", identity.pk),
            ("Registration", registration.pk),
            ("User", applicant.pk),
        ]
    ]

    # then nothing is visible
    assert seen == [None, None, None, None]


def test_a_verification_reviewer_sees_verifications_but_not_deals(signed_in_as):
    VerificationFactory(status="PENDING", name="李四", kind="PERSONAL", credit_code="")
    client = signed_in_as(bare_staff("13900000008", "review_verification"))

    queue = client("{ verificationQueue(first: 5) { edges { node { name } } } }")
    deals = client("{ deals(first: 5) { totalCount } }")

    assert queue["data"]["verificationQueue"]["edges"] == [{"node": {"name": "李四"}}]
    assert [e["extensions"]["code"] for e in deals["errors"]] == ["FORBIDDEN"]


def test_a_reviewer_still_reads_the_queues_their_permissions_name(signed_in_as):
    client = signed_in_as(staff_user())

    result = client("{ registrationQueue(first: 5) { totalCount } }")

    assert result == {"data": {"registrationQueue": {"totalCount": 0}}}
