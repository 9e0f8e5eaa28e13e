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
            "deal",
        )
        .order_by("session__bidding_starts_at", "pk")
    )
    season_name = "season"
    for lot in lots.iterator(chunk_size=500):
        season_name = lot.session.season.name
        deal = getattr(lot, "deal", None)
        sheet.append(
            safe_row(
                sheet,
                [
                    lot.session.name,
                    lot.listing.title,
                    lot.listing.get_type_display(),
                    lot.listing.patent_number,
                    lot.listing.shop.name,
                    float(lot.start_price),
                    lot.bid_count,
                    lot.get_result_display() if lot.result else "未结束",
                    float(lot.final_price) if lot.final_price is not None else None,
                    lot.winner.bidder_number if lot.winner_id else "",
                    lot.winner.user.verification.name if lot.winner_id else "",
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
