from django.contrib import admin

from files.admin import file_preview
from kernel.admin import DomainPermissionAdmin, ReadOnlyModelAdmin

from .models import Deal, Strike

# Whoever runs auctions or manages deals sees every deal (cancelling needs manage_deals).
DEAL_STAFF = ("deals.manage_deals", "auctions.manage_auctions")


@admin.register(Deal)
class DealAdmin(DomainPermissionAdmin, ReadOnlyModelAdmin):
    """Deals change through the parties' steps and the dealCancel mutation only."""

    domain_permissions = DEAL_STAFF
    domain_may_change = False

    list_display = (
        "serial",
        "lot",
        "price",
        "status",
        "contract_deadline",
        "overdue_at",
        "dealt_at",
    )
    list_filter = ("status", "lot__session__season")
    search_fields = ("serial", "lot__listing__title", "buyer__phone", "seller__phone")
    list_select_related = ("lot__listing", "lot__session")
    readonly_fields = ("notice_file", "contract_file", "payment_proof_file", "certificate_file")

    @admin.display(description="成交通知书")
    def notice_file(self, deal):
        return file_preview(deal.notice)

    @admin.display(description="合同")
    def contract_file(self, deal):
        return file_preview(deal.contract)

    @admin.display(description="付款凭证")
    def payment_proof_file(self, deal):
        return file_preview(deal.payment_proof)

    @admin.display(description="交易凭证")
    def certificate_file(self, deal):
        return file_preview(deal.certificate)


@admin.register(Strike)
class StrikeAdmin(DomainPermissionAdmin, ReadOnlyModelAdmin):
    domain_permissions = DEAL_STAFF
    domain_may_change = False
    list_display = ("user", "deal", "created_at", "created_by")
    search_fields = ("user__phone",)
