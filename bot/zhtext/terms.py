"""Synonym tables for the dictionary-based entities (``invoice_type``, ``platform``).

Keys are the canonical values promised in ``docs/architecture.md``; values are the surface
forms users type. Surface forms are matched after normalisation (NFKC, the traditional →
simplified fold of :mod:`bot.zhtext.text`, ASCII lower case), so each form is listed once,
in simplified Chinese and lower case ASCII.

Every surface form must also be a word of ``data/jieba/userdict.txt``, otherwise jieba may cut
it apart and the token-based spaCy matcher misses it (``tests/unit/zhtext`` checks this).
"""
from __future__ import annotations

from typing import Dict, Tuple

INVOICE_TYPES: Dict[str, Tuple[str, ...]] = {
    "增值税专用发票": (
        "增值税专用发票",
        "增值税专票",
        "专用发票",
        "专票",
        "增值税专用票",
    ),
    "增值税普通发票": (
        "增值税普通发票",
        "增值税普票",
        "普通发票",
        "普票",
    ),
    "电子发票": (
        "电子发票",
        "电票",
        "电子普票",
        "电子普通发票",
        "增值税电子普通发票",
    ),
    "数电发票": (
        "数电发票",
        "数电票",
        "全电发票",
        "全电票",
        "全面数字化的电子发票",
        "数字化电子发票",
    ),
    "红字发票": (
        "红字发票",
        "红票",
        "红字",
        "红冲发票",
        "红字专票",
        "红字普票",
    ),
    "机动车销售统一发票": (
        "机动车销售统一发票",
        "机动车发票",
        "机动车销售发票",
    ),
    "纸质发票": (
        "纸质发票",
        "纸票",
        "纸质票",
    ),
}

PLATFORMS: Dict[str, Tuple[str, ...]] = {
    "电子税务局": (
        "电子税务局",
        "电子局",
        "税务局网站",
        "etax",
        "电子税局",
    ),
    "开票软件": (
        "开票软件",
        "税控软件",
        "开票系统",
    ),
    "查验平台": (
        "查验平台",
        "发票查验",
        "发票查验平台",
        "增值税发票查验平台",
        "全国增值税发票查验平台",
    ),
    "税务UKey": (
        "税务ukey",
        "ukey",
    ),
    "金税盘": ("金税盘",),
    "税控盘": (
        "税控盘",
        "税盘",
    ),
    "手机App": (
        "个税app",
        "税务app",
        "掌上办税",
        "app",
        "手机app",
        "电子税务局app",
    ),
}

# Surface forms whose meaning is not certain; the entity is still produced, with this
# confidence, so that actions can ask back ("税盘" is used for 金税盘, 税控盘 and even UKey).
AMBIGUOUS_CONFIDENCE: Dict[str, float] = {
    "税盘": 0.6,
    "红字": 0.8,
    "app": 0.8,
    "电子局": 0.9,
}

# Labels the spaCy pipeline uses; they equal the Rasa entity names.
TABLES: Dict[str, Dict[str, Tuple[str, ...]]] = {
    "invoice_type": INVOICE_TYPES,
    "platform": PLATFORMS,
}


def surface_forms() -> Dict[str, Tuple[str, str]]:
    """Maps every surface form to ``(entity, canonical value)``.

    Returns:
        A new dictionary; a form listed under two canonical values would be a data error
        and is caught by the unit tests.
    """
    forms: Dict[str, Tuple[str, str]] = {}
    for entity, table in TABLES.items():
        for canonical, synonyms in table.items():
            for form in synonyms:
                forms[form] = (entity, canonical)
    return forms
