"""Issue 9: every query, mutation and subscription field declares who may call it.

A new field without a line in RULES fails here; so does a field whose declared rule and the
permission classes on it disagree. Fields marked "public" are open by design: what they show
is filtered by the selectors (node, me, listingImport(id) show only what the caller may see).
"""

import pytest
from django.contrib.auth.models import Permission
from graphql import GraphQLNonNull, Undefined, get_named_type, is_leaf_type

from accounts.models import User
from kernel.permissions import Perm
from schema import schema
from schema.permissions import IsAuthenticated, IsStaff
from tests.factories import UserFactory

PUBLIC = "public"
SIGNED_IN = "signed-in"
REVIEW = tuple(p for p in Perm.ALL if ".review_" in p)


def staff(*permissions: str) -> tuple:
    return ("staff", *permissions)


RULES = {
    "Query": {
        "node": PUBLIC,
        "nodes": PUBLIC,  # each id only if the caller may see it (the types' querysets)
        "enumLabels": PUBLIC,  # the words for enum values, the same for everyone
        "me": PUBLIC,
        "shopNotice": PUBLIC,
        "verificationQueue": staff(Perm.REVIEW_VERIFICATION),
        "identityQueue": staff(Perm.REVIEW_IDENTITY),
        "shopQueue": staff(Perm.REVIEW_SHOP),
        "listingAgreement": PUBLIC,
        "documentVerify": PUBLIC,
        "lot": PUBLIC,  # the hall's detail page; visibility by the type's queryset
        "listing": PUBLIC,
        "shop": PUBLIC,
        "myShop": SIGNED_IN,
        "serverTime": PUBLIC,  # anyone holding a printed serial and code
        "listings": PUBLIC,
        "myListings": SIGNED_IN,
        "listingQueue": staff(Perm.REVIEW_LISTING),
        "ownershipChangeQueue": staff(Perm.REVIEW_OWNERSHIP_CHANGE),
        "listingImport": PUBLIC,  # the uploader's (and listing reviewers'), by selector
        "listingImportTemplate": PUBLIC,
        "myListingImports": SIGNED_IN,
        "patentSearch": SIGNED_IN,
        "patentLookup": SIGNED_IN,
        "seasons": PUBLIC,
        "lots": PUBLIC,
        "registrationQueue": staff(Perm.REVIEW_REGISTRATION),
        "myRegistrations": SIGNED_IN,
        "myDeals": SIGNED_IN,
        "deals": staff(Perm.MANAGE_DEALS),
        "notifications": SIGNED_IN,
        "unreadNotificationCount": SIGNED_IN,
        "dataRoom": PUBLIC,  # the count for all; documents by selector (datarooms)
        "lotPullQueue": staff(Perm.MANAGE_AUCTIONS),
        "legalStatusFlags": staff(Perm.MANAGE_DEALS, Perm.MANAGE_AUCTIONS),
    },
    "Mutation": {
        "smsCodeSend": PUBLIC,
        "register": PUBLIC,
        "login": PUBLIC,
        "logout": SIGNED_IN,
        "passwordSet": SIGNED_IN,
        "tokenRevoke": SIGNED_IN,
        "verificationSubmit": SIGNED_IN,
        "identityApply": SIGNED_IN,
        "shopApply": SIGNED_IN,
        "shopUpdate": SIGNED_IN,
        "reviewApprove": staff(*REVIEW),
        "reviewReject": staff(*REVIEW),
        "listingCreate": SIGNED_IN,
        "listingUpdate": SIGNED_IN,
        "listingSubmit": SIGNED_IN,
        "listingDelist": SIGNED_IN,
        "dataRoomDocumentAdd": SIGNED_IN,
        "dataRoomAgreementAccept": SIGNED_IN,
        "lotPullDecide": staff(Perm.MANAGE_AUCTIONS),
        "ownershipChangeApply": SIGNED_IN,
        "listingImportUpload": SIGNED_IN,
        "listingImportCommit": SIGNED_IN,
        "seasonCreate": staff(Perm.MANAGE_AUCTIONS),
        "sessionCreate": staff(Perm.MANAGE_AUCTIONS),
        "lotCreate": staff(Perm.MANAGE_AUCTIONS),
        "registrationSubmit": SIGNED_IN,
        "registrationDepositConfirm": staff(Perm.REVIEW_REGISTRATION),
        "registrationPriorityMark": staff(Perm.REVIEW_REGISTRATION),
        "bidPlace": SIGNED_IN,
        "proxyBidSet": SIGNED_IN,
        "dealContractUpload": SIGNED_IN,
        "dealPaymentProofUpload": SIGNED_IN,
        "dealDeliveryConfirm": SIGNED_IN,
        "dealTransferRecord": SIGNED_IN,
        "dealCancel": staff(Perm.MANAGE_DEALS),
        "seasonResultsExport": staff(Perm.MANAGE_DEALS),
        "seasonContractTemplateSet": staff(Perm.MANAGE_AUCTIONS),
        "notificationsMarkRead": SIGNED_IN,
    },
    "Subscription": {
        "serverTime": PUBLIC,
        "myReviewDecisions": SIGNED_IN,
        "lotEvents": PUBLIC,  # public events: bidder numbers, never names
        "sessionEvents": PUBLIC,
        "listingImportProgress": SIGNED_IN,
        "myNotifications": SIGNED_IN,
    },
}


def declared_rule(field) -> object:
    """The rule the field's permission classes implement."""
    classes = list(field.permission_classes or [])
    if not classes:
        return PUBLIC
    if classes == [IsAuthenticated]:
        return SIGNED_IN
    staff_rules = [c for c in classes if issubclass(c, IsStaff)]
    if classes[0] is IsAuthenticated and len(staff_rules) == 1 and len(classes) == 2:
        return staff(*staff_rules[0].permissions)
    return ("unrecognized", tuple(c.__name__ for c in classes))


def schema_fields(root: str) -> dict:
    definition = schema.get_type_by_name(root)
    return {schema.config.name_converter.get_graphql_name(f): f for f in definition.fields}


@pytest.mark.parametrize("root", ["Query", "Mutation", "Subscription"])
def test_every_root_field_has_a_declared_rule(root):
    fields = schema_fields(root)

    assert sorted(fields) == sorted(RULES[root]), "add the new field's rule to RULES"


@pytest.mark.parametrize(
    ("root", "name"), [(root, name) for root, rules in RULES.items() for name in rules]
)
def test_each_field_enforces_the_rule_declared_for_it(root, name):
    field = schema_fields(root)[name]

    assert declared_rule(field) == RULES[root][name]


def callable_queries(rule_test) -> list[str]:
    """Query fields under a rule that take no required argument."""
    graphql_query = schema._schema.query_type
    names = []
    for name, rule in RULES["Query"].items():
        definition = graphql_query.fields[name]
        if not rule_test(rule) or any(
            isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
            for arg in definition.args.values()
        ):
            continue
        names.append(name)
    return names


def as_query(name: str) -> str:
    named = get_named_type(schema._schema.query_type.fields[name].type)
    return f"{{ {name} }}" if is_leaf_type(named) else f"{{ {name} {{ __typename }} }}"


def codes(result) -> list[str]:
    return [error["extensions"]["code"] for error in result.get("errors", [])]


@pytest.mark.django_db
@pytest.mark.parametrize("name", callable_queries(lambda rule: rule != PUBLIC))
def test_an_anonymous_caller_is_told_to_sign_in(gql, name):
    assert codes(gql(as_query(name))) == ["UNAUTHENTICATED"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", callable_queries(lambda rule: isinstance(rule, tuple)))
def test_staff_without_the_named_permission_are_forbidden(signed_in_as, name):
    others = [p for p in Perm.ALL if p not in RULES["Query"][name][1:]]
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=[p.split(".")[1] for p in others])
    )

    result = signed_in_as(User.objects.get(pk=user.pk))(as_query(name))

    assert codes(result) == ["FORBIDDEN"]
