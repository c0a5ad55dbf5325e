"""No place is named in the package's source: the hierarchy is data (issue 19).

Names of provinces, prefectures and counties may appear in region packs, data files, docs, tests and
scenario files, never in ``model/`` or ``calibration/`` source (code, docstrings, comments).  Reads every
``.py`` file under both folders, line by line, and fails naming ``file:line`` and the name for each hit.

The forbidden names: every shipped region pack's name, province, prefecture and counties (ids and
Chinese names, with and without the administrative suffix) and display names, plus the provinces of China
and their capitals in pinyin and in Chinese (the list below).  The nation is not a place a pack chooses
(``China``, ``全国`` may appear).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from helpers import ROOT

PACKS = ROOT / "model" / "spec" / "region_packs"
SOURCE = ("model", "calibration")

#: provincial-level divisions of China and their capitals: pinyin (and common English) names
PROVINCES_PINYIN = (
    "Beijing", "Tianjin", "Hebei", "Shanxi", "Neimenggu", "Inner Mongolia", "Liaoning", "Jilin", "Heilongjiang",
    "Shanghai", "Jiangsu", "Zhejiang", "Anhui", "Fujian", "Jiangxi", "Shandong", "Henan", "Hubei", "Hunan",
    "Guangdong", "Guangxi", "Hainan", "Chongqing", "Sichuan", "Guizhou", "Yunnan", "Xizang", "Tibet", "Shaanxi",
    "Gansu", "Qinghai", "Ningxia", "Xinjiang", "Taiwan", "Hong Kong", "Macau", "Macao",
)
CAPITALS_PINYIN = (
    "Shijiazhuang", "Taiyuan", "Hohhot", "Shenyang", "Changchun", "Harbin", "Nanjing", "Hangzhou", "Hefei",
    "Fuzhou", "Nanchang", "Jinan", "Zhengzhou", "Wuhan", "Changsha", "Guangzhou", "Nanning", "Haikou", "Chengdu",
    "Guiyang", "Kunming", "Lhasa", "Xi'an", "Lanzhou", "Xining", "Yinchuan", "Urumqi", "Taipei",
)
#: the same in Chinese (short forms: the suffixes 省, 市, 自治区 are stripped from pack names below)
PROVINCES_CHINESE = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西",
    "甘肃", "青海", "宁夏", "新疆", "台湾", "香港", "澳门",
    "石家庄", "太原", "呼和浩特", "沈阳", "长春", "哈尔滨", "南京", "杭州", "合肥", "福州", "南昌", "济南", "郑州",
    "武汉", "长沙", "广州", "南宁", "海口", "成都", "贵阳", "昆明", "拉萨", "西安", "兰州", "西宁", "银川",
    "乌鲁木齐", "台北",
)
#: administrative suffixes: a pack's Chinese name is forbidden with and without one
SUFFIXES = ("自治州", "自治县", "自治区", "特别行政区", "省", "市", "县", "区", "州")


def _short(name: str) -> str:
    for s in SUFFIXES:
        if name.endswith(s) and len(name) > len(s) + 1:
            return name[: -len(s)]
    return name


def pack_names() -> set[str]:
    """Every place name of the shipped region packs (read as plain YAML)."""
    out: set[str] = set()
    for f in sorted(PACKS.glob("*.yaml")):
        d = yaml.safe_load(f.read_text(encoding="utf-8"))
        out.add(str(d.get("name", f.stem)))
        for key in ("province", "prefecture"):
            if d.get(key):
                out.add(str(d[key]))
        for role, name in (d.get("names") or {}).items():
            if role != "nation":
                out |= {str(name), _short(str(name))}
        for c in d.get("counties") or ():
            out.add(str(c["id"]))
            if c.get("name"):
                out |= {str(c["name"]), _short(str(c["name"]))}
    return out


def forbidden() -> list[str]:
    return sorted(pack_names() | set(PROVINCES_PINYIN) | set(CAPITALS_PINYIN) | set(PROVINCES_CHINESE),
                  key=lambda n: (-len(n), n))


def _pattern(names: list[str]) -> re.Pattern[str]:
    """Latin names match case-insensitively when no letter touches them (``bijie_paths``, ``Bijie's`` match;
    ``Henanxyz`` does not); Chinese names match anywhere."""
    parts = []
    for n in names:
        if n.isascii():
            parts.append(rf"(?<![A-Za-z]){re.escape(n)}(?![a-z])")
        else:
            parts.append(re.escape(n))
    return re.compile("|".join(parts), re.IGNORECASE)


def hits(text: str, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    """``(line, name)`` of every place name in ``text``."""
    return [(i, m.group(0)) for i, line in enumerate(text.splitlines(), 1) for m in pattern.finditer(line)]


def _files() -> list[Path]:
    return [f for top in SOURCE for f in sorted((ROOT / top).rglob("*.py"))]


def test_the_forbidden_list_holds_the_packs_and_the_provinces() -> None:
    names = forbidden()
    for must in ("bijie", "Bijie", "Guizhou", "Qixingguan", "七星关区", "七星关", "毕节", "Kunming", "Yunnan", "昆明",
                 "Henan", "四川"):
        assert must in names, must


@pytest.mark.parametrize("line, found", [
    ("def bijie_paths(self):", "bijie"),
    ("# Guizhou's share", "Guizhou"),
    ('x = p["qixingguan_collected_intensity"]', "qixingguan"),
    ("七星关's urban multiplier", "七星关"),
    ('"jinsha_index"', "jinsha"),
    ("KUNMING = 1", "KUNMING"),
])
def test_the_check_finds_a_planted_name(line: str, found: str) -> None:
    assert [n for _, n in hits(line, _pattern(forbidden()))] == [found]


def test_the_check_leaves_ordinary_words_alone() -> None:
    text = "the nation (China, 全国), the province, the prefecture; human, machine, henanigans"
    assert hits(text, _pattern(forbidden())) == []


def test_no_place_name_in_model_or_calibration_source() -> None:
    pattern = _pattern(forbidden())
    found = [f"{f.relative_to(ROOT)}:{i}: {name}" for f in _files()
             for i, name in hits(f.read_text(encoding="utf-8"), pattern)]
    assert found == [], "place names in package source (move them to a region pack, data, docs or tests):\n" + \
        "\n".join(found)
