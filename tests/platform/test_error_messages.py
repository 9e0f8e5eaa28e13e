"""Every error code has a Chinese message, and the committed catalog is compiled."""

import gettext
import re
import string
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

import accounts.errors
import agreements.errors
import auctions.errors
import calendars.errors
import datarooms.errors
import deals.errors
import files.errors
import kernel.errors
import listings.errors
import reviews.errors
import shops.errors
from kernel.errors import ErrorCode
from schema.errors import ERROR_CODE_SOURCES

# The API's list; the guard below checks that no app's code class is missing from it.
ERROR_CODE_CLASSES = list(ERROR_CODE_SOURCES)
ERROR_MODULES = [
    kernel.errors,
    accounts.errors,
    files.errors,
    agreements.errors,
    reviews.errors,
    shops.errors,
    listings.errors,
    auctions.errors,
    deals.errors,
    calendars.errors,
    datarooms.errors,
]

MEMBERS = [member for cls in ERROR_CODE_CLASSES for member in cls]

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

LOCALE_DIR = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"


def _member_id(member: ErrorCode) -> str:
    return f"{type(member).__name__}.{member.name}"


def _source(member: ErrorCode) -> str:
    """The untranslated (English) message, as written in the code."""
    with translation.override(None):
        return str(member.label)


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_every_error_code_class_is_listed():
    defined = {
        value
        for module in ERROR_MODULES
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ErrorCode)
        and value is not ErrorCode
        and value.__module__ == module.__name__
    }
    assert defined == set(ERROR_CODE_CLASSES)


@pytest.mark.parametrize("member", MEMBERS, ids=_member_id)
def test_message_is_translated_to_chinese(member):
    english = _source(member)
    with translation.override("zh-hans"):
        chinese = str(member.label)
    assert chinese != english
    assert CJK.search(chinese), chinese
    assert _placeholders(chinese) == _placeholders(english)


@pytest.mark.parametrize("member", MEMBERS, ids=_member_id)
def test_message_in_english_is_the_source(member):
    with translation.override("en"):
        assert str(member.label) == _source(member)


def _unquote(line: str) -> str:
    body = line[line.index('"') + 1 : line.rindex('"')]
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), body)


def _parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as dicts of msgctxt/msgid/msgid_plural/msgstr[n] and flags."""
    entries: list[dict] = []
    entry: dict = {}
    key = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, None
        elif line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue  # comments, references and obsolete (#~) entries
        elif line.startswith('"'):
            entry[key] += _unquote(line)
        else:
            key = line.split(None, 1)[0]
            entry[key] = _unquote(line)
    return entries


def _catalog_key(entry: dict, msgstr_key: str):
    msgid = entry["msgid"]
    if "msgctxt" in entry:
        msgid = f"{entry['msgctxt']}\x04{msgid}"
    if "msgid_plural" in entry:
        return (msgid, int(msgstr_key[len("msgstr[") : -1]))
    return msgid


def test_po_has_chinese_header_and_no_fuzzy_entries():
    entries = _parse_po(LOCALE_DIR / "django.po")
    header = entries[0]
    assert header["msgid"] == ""
    assert "Content-Type: text/plain; charset=UTF-8" in header["msgstr"]
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]
    assert not [e["msgid"] for e in entries if "fuzzy" in e.get("flags", ())]


def test_compiled_catalog_matches_po():
    entries = _parse_po(LOCALE_DIR / "django.po")
    with open(LOCALE_DIR / "django.mo", "rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog
    expected = {
        _catalog_key(entry, key): text
        for entry in entries
        if entry["msgid"]
        for key, text in entry.items()
        if key.startswith("msgstr") and text
    }
    assert expected
    missing = sorted(str(k) for k in expected if k not in catalog)
    assert not missing, f"recompile django.mo; missing: {missing}"
    stale = sorted(str(k) for k, text in expected.items() if catalog[k] != text)
    assert not stale, f"recompile django.mo; stale: {stale}"
