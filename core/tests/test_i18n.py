"""The Chinese catalogue is complete and compiled: Simplified Chinese is the default UI language."""

import gettext
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries():
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    return [block for block in text.split("\n\n") if re.search(r'^msgid "', block, re.M)][1:]  # [0] is the header


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = po_entries()
    untranslated = [b for b in entries if not any(re.findall(r'"(.+)"', b.split("\nmsgstr", 1)[1]))]
    assert untranslated == []
    assert not [b for b in entries if "#, fuzzy" in b]


def test_compiled_catalogue_matches_the_source():
    with open(CATALOGUE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    # Every msgid of the .po is in the .mo (plural entries are keyed by their singular).
    missing = []
    for block in po_entries():
        msgid = "".join(
            re.findall(r'"(.*)"', block.split("msgid ", 1)[1].split("\nmsgstr")[0].split("\nmsgid_plural")[0])
        )
        msgid = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        context = re.search(r'^msgctxt "(.*)"', block, re.M)
        key = f"{context.group(1)}\x04{msgid}" if context else msgid
        if key not in compiled._catalog and (key, 0) not in compiled._catalog:
            missing.append(msgid)
    assert missing == [], "run `make messages` (compilemessages) after editing the .po"


def test_default_language_is_simplified_chinese(client, db):
    assert settings.LANGUAGE_CODE == "zh-hans"
    page = client.get("/login/").content.decode()
    assert 'lang="zh-hans"' in page and "登录" in page
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"
