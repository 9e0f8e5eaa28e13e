from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse

from files.admin import file_preview
from kernel.admin import DomainPermissionAdmin, ReadOnlyModelAdmin
from kernel.errors import DomainError
from kernel.permissions import Perm, staff_can

from .models import Deal, DealStatus, IssuedDocument, Strike
from .services import deal_cancel

# Whoever runs auctions or manages deals sees every deal (cancelling needs manage_deals).
DEAL_STAFF = ("deals.manage_deals", "auctions.manage_auctions")


@admin.register(Deal)
class DealAdmin(DomainPermissionAdmin, ReadOnlyModelAdmin):
    """Deals change through the parties' steps and the dealCancel mutation only."""

    domain_permissions = DEAL_STAFF
    domain_may_change = False
    change_form_template = "admin/deals/deal/change_form.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="deals_deal_cancel",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        deal = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        cancellable = deal is not None and deal.status not in (
            DealStatus.CANCELLED,
            DealStatus.CERTIFIED,
        )
        if cancellable and staff_can(request.user, Perm.MANAGE_DEALS):
            extra_context["cancel_url"] = reverse("admin:deals_deal_cancel", args=[deal.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    def cancel_view(self, request, object_id):
        """The detail page's 违约取消 with its reason, through ``deal_cancel``."""
        if request.method != "POST":
            raise PermissionDenied
        deal = self.get_object(request, unquote(object_id))
        if deal is None:
            raise Http404
        try:
            deal_cancel(actor=request.user, deal_id=deal.pk, reason=request.POST.get("reason", ""))
        except PermissionDenied:
            self.message_user(request, "您没有管理成交的权限，未作任何处理。", messages.ERROR)
        except DomainError as error:
            for item in error.items:
                self.message_user(request, item.message, messages.ERROR)
        else:
            self.message_user(request, f"成交{deal.serial}已取消，买受人记违约一次。")
        return HttpResponseRedirect(reverse("admin:deals_deal_change", args=[deal.pk]))

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


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(DomainPermissionAdmin, ReadOnlyModelAdmin):
    """What each issued notice and certificate states, as /deals/verify answers it."""

    domain_permissions = DEAL_STAFF
    domain_may_change = False
    list_display = ("serial", "kind", "lot_title", "price", "dealt_on", "issued_on")
    list_filter = ("kind",)
    search_fields = ("serial", "lot_title", "buyer_name", "seller_name")
    exclude = ("code",)  # the code is on the holder's paper, not for browsing
