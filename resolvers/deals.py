from collections.abc import Iterable
from typing import Annotated

import strawberry
import strawberry_django
from strawberry import relay
from strawberry_django.relay import DjangoCursorConnection

from auctions.models import Season
from auctions.services.setup import season_contract_template_set
from deals.exports import season_results_export
from deals.models import Deal
from deals.selectors import deals_for_staff, deals_of, document_verify
from deals.services import (
    deal_cancel,
    deal_contract_upload,
    deal_delivery_confirm,
    deal_payment_proof_upload,
    deal_transfer_record,
)
from kernel.errors import CommonErrorCode, DomainError
from kernel.permissions import Perm
from schema.auctions import SeasonPayload
from schema.context import Info
from schema.deals import (
    DealCancelInput,
    DealContractUploadInput,
    DealIdInput,
    DealPayload,
    DealPaymentProofUploadInput,
    DealRole,
    DealStatusEnum,
    DealTransferRecordInput,
    DealType,
    DocumentVerification,
    FilePayload,
    SeasonContractTemplateInput,
    SeasonResultsExportInput,
)
from schema.permissions import IsAuthenticated, staff_with

from .ids import decode_id
from .payloads import payload


def _deal_payload(call) -> DealPayload:
    return payload(DealPayload, "deal", call)


def _deal_pk(global_id: relay.GlobalID) -> int:
    return decode_id(global_id, Deal, field="dealId")


@strawberry.type
class DealQuery:
    @strawberry_django.connection(
        DjangoCursorConnection[DealType],
        permission_classes=[IsAuthenticated],
        description="My auctions > transaction records: your deals as buyer or seller, "
        "newest first (keyset cursors).",
    )
    def my_deals(
        self,
        info: Info,
        role: Annotated[
            DealRole | None, strawberry.argument(description="Only as buyer or only as seller.")
        ] = None,
    ) -> Iterable[Deal]:
        return deals_of(user=info.context.user, role=role.value if role else None)

    @strawberry_django.connection(
        DjangoCursorConnection[DealType],
        permission_classes=staff_with(Perm.MANAGE_DEALS),
        description="Staff: every deal, newest first (keyset cursors); lacksRegistration "
        "lists deals whose "
        "patent transfer or technology-contract registration is not recorded yet.",
    )
    def deals(
        self,
        status: Annotated[
            DealStatusEnum | None, strawberry.argument(description="Only this status.")
        ] = None,
        season_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only this Season's deals.")
        ] = None,
        overdue: Annotated[
            bool | None,
            strawberry.argument(description="True: only overdue deals; false: only those on time."),
        ] = None,
        lacks_registration: Annotated[
            bool | None,
            strawberry.argument(description="True: only deals with a registration missing."),
        ] = None,
    ) -> Iterable[Deal]:
        try:
            season = decode_id(season_id, Season, field="seasonId") if season_id else None
        except DomainError:
            return Deal.objects.none()
        return deals_for_staff(
            status=status.value if status else None,
            season_id=season,
            overdue=overdue,
            lacks_registration=lacks_registration,
        )

    @strawberry.field(
        description="Public: check a deal notice or certificate by the serial (验证编号) and "
        "code (验证码) printed on it, as its QR code does."
    )
    def document_verify(
        self,
        serial: Annotated[str, strawberry.argument(description="验证编号, as printed.")],
        code: Annotated[str, strawberry.argument(description="验证码, as printed.")],
    ) -> DocumentVerification:
        return DocumentVerification.of(document_verify(serial=serial, code=code))


@strawberry.type
class DealMutation:
    @strawberry.mutation(
        description="Either party uploads the signed contract (PDF), within 5 working days.",
        permission_classes=[IsAuthenticated],
    )
    def deal_contract_upload(self, info: Info, input: DealContractUploadInput) -> DealPayload:
        return _deal_payload(
            lambda: deal_contract_upload(
                user=info.context.user, deal_id=_deal_pk(input.deal_id), contract=input.contract
            )
        )

    @strawberry.mutation(
        description="The buyer uploads the payment proof after the contract.",
        permission_classes=[IsAuthenticated],
    )
    def deal_payment_proof_upload(
        self, info: Info, input: DealPaymentProofUploadInput
    ) -> DealPayload:
        return _deal_payload(
            lambda: deal_payment_proof_upload(
                user=info.context.user,
                deal_id=_deal_pk(input.deal_id),
                proof=input.payment_proof,
            )
        )

    @strawberry.mutation(
        description="The buyer confirms delivery (交割) once the lot's bid log verifies; "
        "the deal is then DELIVERED with certificatePending true, and the worker issues the "
        "transaction certificate after this commits (usually within a second; both parties "
        "are told).",
        permission_classes=[IsAuthenticated],
    )
    def deal_delivery_confirm(self, info: Info, input: DealIdInput) -> DealPayload:
        return _deal_payload(
            lambda: deal_delivery_confirm(user=info.context.user, deal_id=_deal_pk(input.deal_id))
        )

    @strawberry.mutation(
        description="Record the patent transfer registration and the technology-contract "
        "registration (技术合同认定登记).",
        permission_classes=[IsAuthenticated],
    )
    def deal_transfer_record(self, info: Info, input: DealTransferRecordInput) -> DealPayload:
        return _deal_payload(
            lambda: deal_transfer_record(
                user=info.context.user,
                deal_id=_deal_pk(input.deal_id),
                patent_transfer_registered_on=input.patent_transfer_registered_on,
                patent_transfer_number=input.patent_transfer_number,
                tech_contract_registered_on=input.tech_contract_registered_on,
                tech_contract_number=input.tech_contract_number,
            )
        )

    @strawberry.mutation(
        description="Staff: cancel a deal whose buyer defaulted; the buyer gets a strike.",
        permission_classes=staff_with(Perm.MANAGE_DEALS),
    )
    def deal_cancel(self, info: Info, input: DealCancelInput) -> DealPayload:
        return _deal_payload(
            lambda: deal_cancel(
                actor=info.context.user, deal_id=_deal_pk(input.deal_id), reason=input.reason
            )
        )

    @strawberry.mutation(
        description="Staff: export a season's lots, results and deals as an xlsx file.",
        permission_classes=staff_with(Perm.MANAGE_DEALS),
    )
    def season_results_export(
        self,
        info: Info,
        input: SeasonResultsExportInput | None = None,
        season_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(
                description="The Season (the first form; give `input` instead).",
                deprecation_reason="Use `input: {seasonId}` (one `input`, like every mutation).",
            ),
        ] = None,
    ) -> FilePayload:
        chosen = input.season_id if input is not None else season_id

        def export():
            if chosen is None:
                raise DomainError(CommonErrorCode.REQUIRED, field="seasonId")
            return season_results_export(
                actor=info.context.user, season_id=decode_id(chosen, Season, field="seasonId")
            )

        return payload(FilePayload, "file", export)

    @strawberry.mutation(
        description="Staff: replace the default contract template for a season (PDF).",
        permission_classes=staff_with(Perm.MANAGE_AUCTIONS),
    )
    def season_contract_template_set(
        self, info: Info, input: SeasonContractTemplateInput
    ) -> SeasonPayload:
        return payload(
            SeasonPayload,
            "season",
            lambda: season_contract_template_set(
                actor=info.context.user,
                season_id=decode_id(input.season_id, Season, field="seasonId"),
                template=input.template,
            ),
        )
