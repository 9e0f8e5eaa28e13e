from django.utils.translation import gettext_lazy as _

from kernel.errors import ErrorCode


class ListingErrorCode(ErrorCode):
    # issue 14: licence terms
    LICENCE_TERMS_NOT_FOR_TRANSFER = (
        "LICENCE_TERMS_NOT_FOR_TRANSFER",
        _("Licence terms apply only when the transaction type is a licence."),
    )
    LICENCE_TERM_REQUIRED = (
        "LICENCE_TERM_REQUIRED",
        _("Give the licence term: a number of years, or a start and an end date."),
    )
    LICENCE_TERM_AMBIGUOUS = (
        "LICENCE_TERM_AMBIGUOUS",
        _("Give the licence term either in years or as dates, not both."),
    )
    LICENCE_TERM_INVALID = (
        "LICENCE_TERM_INVALID",
        _("A licence runs 1 to 50 years, or from a start date to a later end date."),
    )
    PATENT_NOT_SELLABLE = (
        "PATENT_NOT_SELLABLE",
        _("The patent's legal status ({status}) does not allow it to be sold."),
    )
    LISTING_NOT_EDITABLE = (
        "LISTING_NOT_EDITABLE",
        _("Only a draft, a rejected or a delisted listing can be edited or submitted."),
    )
    DETAILS_NOT_FOR_TYPE = (
        "DETAILS_NOT_FOR_TYPE",
        _("These details do not belong to this type of listing."),
    )
    PATENT_NUMBER_INVALID = (
        "PATENT_NUMBER_INVALID",
        _("The patent number is not valid (format or check digit)."),
    )
    PATENT_TYPE_MISMATCH = (
        "PATENT_TYPE_MISMATCH",
        _("The patent type does not match the patent number ({expected})."),
    )
    PATENT_ALREADY_LISTED = (
        "PATENT_ALREADY_LISTED",
        _("This patent is already offered by another listing under review or on sale."),
    )
    DATE_IN_FUTURE = "DATE_IN_FUTURE", _("The date cannot be in the future.")
    GRANT_BEFORE_APPLICATION = (
        "GRANT_BEFORE_APPLICATION",
        _("The grant date cannot be before the application date."),
    )
    IPC_CLASS_INVALID = (
        "IPC_CLASS_INVALID",
        _("Not an IPC classification such as H01L 21/00: {value}"),
    )
    PRICE_INVALID = (
        "PRICE_INVALID",
        _("The start price must be more than 0 and at most 999,999,999.99 yuan, in fen."),
    )
    TOO_MANY_ITEMS = "TOO_MANY_ITEMS", _("At most {limit} entries.")
    SEASON_OPT_IN_NOT_ELIGIBLE = (
        "SEASON_OPT_IN_NOT_ELIGIBLE",
        _(
            "Only own listings of universities, research institutes and state-owned "
            "enterprises can join the auction season."
        ),
    )
    LISTING_IN_AUCTION = (
        "LISTING_IN_AUCTION",
        _("The listing is placed in an auction and can no longer be delisted."),
    )
    LISTING_NOT_LISTED = "LISTING_NOT_LISTED", _("Only a listed listing can be delisted.")
    OWNERSHIP_UNCHANGED = (
        "OWNERSHIP_UNCHANGED",
        _("The listing already has this ownership status."),
    )
    OWNERSHIP_CHANGE_PENDING = (
        "OWNERSHIP_CHANGE_PENDING",
        _("An ownership change of this listing is already waiting for review."),
    )


class PatentServiceErrorCode(ErrorCode):
    PATENT_SEARCH_TOO_SHORT = (
        "PATENT_SEARCH_TOO_SHORT",
        _("Enter at least {minimum} characters of the patent name."),
    )
    PATENT_NOT_FOUND = "PATENT_NOT_FOUND", _("The patent information service has no such patent.")
    PATENT_SERVICE_UNAVAILABLE = (
        "PATENT_SERVICE_UNAVAILABLE",
        _("The patent information service is not answering; try again later or fill in by hand."),
    )


class ImportErrorCode(ErrorCode):
    """Batch import (批量导入): refusals of a whole workbook, of an import, and of a cell."""

    NOT_AN_XLSX = (
        "NOT_AN_XLSX",
        _("The file is not an Excel workbook (.xlsx): fill in the template and save it as .xlsx."),
    )
    MACRO_NOT_ALLOWED = (
        "MACRO_NOT_ALLOWED",
        _("Workbooks with macros are not accepted: save the file as a plain .xlsx workbook."),
    )
    WRONG_TEMPLATE = (
        "WRONG_TEMPLATE",
        _(
            "The header row does not match the {template} import template (download it "
            "again). Missing columns: {missing}. Unknown columns: {unknown}."
        ),
    )
    EMPTY_WORKBOOK = "EMPTY_WORKBOOK", _("The workbook has no data rows below the header row.")
    TOO_MANY_ROWS = (
        "TOO_MANY_ROWS",
        _("The workbook has more than {limit} data rows: split it into several files."),
    )
    TOO_MANY_CELLS = (
        "TOO_MANY_CELLS",
        _("The workbook holds more than {limit} texts: split it into several files."),
    )
    UNREADABLE_WORKBOOK = (
        "UNREADABLE_WORKBOOK",
        _(
            "The workbook could not be read: open it in Excel, save it again as .xlsx and "
            "upload it again."
        ),
    )
    DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE", _("Row {row} of this file has the same entry.")
    ACHIEVEMENT_ALREADY_LISTED = (
        "ACHIEVEMENT_ALREADY_LISTED",
        _("Your shop already offers an achievement of this name under review or on sale."),
    )
    CELL_DATE_INVALID = (
        "CELL_DATE_INVALID",
        _("Not a date: enter it as 2021-03-01 or as an Excel date."),
    )
    CELL_NUMBER_INVALID = (
        "CELL_NUMBER_INVALID",
        _("Not an amount: enter a number of yuan such as 120000 or 120000.50."),
    )
    CELL_CHOICE_INVALID = "CELL_CHOICE_INVALID", _("Choose one of: {allowed}.")
    IMPORT_NOT_READY = (
        "IMPORT_NOT_READY",
        _("The workbook is still being checked: wait until the check is done."),
    )
    IMPORT_FAILED = (
        "IMPORT_FAILED",
        _("The workbook of this import could not be read: upload it again."),
    )
    IMPORT_ALREADY_COMMITTED = (
        "IMPORT_ALREADY_COMMITTED",
        _("The valid rows of this import are already listed."),
    )
    NOTHING_TO_COMMIT = (
        "NOTHING_TO_COMMIT",
        _("No row of this import is valid: correct the rows and upload the workbook again."),
    )
