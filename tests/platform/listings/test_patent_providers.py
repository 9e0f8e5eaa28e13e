"""Patent auto-fill: the local registry, the HTTP provider against a fake service, the
services in front of them, and loading the registry from CSV."""

import csv
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import date
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kernel.errors import DomainError
from listings import patents
from listings.models import LegalStatus, PatentRecord, PatentType
from listings.patent_numbers import check_character
from listings.patents import (
    DEMO_PATENTS_CSV,
    HttpPatentProvider,
    LocalRegistryProvider,
    PatentInfo,
    get_patent_provider,
    patent_lookup,
    patent_search,
)

pytestmark = pytest.mark.django_db

SERVICE_KEY = "patent-service-secret"
HEADER = "专利号,专利名称,专利类型,申请日,授权日,专利权人,发明人,IPC分类号,法律状态,摘要"


def record(number: str, title: str, **overrides) -> PatentRecord:
    values = {
        "patent_type": PatentType.INVENTION,
        "application_date": date(2020, 1, 1),
        "grant_date": None,
        "rights_holders": ["江苏示范大学"],
        "inventors": ["张三"],
        "ipc_classes": ["H01L 21/02"],
        "legal_status": LegalStatus.PENDING,
        "abstract": "",
        **overrides,
    }
    return PatentRecord.objects.create(number=number, title=title, **values)


def codes(exc_info) -> list[tuple[str, str | None]]:
    return [(item.code.value, item.field) for item in exc_info.value.items]


# -- the local registry -----------------------------------------------------------------


@pytest.fixture
def registry():
    record(
        "ZL202110123456.7",
        "一种锂离子电池正极材料的制备方法",
        application_date=date(2021, 3, 1),
        grant_date=date(2023, 5, 6),
        rights_holders=["江苏示范大学", "常州恒能储能科技有限公司"],
        inventors=["张三", "李四"],
        ipc_classes=["H01M 4/525", "H01M 4/36"],
        legal_status=LegalStatus.GRANTED,
        abstract="本发明公开了一种正极材料。",
    )
    record("ZL201910123455.5", "锂电池正极的包覆方法", application_date=date(2019, 2, 1))
    record(
        "ZL202220123456.7",
        "一种电池模组液冷板",
        patent_type=PatentType.UTILITY_MODEL,
        application_date=date(2022, 8, 1),
    )
    record("ZL202310654321.2", "一种GaN基晶体管", application_date=date(2023, 1, 9))


def test_the_local_registry_finds_names_containing_the_search_newest_application_first(registry):
    results = LocalRegistryProvider().search("正极", limit=10)

    assert [p.number for p in results] == ["ZL202110123456.7", "ZL201910123455.5"]


def test_the_local_registry_matches_every_word_of_the_search_in_any_order(registry):
    results = LocalRegistryProvider().search("正极  锂离子", limit=10)

    assert [p.number for p in results] == ["ZL202110123456.7"]


def test_the_local_registry_ignores_the_case_of_latin_letters(registry):
    results = LocalRegistryProvider().search("gan基", limit=10)

    assert [p.title for p in results] == ["一种GaN基晶体管"]


def test_the_local_registry_returns_at_most_the_limit(registry):
    results = LocalRegistryProvider().search("一种", limit=2)

    assert [p.number for p in results] == ["ZL202310654321.2", "ZL202220123456.7"]


def test_the_local_registry_returns_every_key_field(registry):
    (patent,) = LocalRegistryProvider().search("锂离子电池正极材料", limit=10)

    assert patent == PatentInfo(
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


@pytest.mark.parametrize(
    "number", ["ZL202110123456.7", "zl 2021 1012 3456.7", "CN2021101234567", "202110123456.7"]
)
def test_the_local_registry_looks_a_number_up_in_any_usual_form(registry, number):
    patent = LocalRegistryProvider().lookup(number)

    assert patent is not None
    assert patent.title == "一种锂离子电池正极材料的制备方法"


@pytest.mark.parametrize("number", ["ZL202110123404.X", "ZL202110123456.8", "nonsense"])
def test_the_local_registry_knows_nothing_of_an_unknown_or_invalid_number(registry, number):
    assert LocalRegistryProvider().lookup(number) is None


# -- the services ------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["", " ", "锂", "  锂  ", "a"])
def test_a_search_shorter_than_2_characters_is_refused(registry, title):
    with pytest.raises(DomainError) as exc_info:
        patent_search(title=title)

    assert codes(exc_info) == [("PATENT_SEARCH_TOO_SHORT", "title")]
    assert exc_info.value.items[0].params == {"minimum": 2}


def test_a_search_is_stripped_before_it_is_matched(registry):
    results = patent_search(title="  晶体管\n")

    assert [p.number for p in results] == ["ZL202310654321.2"]


@pytest.mark.parametrize(("limit", "count"), [(-5, 1), (0, 1), (1, 1), (20, 20), (100, 20)])
def test_the_search_limit_is_clamped_between_1_and_20(limit, count):
    for serial in range(25):
        digits = f"2021100{serial:05d}"
        record(f"ZL{digits}.{check_character(digits)}", f"一种传感器{serial}")

    assert len(patent_search(title="传感器", limit=limit)) == count


def test_a_search_by_default_returns_10_results():
    for serial in range(12):
        digits = f"2021100{serial:05d}"
        record(f"ZL{digits}.{check_character(digits)}", f"一种传感器{serial}")

    assert len(patent_search(title="传感器")) == 10


def test_a_lookup_returns_the_patent(registry):
    patent = patent_lookup(number="2021 1012 3456.7")

    assert patent.number == "ZL202110123456.7"
    assert patent.legal_status == LegalStatus.GRANTED


@pytest.mark.parametrize("number", ["", "ZL202110123456.8", "ZL202140123456.3", "专利"])
def test_a_lookup_of_an_invalid_number_is_refused(registry, number):
    with pytest.raises(DomainError) as exc_info:
        patent_lookup(number=number)

    assert codes(exc_info) == [("PATENT_NUMBER_INVALID", "number")]


def test_a_lookup_of_an_unknown_number_is_not_found(registry):
    with pytest.raises(DomainError) as exc_info:
        patent_lookup(number="ZL202110123404.X")

    assert codes(exc_info) == [("PATENT_NOT_FOUND", "number")]


def test_the_provider_is_the_one_the_settings_name(settings):
    assert isinstance(get_patent_provider(), LocalRegistryProvider)

    settings.PATENT_PROVIDER = "listings.patents.HttpPatentProvider"

    assert isinstance(get_patent_provider(), HttpPatentProvider)


# -- the HTTP provider against a fake service ------------------------------------------


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: Message


@dataclass
class FakeService:
    """What the fake patent service answers per path, and what it was asked."""

    answers: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def answer(self, path: str, body, status: int = 200) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers[path] = (status, raw)


@pytest.fixture
def service(settings, monkeypatch):
    """A real HTTP server on 127.0.0.1 that HttpPatentProvider talks to."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    state = FakeService()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            path = urllib.parse.unquote(url.path)
            state.requests.append(
                Received(path=path, query=urllib.parse.parse_qs(url.query), headers=self.headers)
            )
            if state.delay:
                state.release.wait(state.delay)
            status, body = state.answers.get(path, (404, b'{"error": "not found"}'))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.PATENT_PROVIDER = "listings.patents.HttpPatentProvider"
    settings.PATENT_SERVICE_URL = f"http://127.0.0.1:{server.server_address[1]}/v1/"
    settings.PATENT_SERVICE_KEY = SERVICE_KEY
    settings.PATENT_SERVICE_TIMEOUT = 2.0
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


FULL_PATENT = {
    "number": "ZL202110123456.7",
    "title": "一种锂离子电池正极材料的制备方法",
    "type": "INVENTION",
    "applicationDate": "2021-03-01",
    "grantDate": "2023-05-06",
    "holders": ["江苏示范大学", "常州恒能储能科技有限公司"],
    "inventors": ["张三", "李四"],
    "ipc": ["H01M 4/525"],
    "legalStatus": "GRANTED",
    "abstract": "本发明公开了一种正极材料。",
}
FULL_PATENT_INFO = PatentInfo(
    number="ZL202110123456.7",
    title="一种锂离子电池正极材料的制备方法",
    patent_type=PatentType.INVENTION,
    application_date=date(2021, 3, 1),
    grant_date=date(2023, 5, 6),
    rights_holders=["江苏示范大学", "常州恒能储能科技有限公司"],
    inventors=["张三", "李四"],
    ipc_classes=["H01M 4/525"],
    legal_status=LegalStatus.GRANTED,
    abstract="本发明公开了一种正极材料。",
)


def test_the_http_provider_maps_search_results_and_drops_invalid_numbers(service):
    # given
    service.answer(
        "/v1/patents",
        {
            "results": [
                FULL_PATENT,
                {**FULL_PATENT, "number": "ZL202110123456.8", "title": "错误校验位"},
                {"title": "没有号码"},
                "not an object",
                {
                    "number": "CN 2022 2012 3456.7",
                    "title": "  一种电池模组液冷板 ",
                    "type": "INVENTION",  # the number says utility model: the number wins
                    "applicationDate": "2022-08-01",
                    "grantDate": "not a date",
                    "holders": "江苏示范大学",  # not a list
                    "legalStatus": "SOMETHING_NEW",  # not one of ours
                },
            ]
        },
    )

    # when
    results = patent_search(title="电池", limit=5)

    # then
    assert results == [
        FULL_PATENT_INFO,
        PatentInfo(
            number="ZL202220123456.7",
            title="一种电池模组液冷板",
            patent_type=PatentType.UTILITY_MODEL,
            application_date=date(2022, 8, 1),
            grant_date=None,
            rights_holders=[],
            inventors=[],
            ipc_classes=[],
            legal_status=LegalStatus.OTHER,
            abstract="",
        ),
    ]
    (request,) = service.requests
    assert request.path == "/v1/patents"
    assert request.query == {"title": ["电池"], "limit": ["5"]}
    assert request.headers["Authorization"] == f"Bearer {SERVICE_KEY}"
    assert request.headers["Accept"] == "application/json"


def test_the_http_provider_returns_at_most_the_limit_even_if_the_service_sends_more(service):
    service.answer("/v1/patents", {"results": [FULL_PATENT] * 5})

    assert len(patent_search(title="电池", limit=2)) == 2


@pytest.mark.parametrize("key", [None, ""])
def test_the_http_provider_sends_no_authorization_without_a_key(service, settings, key):
    settings.PATENT_SERVICE_KEY = key
    service.answer("/v1/patents", {"results": []})

    assert patent_search(title="电池") == []

    (request,) = service.requests
    assert "Authorization" not in request.headers


def test_the_http_provider_looks_a_number_up_by_its_canonical_form(service):
    service.answer("/v1/patents/ZL202110123456.7", FULL_PATENT)

    patent = patent_lookup(number="cn 2021 1012 3456 7")

    assert patent == FULL_PATENT_INFO
    (request,) = service.requests
    assert request.path == "/v1/patents/ZL202110123456.7"
    assert request.headers["Authorization"] == f"Bearer {SERVICE_KEY}"


def test_a_404_lookup_is_not_found(service):
    with pytest.raises(DomainError) as exc_info:
        patent_lookup(number="ZL202110123456.7")

    assert codes(exc_info) == [("PATENT_NOT_FOUND", "number")]
    assert len(service.requests) == 1


def unavailable(call) -> list[tuple[str, str | None]]:
    with pytest.raises(DomainError) as exc_info:
        call()
    return codes(exc_info)


UNAVAILABLE = [("PATENT_SERVICE_UNAVAILABLE", None)]


def search():
    return patent_search(title="电池")


def lookup():
    return patent_lookup(number="ZL202110123456.7")


@pytest.mark.parametrize("status", [500, 502, 503, 401, 403, 400])
def test_a_service_error_status_makes_the_service_unavailable(service, status):
    service.answer("/v1/patents", {"error": "boom"}, status=status)
    service.answer("/v1/patents/ZL202110123456.7", {"error": "boom"}, status=status)

    assert unavailable(search) == UNAVAILABLE
    assert unavailable(lookup) == UNAVAILABLE


def test_a_404_search_means_a_wrong_service_url_and_makes_the_service_unavailable(service):
    assert unavailable(search) == UNAVAILABLE


def test_a_service_slower_than_the_timeout_is_unavailable(service, settings):
    # given
    settings.PATENT_SERVICE_TIMEOUT = 0.3
    service.delay = 5.0
    service.answer("/v1/patents", {"results": []})
    service.answer("/v1/patents/ZL202110123456.7", FULL_PATENT)
    started = time.monotonic()

    # when / then
    assert unavailable(search) == UNAVAILABLE
    assert unavailable(lookup) == UNAVAILABLE
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    "body",
    [
        b"<html>gateway error</html>",
        b'{"results": [',
        b"",
        '{"results": []}'.encode("utf-16"),
        b'["a list, not an object"]',
        b'{"items": []}',
        b'{"results": {"number": "ZL202110123456.7"}}',
    ],
)
def test_a_malformed_search_answer_makes_the_service_unavailable(service, body):
    service.answer("/v1/patents", body)

    assert unavailable(search) == UNAVAILABLE


@pytest.mark.parametrize(
    "body",
    [b"not json", b"null", b"[]", json.dumps({**FULL_PATENT, "number": "ZL1"}).encode()],
)
def test_a_malformed_lookup_answer_makes_the_service_unavailable(service, body):
    service.answer("/v1/patents/ZL202110123456.7", body)

    assert unavailable(lookup) == UNAVAILABLE


def test_an_oversized_answer_makes_the_service_unavailable(service, monkeypatch):
    monkeypatch.setattr(patents, "MAX_ANSWER_BYTES", 100)
    service.answer("/v1/patents", {"results": [FULL_PATENT]})

    assert unavailable(search) == UNAVAILABLE


@pytest.mark.parametrize("url", [None, ""])
def test_an_unset_service_url_makes_the_service_unavailable(service, settings, url):
    settings.PATENT_SERVICE_URL = url

    assert unavailable(search) == UNAVAILABLE
    assert unavailable(lookup) == UNAVAILABLE
    assert service.requests == []


def test_a_service_that_refuses_connections_is_unavailable(service, settings):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.PATENT_SERVICE_URL = f"http://127.0.0.1:{port}"

    assert unavailable(search) == UNAVAILABLE


def test_the_service_is_not_asked_about_a_search_that_is_too_short(service):
    with pytest.raises(DomainError):
        patent_search(title="电")

    assert service.requests == []


# -- patents_load ---------------------------------------------------------------------------


def write_csv(tmp_path, *rows: str, header: str = HEADER, bom: bool = False):
    path = tmp_path / "patents.csv"
    path.write_text(("\ufeff" if bom else "") + "\n".join([header, *rows]) + "\n", "utf-8")
    return path


def load(path, *args: str) -> str:
    out = StringIO()
    call_command("patents_load", str(path), *args, stdout=out)
    return out.getvalue()


GOOD_ROW = (
    "ZL 2021 1012 3456.7,一种锂离子电池正极材料的制备方法,发明专利,2021-03-01,2023-05-06,"
    "江苏示范大学；常州恒能储能科技有限公司,张三;李四,h01m4/525; H01M 4/36,有效（已授权）,"
    '"本发明公开了一种正极材料，循环寿命长。"'
)
UTILITY_ROW = (
    "ZL202220123456.7,一种电池模组液冷板,UTILITY_MODEL,2022-08-01,,江苏示范大学,,,PENDING,"
)


def test_patents_load_loads_good_rows_and_lists_the_bad_ones(tmp_path):
    # given
    path = write_csv(
        tmp_path,
        GOOD_ROW,
        "ZL202110123456.8,校验位错误,发明专利,2021-03-01,,江苏示范大学,张三,,审中,",
        UTILITY_ROW,
        "ZL202110123404.X,类型不符,实用新型,2021-03-01,,江苏示范大学,张三,,审中,",
        "ZL202110123411.X,日期错误,发明专利,2021/03/01,,江苏示范大学,张三,,审中,",
        "ZL202110123411.X,日期错误,发明专利,2021-02-30,,江苏示范大学,张三,,审中,",
        "ZL202110123411.X,授权早于申请,发明专利,2021-03-01,2020-01-01,甲,乙,,有效（已授权）,",
        "ZL202110123411.X,,发明专利,2021-03-01,,江苏示范大学,张三,,,",
        "ZL202110123411.X,法律状态未知,发明专利,2021-03-01,,江苏示范大学,张三,,失效,",
        "ZL202110123411.X,类型未知,发明,2021-03-01,,江苏示范大学,张三,,审中,",
        "ZL202110123411.X,分类号错误,发明专利,2021-03-01,,江苏示范大学,张三,H01L-21,审中,",
        "ZL202110123411.X,少一列,发明专利,2021-03-01,,江苏示范大学,张三,,审中",
        "ZL202110123411.X,多一列,发明专利,2021-03-01,,江苏示范大学,张三,,审中,,多余",
        "ZL202230123456.2,智能巡检机器人,外观设计,2022-09-05,2023-02-21,江苏示范大学,王鹏,,"
        "有效(已授权),本外观设计产品为智能巡检机器人。",
    )

    # when
    out = load(path)

    # then
    assert out.splitlines() == [
        "row 3: 专利号 is not a valid patent number: ZL202110123456.8",
        "row 5: 专利类型 实用新型 does not match the number's type (发明专利)",
        "row 6: 申请日 is not a date YYYY-MM-DD: 2021/03/01",
        "row 7: 申请日 is not a date YYYY-MM-DD: 2021-02-30",
        "row 8: 授权日 is before 申请日",
        "row 9: missing 专利名称, 法律状态",
        "row 10: unknown 法律状态: 失效",
        "row 11: unknown 专利类型: 发明",
        "row 12: IPC分类号 is not like H01L 21/02: H01L-21",
        "row 13: expected 10 columns",
        "row 14: expected 10 columns",
        "loaded 3, skipped 11",
    ]
    assert PatentRecord.objects.count() == 3
    invention = PatentRecord.objects.get(number="ZL202110123456.7")
    assert invention.title == "一种锂离子电池正极材料的制备方法"
    assert invention.patent_type == PatentType.INVENTION
    assert invention.application_date == date(2021, 3, 1)
    assert invention.grant_date == date(2023, 5, 6)
    assert invention.rights_holders == ["江苏示范大学", "常州恒能储能科技有限公司"]
    assert invention.inventors == ["张三", "李四"]
    assert invention.ipc_classes == ["H01M 4/525", "H01M 4/36"]
    assert invention.legal_status == LegalStatus.GRANTED
    assert invention.abstract == "本发明公开了一种正极材料，循环寿命长。"
    utility = PatentRecord.objects.get(number="ZL202220123456.7")
    assert utility.patent_type == PatentType.UTILITY_MODEL
    assert utility.legal_status == LegalStatus.PENDING
    assert (utility.grant_date, utility.inventors, utility.ipc_classes) == (None, [], [])
    design = PatentRecord.objects.get(number="ZL202230123456.2")
    assert design.legal_status == LegalStatus.GRANTED


def test_patents_load_updates_a_patent_it_already_has(tmp_path):
    # given
    record("ZL202110123456.7", "旧名称", rights_holders=["旧权利人"], abstract="旧摘要")
    path = write_csv(tmp_path, GOOD_ROW, UTILITY_ROW)

    # when
    out = load(path)

    # then
    assert out == "loaded 2, skipped 0\n"
    assert PatentRecord.objects.count() == 2
    updated = PatentRecord.objects.get(number="ZL202110123456.7")
    assert updated.title == "一种锂离子电池正极材料的制备方法"
    assert updated.rights_holders == ["江苏示范大学", "常州恒能储能科技有限公司"]
    assert updated.legal_status == LegalStatus.GRANTED


def test_patents_load_keeps_the_last_row_of_a_number_across_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(patents, "LOAD_BATCH_SIZE", 2)
    rows = [
        f"ZL202110123456.7,名称{n},发明专利,2021-03-01,,江苏示范大学,张三,,审中," for n in range(5)
    ]
    path = write_csv(tmp_path, *rows, UTILITY_ROW)

    assert load(path) == "loaded 6, skipped 0\n"

    assert dict(PatentRecord.objects.values_list("number", "title")) == {
        "ZL202110123456.7": "名称4",
        "ZL202220123456.7": "一种电池模组液冷板",
    }


def test_patents_load_with_replace_leaves_only_the_files_patents(tmp_path):
    record("ZL202310654321.2", "一种GaN基晶体管")
    path = write_csv(tmp_path, GOOD_ROW)

    assert load(path, "--replace") == "loaded 1, skipped 0\n"

    assert list(PatentRecord.objects.values_list("number", flat=True)) == ["ZL202110123456.7"]


def test_patents_load_without_replace_keeps_other_patents(tmp_path):
    record("ZL202310654321.2", "一种GaN基晶体管")
    path = write_csv(tmp_path, GOOD_ROW)

    load(path)

    assert PatentRecord.objects.count() == 2


def test_patents_load_reads_a_file_with_a_bom_and_columns_in_another_order(tmp_path):
    path = tmp_path / "patents.csv"
    columns = HEADER.split(",")[::-1]
    values = dict(zip(HEADER.split(","), next(csv.reader([GOOD_ROW])), strict=True))
    with open(path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        writer.writerow([values[column] for column in columns])

    assert load(path) == "loaded 1, skipped 0\n"
    assert PatentRecord.objects.get().title == "一种锂离子电池正极材料的制备方法"


@pytest.mark.parametrize(
    "header",
    [
        "专利号,专利名称,专利类型,申请日,授权日,专利权人,发明人,IPC分类号,法律状态",
        HEADER + ",备注",
        HEADER.replace("专利权人", "申请人"),
        HEADER.replace("摘要", "专利号"),
        "number,title,type,applicationDate,grantDate,holders,inventors,ipc,legalStatus,abstract",
        "",
    ],
)
def test_patents_load_refuses_a_file_with_a_wrong_header_and_loads_nothing(tmp_path, header):
    record("ZL202310654321.2", "一种GaN基晶体管")
    path = write_csv(tmp_path, GOOD_ROW, header=header)

    with pytest.raises(CommandError, match="the header must be the columns 专利号,专利名称"):
        load(path, "--replace")

    assert list(PatentRecord.objects.values_list("number", flat=True)) == ["ZL202310654321.2"]


def test_patents_load_refuses_a_file_that_is_not_utf8_and_loads_nothing(tmp_path):
    path = tmp_path / "patents.csv"
    path.write_bytes(f"{HEADER}\n{GOOD_ROW}\n".encode("gbk"))

    with pytest.raises(CommandError, match="not a UTF-8 CSV file"):
        load(path)

    assert PatentRecord.objects.count() == 0


def test_patents_load_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        load(tmp_path / "missing.csv")


# -- the demo patents ----------------------------------------------------------------------


def test_the_demo_patents_load_completely():
    # when
    out = load(DEMO_PATENTS_CSV)

    # then
    count = PatentRecord.objects.count()
    assert out == f"loaded {count}, skipped 0\n"
    assert 28 <= count <= 40
    own = PatentRecord.objects.filter(rights_holders=["江苏示范大学"]).count()
    assert own >= 10
    assert set(PatentRecord.objects.values_list("patent_type", flat=True)) == set(PatentType)
    for patent in PatentRecord.objects.all():
        assert date(2015, 1, 1) <= patent.application_date <= date(2024, 12, 31)
        assert (patent.grant_date is None) == (patent.legal_status == LegalStatus.PENDING)
        assert patent.abstract
    assert patent_search(title="电池")


def test_seed_demo_loads_the_demo_patents_once():
    # given
    out = StringIO()
    call_command("seed_demo", stdout=out)
    count = PatentRecord.objects.count()
    assert count >= 28
    assert f"  {count} demo patents in the local registry" in out.getvalue()
    PatentRecord.objects.filter(number=PatentRecord.objects.first().number).update(title="改名")

    # when
    again = StringIO()
    call_command("seed_demo", stdout=again)

    # then
    assert PatentRecord.objects.count() == count
    assert PatentRecord.objects.filter(title="改名").count() == 1
    assert f"  {count} demo patents in the local registry" in again.getvalue()


def test_seed_demo_leaves_a_registry_staff_loaded_alone():
    record("ZL202310654321.2", "一种GaN基晶体管")
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert PatentRecord.objects.count() == 1
    assert "  1 demo patents in the local registry" in out.getvalue()
