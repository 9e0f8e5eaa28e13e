"""The admin as staff live in it: the exchange's header, pending counts, oldest first,
decisions on the detail page, readable submissions, and the auction staff's pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import Verification
from accounts.services.verification import verification_submit
from deals.models import Deal
from kernel.clock import now
from reviews.models import ReviewStatus
from tests.api.test_deals import sold_lot
from tests.factories import UserFactory, pdf, staff_user, valid_credit_code

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_verification_changelist")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submit_verification(phone: str, name: str) -> Verification:
    return verification_submit(
        user=UserFactory(phone=phone),
        kind="INSTITUTION",
        name=name,
        credit_code=valid_credit_code(),
        certificate_type="PUBLIC_INSTITUTION",
        certificate=pdf("法人证书.pdf"),
    )


def change_page(verification) -> str:
    return reverse("admin:accounts_verification_change", args=[verification.pk])


def decide(verification) -> str:
    return reverse("admin:accounts_verification_decide", args=[verification.pk])


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_site_header_is_the_exchanges():
    page = signed_in(staff_user()).get(reverse("admin:index")).content.decode()
    assert "省技术产权交易市场 管理后台" in page
    assert "Django 管理" not in page and "Django administration" not in page


def test_the_index_shows_each_queues_pending_count_to_its_reviewers():
    first = submit_verification("13812340001", "甲大学")
    submit_verification("13812340002", "乙大学")
    decided = submit_verification("13812340003", "丙大学")
    Verification.objects.filter(pk=decided.pk).update(status=ReviewStatus.APPROVED)

    page = signed_in(staff_user()).get(reverse("admin:index")).content.decode()
    assert "实名认证（待审核 2）" in page

    other_staff = UserFactory(phone="13900000009", is_staff=True)
    other_staff.user_permissions.set(Permission.objects.filter(codename="view_user"))
    assert "待审核" not in signed_in(other_staff).get(reverse("admin:index")).content.decode()
    assert first.status == ReviewStatus.PENDING


def test_queues_list_the_longest_waiting_first():
    with time_machine.travel(now() - timedelta(days=2)):
        older = submit_verification("13812340001", "早提交大学")
    newer = submit_verification("13812340002", "晚提交大学")
    page = signed_in(staff_user()).get(CHANGELIST).content.decode()
    assert page.index(str(older)) < page.index(str(newer))


def test_a_reviewer_approves_on_the_detail_page(sms_outbox, django_capture_on_commit_callbacks):
    verification = submit_verification("13812340001", "甲大学")
    client = signed_in(staff_user())
    page = client.get(change_page(verification)).content.decode()
    assert decide(verification) in page and "审核通过" in page and "驳回理由" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide(verification), {"approve": "审核通过", "reason": ""})

    assert response.status_code == 302 and response.url == change_page(verification)
    verification.refresh_from_db()
    assert verification.status == ReviewStatus.APPROVED
    assert texts(response) == [f"「{verification}」已审核通过。"]
    # decided: no decision form any more
    assert decide(verification) not in client.get(change_page(verification)).content.decode()


def test_a_reviewer_rejects_on_the_detail_page_only_with_a_reason():
    verification = submit_verification("13812340001", "甲大学")
    client = signed_in(staff_user())

    refused = client.post(decide(verification), {"reject": "审核驳回", "reason": "  "})
    verification.refresh_from_db()
    assert verification.status == ReviewStatus.PENDING
    assert len(texts(refused)) == 1 and "理由" in texts(refused)[0]

    client.post(decide(verification), {"reject": "审核驳回", "reason": "证书模糊，请重新上传"})
    verification.refresh_from_db()
    assert verification.status == ReviewStatus.REJECTED
    assert verification.decision_reason == "证书模糊，请重新上传"


def test_staff_who_may_not_review_get_no_decision_form_and_cannot_post_one():
    verification = submit_verification("13812340001", "甲大学")
    viewer = UserFactory(phone="13900000009", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_verification"))
    client = signed_in(viewer)
    assert decide(verification) not in client.get(change_page(verification)).content.decode()
    response = client.post(decide(verification), {"approve": "审核通过"})
    verification.refresh_from_db()
    assert verification.status == ReviewStatus.PENDING
    assert texts(response) == ["您没有审核实名认证的权限，未作任何处理。"]


def test_a_submission_snapshot_reads_as_labelled_values_with_the_file_by_name():
    verification = submit_verification("13812340001", "甲大学")
    page = signed_in(staff_user()).get(change_page(verification)).content.decode()
    assert '<table class="review-snapshot">' in page
    assert "<th>姓名/机构名称</th><td>甲大学</td>" in page
    assert "下载《法人证书.pdf》" in page
    assert f"<td>{verification.certificate_id}</td>" not in page  # the id only in the link
    assert '"credit_code"' not in page  # no raw JSON keys


def test_the_auction_staff_role_manages_seasons_sessions_and_sees_lots_and_deals():
    sold_lot()
    runner = UserFactory(phone="13900000008", is_staff=True)
    # the auction staff role: auctions and deals (deal documents need manage_deals)
    runner.user_permissions.set(
        Permission.objects.filter(codename__in=["manage_auctions", "manage_deals"])
    )
    client = signed_in(runner)
    for name in [
        "auctions_season_changelist",
        "auctions_season_add",
        "auctions_auctionsession_changelist",
        "auctions_auctionsession_add",
        "auctions_lot_changelist",
        "auctions_bid_changelist",
        "deals_deal_changelist",
    ]:
        assert client.get(reverse(f"admin:{name}")).status_code == 200, name
    deal = Deal.objects.get()
    assert client.get(reverse("admin:deals_deal_change", args=[deal.pk])).status_code == 200
    season = deal.lot.session.season
    page = client.get(reverse("admin:auctions_season_change", args=[season.pk])).content.decode()
    assert 'type="submit"' in page and 'name="_save"' in page  # editable, not view-only
    # lots are put up through lot_create (below); deals change through their services
    assert client.get(reverse("admin:auctions_lot_add")).status_code == 200
    assert client.get(reverse("admin:deals_deal_add")).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:auctions_season_changelist") in index


def test_staff_without_the_role_still_get_403_on_deals():
    client = signed_in(UserFactory(phone="13900000007", is_staff=True))
    assert client.get(reverse("admin:deals_deal_changelist")).status_code == 403
    assert client.get(reverse("admin:auctions_season_changelist")).status_code == 403


def test_a_deals_documents_are_previewed_inline_with_a_download_link():
    sold_lot()
    deal = Deal.objects.get()
    runner = UserFactory(phone="13900000008", is_staff=True)
    # the auction staff role: auctions and deals (deal documents need manage_deals)
    runner.user_permissions.set(
        Permission.objects.filter(codename__in=["manage_auctions", "manage_deals"])
    )
    client = signed_in(runner)
    page = client.get(reverse("admin:deals_deal_change", args=[deal.pk])).content.decode()
    preview = reverse("admin:files_privatefile_preview", args=[deal.notice.pk])
    assert f'<iframe src="{preview}#navpanes=0&amp;view=FitH"' in page
    assert reverse("admin:files_privatefile_download", args=[deal.notice.pk]) in page

    response = client.get(preview)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_an_image_is_previewed_as_an_image_and_strangers_get_no_preview():
    from deals.services import deal_contract_upload, deal_payment_proof_upload
    from tests.factories import png

    _, buyer = sold_lot()
    deal = Deal.objects.get()
    deal_contract_upload(user=deal.seller, deal_id=deal.pk, contract=pdf())
    deal_payment_proof_upload(user=buyer, deal_id=deal.pk, proof=png())
    deal.refresh_from_db()
    superuser = UserFactory(phone="13700000000", is_staff=True, is_superuser=True)
    page = signed_in(superuser).get(reverse("admin:deals_deal_change", args=[deal.pk]))
    preview = reverse("admin:files_privatefile_preview", args=[deal.payment_proof.pk])
    assert f'<img src="{preview}"' in page.content.decode()
    assert signed_in(buyer).get(preview).status_code == 302  # not staff: the admin login


def test_deal_managers_cancel_a_default_on_the_deal_page_with_a_reason(
    django_capture_on_commit_callbacks,
):
    sold_lot()
    deal = Deal.objects.get()
    manager = UserFactory(phone="13900000006", is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(codename="manage_deals"))
    client = signed_in(manager)
    cancel = reverse("admin:deals_deal_cancel", args=[deal.pk])
    assert cancel in client.get(reverse("admin:deals_deal_change", args=[deal.pk])).content.decode()

    refused = client.post(cancel, {"reason": " "})
    deal.refresh_from_db()
    assert deal.status == "NOTICE_ISSUED" and len(texts(refused)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(cancel, {"reason": "逾期未签署合同"})
    deal.refresh_from_db()
    assert (deal.status, deal.cancel_reason) == ("CANCELLED", "逾期未签署合同")
    # the refusal's message was not shown yet: it comes first
    assert texts(done) == ["此项为必填项。", f"成交{deal.serial}已取消，买受人记违约一次。"]
    assert (
        cancel
        not in client.get(reverse("admin:deals_deal_change", args=[deal.pk])).content.decode()
    )


def test_auction_staff_without_deal_management_see_no_cancel_and_cannot_post_it():
    sold_lot()
    deal = Deal.objects.get()
    runner = UserFactory(phone="13900000008", is_staff=True)
    runner.user_permissions.set(Permission.objects.filter(codename="manage_auctions"))
    client = signed_in(runner)
    cancel = reverse("admin:deals_deal_cancel", args=[deal.pk])
    assert (
        cancel
        not in client.get(reverse("admin:deals_deal_change", args=[deal.pk])).content.decode()
    )
    response = client.post(cancel, {"reason": "x"})
    deal.refresh_from_db()
    assert deal.status == "NOTICE_ISSUED"
    assert texts(response) == ["您没有管理成交的权限，未作任何处理。"]


def test_auction_staff_put_a_listing_up_in_a_session_through_lot_create():
    from auctions.models import Lot
    from tests.factories import ListingFactory, auction_session

    session = auction_session(phase="NOTICE")
    listing = ListingFactory(season_opt_in=True)
    runner = UserFactory(phone="13900000008", is_staff=True)
    # the auction staff role: auctions and deals (deal documents need manage_deals)
    runner.user_permissions.set(
        Permission.objects.filter(codename__in=["manage_auctions", "manage_deals"])
    )
    client = signed_in(runner)
    url = reverse("admin:auctions_lot_add")

    refused = client.post(
        url, {"session": session.pk, "listing": listing.pk, "reserve_price": "100.00"}
    )
    assert refused.status_code == 200 and not Lot.objects.exists()
    assert refused.context["form"].errors["reserve_price"]

    done = client.post(url, {"session": session.pk, "listing": listing.pk, "increment": "500"})
    lot = Lot.objects.get()
    assert done.status_code == 302
    assert done.url == reverse("admin:auctions_lot_change", args=[lot.pk])
    assert (lot.session, lot.listing, lot.increment, lot.created_by) == (
        session,
        listing,
        Decimal("500.00"),
        runner,
    )
    listing.refresh_from_db()
    assert listing.status == "IN_AUCTION"


def test_staff_without_the_auction_role_cannot_put_up_lots():
    client = signed_in(staff_user())
    assert client.get(reverse("admin:auctions_lot_add")).status_code == 403
