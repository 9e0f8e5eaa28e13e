"""Patent auto-fill through the API: patentSearch and patentLookup."""

from datetime import date

import pytest

from listings.models import LegalStatus, PatentRecord, PatentType
from tests.api.helpers import error_codes
from tests.factories import UserFactory

PATENT_FIELDS = """
  number title patentType applicationDate grantDate rightsHolders inventors ipcClasses
  legalStatus abstract
"""
SEARCH = f"""
query($title: String!, $first: Int) {{
  patentSearch(title: $title, first: $first) {{
    results {{ {PATENT_FIELDS} }}
    errors {{ code field message }}
  }}
}}"""
LOOKUP = f"""
query($number: String!) {{
  patentLookup(number: $number) {{
    patent {{ {PATENT_FIELDS} }}
    errors {{ code field message }}
  }}
}}"""

CATHODE = {
    "number": "ZL202110123456.7",
    "title": "一种锂离子电池正极材料的制备方法",
    "patentType": "INVENTION",
    "applicationDate": "2021-03-01",
    "grantDate": "2023-05-06",
    "rightsHolders": ["江苏示范大学", "常州恒能储能科技有限公司"],
    "inventors": ["张三", "李四"],
    "ipcClasses": ["H01M 4/525", "H01M 4/36"],
    "legalStatus": "GRANTED",
    "abstract": "本发明公开了一种正极材料。",
}


@pytest.fixture
def registry(db):
    PatentRecord.objects.create(
        number="ZL202110123456.7",
        title="一种锂离子电池正极材料的制备方法",
        patent_type=PatentType.INVENTION,
        application_date=date(2021, 3, 1),
        grant_date=date(2023, 5, 6),
        rights_holders=["江苏示范大学", "常州恒能储能科技有限公司"],
        inventors=["张三", "李四"],
        ipc_classes=["H01M 4/525", "H01M 4/36"],
        legal_status=LegalStatus.GRANTED,
        abstract="本发明公开了一种正极材料。",
    )
    PatentRecord.objects.create(
        number="ZL202220123456.7",
        title="一种电池模组液冷板",
        patent_type=PatentType.UTILITY_MODEL,
        application_date=date(2022, 8, 1),
        legal_status=LegalStatus.PENDING,
    )


@pytest.fixture
def seller(signed_in_as):
    return signed_in_as(UserFactory())


def test_a_signed_in_user_finds_patents_by_name_with_their_key_fields(seller, registry):
    result = seller(SEARCH, {"title": "电池"})

    assert "errors" not in result
    payload = result["data"]["patentSearch"]
    assert payload["errors"] == []
    assert payload["results"] == [
        {
            "number": "ZL202220123456.7",
            "title": "一种电池模组液冷板",
            "patentType": "UTILITY_MODEL",
            "applicationDate": "2022-08-01",
            "grantDate": None,
            "rightsHolders": [],
            "inventors": [],
            "ipcClasses": [],
            "legalStatus": "PENDING",
            "abstract": "",
        },
        CATHODE,
    ]


def test_the_search_returns_at_most_first_results(seller, registry):
    payload = seller(SEARCH, {"title": "一种", "first": 1})["data"]["patentSearch"]

    assert [patent["number"] for patent in payload["results"]] == ["ZL202220123456.7"]


def test_a_search_without_matches_returns_no_results_and_no_errors(seller, registry):
    payload = seller(SEARCH, {"title": "量子计算"})["data"]["patentSearch"]

    assert payload == {"results": [], "errors": []}


def test_a_too_short_search_is_refused_with_a_typed_error(seller, registry):
    payload = seller(SEARCH, {"title": " 电 "})["data"]["patentSearch"]

    assert payload["results"] == []
    assert error_codes(payload) == ["PATENT_SEARCH_TOO_SHORT"]
    assert payload["errors"][0]["field"] == "title"
    assert "2" in payload["errors"][0]["message"]


def test_an_unavailable_service_is_a_typed_error(seller, registry, settings):
    settings.PATENT_PROVIDER = "listings.patents.HttpPatentProvider"
    settings.PATENT_SERVICE_URL = ""

    search = seller(SEARCH, {"title": "电池"})["data"]["patentSearch"]
    lookup = seller(LOOKUP, {"number": "ZL202110123456.7"})["data"]["patentLookup"]

    assert (search["results"], error_codes(search)) == ([], ["PATENT_SERVICE_UNAVAILABLE"])
    assert (lookup["patent"], error_codes(lookup)) == (None, ["PATENT_SERVICE_UNAVAILABLE"])
    assert search["errors"][0]["field"] is None


def test_a_signed_in_user_looks_a_patent_up_by_its_number(seller, registry):
    payload = seller(LOOKUP, {"number": "zl 2021 1012 3456.7"})["data"]["patentLookup"]

    assert payload == {"patent": CATHODE, "errors": []}


@pytest.mark.parametrize(
    ("number", "code"),
    [("ZL202110123456.8", "PATENT_NUMBER_INVALID"), ("ZL202110123404.X", "PATENT_NOT_FOUND")],
)
def test_a_lookup_of_a_bad_or_unknown_number_is_a_typed_error(seller, registry, number, code):
    payload = seller(LOOKUP, {"number": number})["data"]["patentLookup"]

    assert payload["patent"] is None
    assert error_codes(payload) == [code]
    assert payload["errors"][0]["field"] == "number"


@pytest.mark.parametrize(
    ("query", "variables"), [(SEARCH, {"title": "电池"}), (LOOKUP, {"number": "ZL202110123456.7"})]
)
def test_anonymous_callers_are_told_to_sign_in(gql, registry, query, variables):
    result = gql(query, variables)

    assert result["data"] is None
    assert len(result["errors"]) == 1
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_null_first_means_the_default_of_10(seller, registry):
    payload = seller(SEARCH, {"title": "一种", "first": None})["data"]["patentSearch"]

    assert len(payload["results"]) == 2
