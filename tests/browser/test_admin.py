"""The admin as staff use it, in headless Chromium: the real login form, the exchange's
header and pending counts, the oldest application first, its certificate shown inline
(the browser really renders it: a PDF frame, a decoded image), a rejection with a reason
on the detail page, and the auction staff's deal page with its documents.

Screenshots of each step are left in var/screenshots/ (``BROWSER_SCREENSHOTS``)."""

import io
import struct
import time
import zlib
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import Verification
from accounts.services.verification import verification_submit
from deals.models import Deal
from kernel.clock import now
from reviews.models import ReviewRecord, ReviewStatus
from tests.api.test_deals import sold_lot
from tests.browser.conftest import SCREENSHOTS
from tests.factories import UserFactory, staff_user, valid_credit_code

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-Strong-pass-123"  # UserFactory's


@pytest.fixture(autouse=True)
def admin_static_files(settings):
    """The admin's CSS and JavaScript, so the pages are seen as staff see them behind a
    server of static files (the project serves them only with DEBUG on)."""
    settings.ROOT_URLCONF = "tests.browser.urls"


PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"  # Chromium's own, built in


def only_this_server(urls: list[str], live_server_url: str) -> bool:
    local = (live_server_url + "/", "data:", PDF_VIEWER)
    return bool(urls) and all(url.startswith(local) for url in urls)


def certificate_pdf(title: str) -> SimpleUploadedFile:
    """A real one-page PDF (the factories' is a bare header no viewer draws)."""
    from reportlab.pdfgen import canvas

    from deals.documents import CJK  # registers the embedded font

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(420, 300))
    page.setFont(CJK, 28)
    page.drawCentredString(210, 160, title)
    page.save()
    return SimpleUploadedFile(f"{title}.pdf", buffer.getvalue(), content_type="application/pdf")


def proof_png(width: int = 240, height: int = 120) -> SimpleUploadedFile:
    """A real PNG (a blue block) the browser can decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x20\x60\xc0" * width for _ in range(height))
    content = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile("转账凭证.png", content, content_type="image/png")


def submit_verification(phone: str, name: str) -> Verification:
    return verification_submit(
        user=UserFactory(phone=phone),
        kind="INSTITUTION",
        name=name,
        credit_code=valid_credit_code(),
        certificate_type="PUBLIC_INSTITUTION",
        certificate=certificate_pdf(f"{name}法人证书"),
    )


def shot(browser, name: str, *, pdf: bool = False) -> None:
    if pdf:
        # Chromium's viewer paints its pages a moment after the frame has loaded, in its
        # own process the page cannot observe: wait, or the picture shows an empty frame.
        time.sleep(2)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"admin-{name}.png"))


def wait_for(browser, css: str, timeout: float = 30):
    return WebDriverWait(browser, timeout).until(lambda b: b.find_elements(By.CSS_SELECTOR, css))


def log_in(browser, live_server_url: str, phone: str) -> None:
    """Through the admin's own login form, as a person would."""
    browser.get(f"{live_server_url}/admin/")
    wait_for(browser, "#login-form")
    assert browser.current_url.startswith(f"{live_server_url}/admin/login/")
    browser.find_element(By.ID, "id_username").send_keys(phone)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#login-form input[type=submit]").click()
    # The login page has a #content-main too: wait for the redirect away from it, or the
    # next step may run on the old page (or navigate before the session cookie is set).
    WebDriverWait(browser, 30).until(lambda b: "/admin/login/" not in b.current_url)
    wait_for(browser, "#content-main")


def frame_shows_a_pdf(browser, frame) -> bool:
    """The frame was allowed to load (not blocked by X-Frame-Options) and holds Chromium's
    PDF viewer."""
    return browser.execute_script(
        "const doc = arguments[0].contentDocument;"
        "return !!doc && doc.contentType === 'application/pdf';",
        frame,
    )


def image_decoded(browser, image) -> bool:
    return browser.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth > 0;", image
    )


def test_a_reviewer_logs_in_and_rejects_the_longest_waiting_verification_with_a_reason(
    browser, live_server_url, page_requests
):
    with time_machine.travel(now() - timedelta(days=2)):
        oldest = submit_verification("13812340001", "早提交大学")
    submit_verification("13812340002", "晚提交大学")
    reviewer = staff_user()

    log_in(browser, live_server_url, reviewer.phone)
    header = browser.find_element(By.CSS_SELECTOR, "#site-name").text
    assert header == "省技术产权交易市场 管理后台"
    assert "实名认证（待审核 2）" in browser.find_element(By.ID, "content-main").text
    shot(browser, "1-index")

    browser.find_element(By.PARTIAL_LINK_TEXT, "实名认证（待审核 2）").click()
    wait_for(browser, "#result_list")
    rows = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")]
    assert len(rows) == 2 and "早提交大学" in rows[0] and "晚提交大学" in rows[1], rows
    shot(browser, "2-queue")

    browser.find_element(By.CSS_SELECTOR, "#result_list tbody tr:first-child th a").click()
    frame = wait_for(browser, ".file-preview iframe")[0]
    WebDriverWait(browser, 10).until(lambda b: frame_shows_a_pdf(b, frame))
    link = browser.find_element(By.CSS_SELECTOR, ".file-preview a")
    assert link.text == "下载《早提交大学法人证书.pdf》"
    assert link.get_attribute("href").endswith(
        f"/admin/files/privatefile/{oldest.certificate_id}/download/"
    )
    browser.execute_script("arguments[0].scrollIntoView()", frame)
    shot(browser, "3-verification", pdf=True)

    form = browser.find_element(By.ID, "review-decision")
    form.find_element(By.ID, "id_reason").send_keys("证书照片模糊，请重新上传")
    browser.execute_script("arguments[0].scrollIntoView()", form)
    form.find_element(By.CSS_SELECTOR, "input[name=reject]").click()
    message = wait_for(browser, "ul.messagelist li")[0].text

    assert message == f"「{oldest}」已驳回。"
    assert not browser.find_elements(By.ID, "review-decision")  # decided: no form any more
    oldest.refresh_from_db()
    assert (oldest.status, oldest.decision_reason, oldest.decided_by) == (
        ReviewStatus.REJECTED,
        "证书照片模糊，请重新上传",
        reviewer,
    )
    record = ReviewRecord.objects.get(subject_id=oldest.pk, action="REJECTED")
    assert (record.actor, record.reason) == (reviewer, "证书照片模糊，请重新上传")
    # the record is shown in the page's review history
    assert "证书照片模糊，请重新上传" in browser.find_element(By.ID, "content-main").text
    shot(browser, "4-rejected")

    browser.get(f"{live_server_url}/admin/")
    assert "实名认证（待审核 1）" in wait_for(browser, "#content-main")[0].text
    requests = page_requests()
    assert only_this_server(requests, live_server_url), [
        url for url in requests if not url.startswith(live_server_url + "/")
    ]


def test_auction_staff_see_a_deals_notice_and_payment_proof_on_its_page(
    browser, live_server_url, page_requests
):
    from deals.services import deal_contract_upload, deal_payment_proof_upload

    _, buyer = sold_lot()
    deal = Deal.objects.get()
    deal_contract_upload(user=deal.seller, deal_id=deal.pk, contract=certificate_pdf("成交合同"))
    deal_payment_proof_upload(user=buyer, deal_id=deal.pk, proof=proof_png())
    runner = UserFactory(phone="13900000008", is_staff=True, name="场次管理员")
    runner.user_permissions.set(
        Permission.objects.filter(codename__in=["manage_auctions", "manage_deals"])
    )

    log_in(browser, live_server_url, runner.phone)
    browser.get(f"{live_server_url}/admin/deals/deal/")
    wait_for(browser, "#result_list")
    assert deal.serial in browser.find_element(By.ID, "result_list").text
    browser.find_element(By.LINK_TEXT, deal.serial).click()
    previews = wait_for(browser, ".file-preview")

    frames = browser.find_elements(By.CSS_SELECTOR, ".file-preview iframe")
    assert len(frames) == 2  # the notice and the signed contract
    for frame in frames:
        WebDriverWait(browser, 10).until(lambda b, frame=frame: frame_shows_a_pdf(b, frame))
    image = browser.find_element(By.CSS_SELECTOR, ".file-preview img")
    WebDriverWait(browser, 10).until(lambda b: image_decoded(b, image))
    links = [a.text for a in browser.find_elements(By.CSS_SELECTOR, ".file-preview a")]
    assert links == [
        f"下载《{deal.notice.name}》",
        "下载《成交合同.pdf》",
        "下载《转账凭证.png》",
    ], links
    assert len(previews) == len(links)
    browser.execute_script("arguments[0].scrollIntoView()", frames[0])
    shot(browser, "5-deal-notice", pdf=True)
    browser.execute_script("arguments[0].scrollIntoView()", frames[1])
    shot(browser, "6-deal-contract")
    browser.execute_script("arguments[0].scrollIntoView()", image)
    shot(browser, "7-deal-proof")
    requests = page_requests()
    assert only_this_server(requests, live_server_url), [
        url for url in requests if not url.startswith(live_server_url + "/")
    ]
