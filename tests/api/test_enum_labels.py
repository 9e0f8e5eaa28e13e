"""Enum values come with labels a client can show: Chinese, English with Accept-Language."""

import pytest

from tests.api.test_deals import sold_lot

pytestmark = pytest.mark.django_db

LABELS = """
query($enums: [String!]) { enumLabels(enums: $enums) { enum values { value label } } }"""


def _labels(gql, enums, **headers):
    return gql(LABELS, {"enums": enums}, headers=headers or None)


def test_a_client_reads_the_chinese_labels_of_the_enums_it_shows(gql):
    response = _labels(gql, ["LotPhase", "Maturity"])

    assert response == {
        "data": {
            "enumLabels": [
                {
                    "enum": "LotPhase",
                    "values": [
                        {"value": "SCHEDULED", "label": "未开始"},
                        {"value": "NOTICE", "label": "公示中"},
                        {"value": "BIDDING", "label": "竞价中"},
                        {"value": "ENDED", "label": "已结束"},
                    ],
                },
                {
                    "enum": "Maturity",
                    "values": [
                        {"value": "RESEARCH", "label": "研发阶段"},
                        {"value": "PROTOTYPE", "label": "小试阶段"},
                        {"value": "PILOT", "label": "中试阶段"},
                        {"value": "MASS_PRODUCTION", "label": "产业化阶段"},
                    ],
                },
            ]
        }
    }


def test_the_labels_are_english_with_accept_language_en(gql):
    response = _labels(gql, ["TransactionType"], **{"Accept-Language": "en"})

    assert response["data"]["enumLabels"] == [
        {
            "enum": "TransactionType",
            "values": [
                {"value": "TRANSFER", "label": "Transfer"},
                {"value": "LICENSE", "label": "Licence"},
            ],
        }
    ]


def test_the_chinese_labels_are_the_words_of_the_xlsx_templates(gql):
    from listings.imports.columns import Choice, columns_for

    tech_field = next(
        c for c in columns_for("PATENT") if isinstance(c.parser, Choice) and c.header == "技术领域"
    )
    labels = _labels(gql, ["TechField"])["data"]["enumLabels"][0]["values"]

    assert [value["label"] for value in labels] == tech_field.parser.labels


def test_without_names_every_user_facing_enum_is_labelled(gql):
    enums = [e["enum"] for e in _labels(gql, None)["data"]["enumLabels"]]

    assert {"DealStatus", "LotResult", "ReviewStatus", "ReviewKind", "DealStepKind"} <= set(enums)
    assert "ErrorCode" not in enums
    assert enums == sorted(enums)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (None, "以下名称不是本接口的枚举，没有标签：Nope, ErrorCode。"),
        ("en", "No labels for these names (not an enum of the schema): Nope, ErrorCode."),
    ],
)
def test_an_unknown_enum_name_is_bad_user_input(gql, language, message):
    headers = {"Accept-Language": language} if language else {}
    response = _labels(gql, ["LotPhase", "Nope", "ErrorCode"], **headers)

    assert response["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in response["errors"]] == [
        (message, "BAD_USER_INPUT")
    ]


STEPS = "{ myDeals { edges { node { steps { kind name done } } } } }"


def test_a_deal_step_has_a_stable_kind_and_its_label_as_name(signed_in_as):
    _, buyer = sold_lot()
    client = signed_in_as(buyer)

    chinese = client(STEPS)["data"]["myDeals"]["edges"][0]["node"]["steps"]
    english = client(STEPS, headers={"Accept-Language": "en"})["data"]["myDeals"]["edges"][0][
        "node"
    ]["steps"]

    assert [(s["kind"], s["name"], s["done"]) for s in chinese] == [
        ("NOTICE", "成交通知书", True),
        ("CONTRACT", "签署并上传合同", False),
        ("PAYMENT", "上传付款凭证", False),
        ("DELIVERY", "确认交割", False),
        ("CERTIFICATE", "交易凭证", False),
    ]
    assert [s["name"] for s in english] == [
        "Deal notice",
        "Sign and upload the contract",
        "Upload the payment proof",
        "Confirm delivery",
        "Transaction certificate",
    ]


def test_review_kinds_are_labelled_as_their_apps_register_them(gql):
    from reviews.services import review_kinds

    chinese = _labels(gql, ["ReviewKind"])["data"]["enumLabels"][0]["values"]
    english = _labels(gql, ["ReviewKind"], **{"Accept-Language": "en"})["data"]["enumLabels"]

    assert [(v["value"], v["label"]) for v in chinese] == [(k.key, k.label) for k in review_kinds()]
    assert {"value": "OWNERSHIP_CHANGE", "label": "Ownership change"} in english[0]["values"]
