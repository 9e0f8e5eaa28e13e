"""The xlsx export of a season's results (staff)."""

import io

from django.core.files.base import ContentFile
from openpyxl import Workbook

from auctions.models import Lot
from files.models import FileKind
from files.services import XLSX, file_save
from kernel.clock import SHANGHAI, now
from kernel.permissions import Perm, staff_require
from kernel.xlsx import safe_row

HEADERS = [
    "场次",
    "拍品",
    "类型",
    "专利号",
    "卖方",
    "起拍价（元）",
    "出价次数",
    "结果",
    "成交价（元）",
    "竞买号",
    "买受人",
    "成交编号",
    "成交状态",
    "合同截止日",
    "是否逾期",
]


def season_results_export(*, actor, season_id: int):
    """Write every lot of the season with its result and deal into a workbook (a private
    file of the staff member who asked), streaming rows (write-only mode)."""
    staff_require(actor, Perm.MANAGE_DEALS)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("成交结果")
    sheet.append(safe_row(sheet, HEADERS))
    lots = (
        Lot.objects.filter(session__season_id=season_id)
        .select_related(
            "session__season",
            "listing__shop",
            "winner__user__verification",
        )
        .prefetch_related("items__listing", "deals__registration", "deals__buyer__verification")
        .order_by("session__bidding_starts_at", "pk")
    )
    season_name = "season"
    for lot in lots.iterator(chunk_size=500):
        season_name = lot.session.season.name
        listings = lot.listings_in_order()  # the prefetched items
        # One row per deal: a lot licensed to several bidders has one deal for each.
        for deal in sorted(lot.deals.all(), key=lambda d: d.licence_rank) or [None]:
            sheet.append(
                safe_row(
                    sheet,
                    [
                        lot.session.name,
                        "、".join(listing.title for listing in listings),
                        lot.listing.get_type_display(),
                        "、".join(listing.patent_number for listing in listings),
                        lot.listing.shop.name,
                        float(lot.start_price),
                        lot.bid_count,
                        lot.get_result_display() if lot.result else "未结束",
                        _final_price(lot, deal),
                        deal.registration.bidder_number if deal else _winner_number(lot),
                        deal.buyer.verification.name if deal else _winner_name(lot),
                        deal.serial if deal else "",
                        deal.get_status_display() if deal else "",
                        deal.contract_deadline.isoformat() if deal else "",
                        ("是" if deal.overdue_at else "否") if deal else "",
                    ],
                )
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = now().astimezone(SHANGHAI)
    return file_save(
        content=ContentFile(buffer.getvalue()),
        name=f"{season_name}-成交结果-{stamp:%Y%m%d%H%M}.xlsx",
        kind=FileKind.RESULTS_EXPORT,
        owner=actor,
        file_type=XLSX,
    )


def _final_price(lot, deal) -> float | None:
    if deal is not None:
        return float(deal.price)
    return float(lot.final_price) if lot.final_price is not None else None


def _winner_number(lot) -> str:
    return lot.winner.bidder_number if lot.winner_id else ""


def _winner_name(lot) -> str:
    return lot.winner.user.verification.name if lot.winner_id else ""
