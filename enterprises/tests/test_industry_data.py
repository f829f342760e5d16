"""GB/T 4754-2017 (国民经济行业分类) reference data: the shipped CSV has the standard's shape and names.

The file holds sections (门类), divisions (大类) and groups (中类); classes (小类) are left out.
These are plain checks on the CSV file: no database is touched.
"""

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "industries_gbt4754_2017.csv"

# Which divisions each section holds, as the standard's table lays them out.
SECTION_RANGES = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}

CODE_FORMS = {"section": r"[A-T]", "division": r"\d{2}", "group": r"\d{3}"}


@pytest.fixture(scope="module")
def rows():
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["code", "name", "level", "parent"]
        return list(reader)


@pytest.fixture(scope="module")
def by_code(rows):
    return {row["code"]: row for row in rows}


def test_counts_per_level(rows):
    assert Counter(row["level"] for row in rows) == {"section": 20, "division": 97, "group": 473}


def test_codes_are_unique_and_well_formed(rows):
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes))
    for row in rows:
        assert re.fullmatch(CODE_FORMS[row["level"]], row["code"]), row


def test_names_are_clean(rows):
    for row in rows:
        name = row["name"]
        assert name, row
        assert name == name.strip() and not re.search(r"\s|\u3000", name), row
        # The standard writes full-width punctuation: （绒）, not (绒).
        assert not re.search(r"[(),?]", name), row


def test_sections_have_no_parent(rows):
    sections = [row for row in rows if row["level"] == "section"]
    assert [row["code"] for row in sections] == [chr(c) for c in range(ord("A"), ord("T") + 1)]
    assert all(row["parent"] == "" for row in sections)


def test_every_parent_exists_one_level_up(rows, by_code):
    parent_level = {"division": "section", "group": "division"}
    for row in rows:
        if row["level"] == "section":
            continue
        parent = by_code.get(row["parent"])
        assert parent is not None, row
        assert parent["level"] == parent_level[row["level"]], row


def test_groups_start_with_their_division(rows):
    for row in rows:
        if row["level"] == "group":
            assert row["code"][:2] == row["parent"], row


def test_divisions_lie_in_their_section_range(rows):
    divisions = [row for row in rows if row["level"] == "division"]
    for row in divisions:
        low, high = SECTION_RANGES[row["parent"]]
        assert low <= int(row["code"]) <= high, row
    # The ranges cover 01-97 without a gap, and every one of those divisions is present.
    assert {row["code"] for row in divisions} == {f"{n:02d}" for n in range(1, 98)}


def test_every_section_and_division_has_children(rows):
    parents = Counter(row["parent"] for row in rows if row["parent"])
    for row in rows:
        if row["level"] in ("section", "division"):
            assert parents[row["code"]] > 0, row


def test_rows_are_in_tree_order(rows):
    """Each row follows its parent, and codes ascend within a parent, as the standard's table reads."""
    seen = set()
    last_child = {}
    for row in rows:
        if row["parent"]:
            assert row["parent"] in seen, row
            previous = last_child.get(row["parent"])
            assert previous is None or previous < row["code"], row
            last_child[row["parent"]] = row["code"]
        seen.add(row["code"])


@pytest.mark.parametrize(
    ("code", "name", "level", "parent"),
    [
        ("A", "农、林、牧、渔业", "section", ""),
        ("C", "制造业", "section", ""),
        ("I", "信息传输、软件和信息技术服务业", "section", ""),
        ("T", "国际组织", "section", ""),
        ("05", "农、林、牧、渔专业及辅助性活动", "division", "A"),
        ("13", "农副食品加工业", "division", "C"),
        ("15", "酒、饮料和精制茶制造业", "division", "C"),
        ("44", "电力、热力生产和供应业", "division", "D"),
        ("65", "软件和信息技术服务业", "division", "I"),
        ("87", "广播、电视、电影和录音制作业", "division", "R"),
        ("96", "基层群众自治组织及其他组织", "division", "S"),
        ("97", "国际组织", "division", "T"),
        ("120", "其他采矿业", "group", "12"),
        ("131", "谷物磨制", "group", "13"),
        ("194", "羽毛（绒）加工及制品制造", "group", "19"),
        ("278", "药用辅料及包装材料", "group", "27"),
        ("339", "铸造及其他金属制品制造", "group", "33"),
        ("395", "非专业视听设备制造", "group", "39"),
        ("441", "电力生产", "group", "44"),
        ("651", "软件开发", "group", "65"),
        ("746", "环境与生态监测检测服务", "group", "74"),
        ("905", "文化体育娱乐活动与经纪代理服务", "group", "90"),
        ("970", "国际组织", "group", "97"),
    ],
)
def test_known_rows(by_code, code, name, level, parent):
    assert by_code[code] == {"code": code, "name": name, "level": level, "parent": parent}
