"""The one catalogue of the words the reports, figures, workbooks and CLI summaries print, in Chinese and English:
the sentences (:mod:`expressim.model.viz.messages`) and, here, the names of metrics, inputs and units.

Every sentence a reader sees is looked up here by a key (:func:`tr`), so a report is wholly in one
language: ``--lang zh|en`` on ``run``, ``compare``, ``monitor`` and ``sensitivity``, the default from the
region pack (:func:`default_lang`: Chinese for a prefecture whose counties have Chinese names).  Text that
comes from the user (scenario names, target labels, sources) is printed as written.

A message is ``{"en": ..., "zh": ...}`` with ``str.format`` fields (``{year}``); a missing Chinese
text falls back to the English one (``tests/test_briefing.py`` checks that none is missing).  Words for
past and future years follow one rule (:mod:`expressim.model.viz.progress_report`): met / missed /
unknown for a year that is over, on track / at risk / unlikely only for a year still ahead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from expressim.model.viz.messages import MESSAGES

__all__ = ["INPUT_NAMES_ZH", "LANGS", "MESSAGES", "default_lang", "fact_text", "input_name", "metric_name", "tr", "translator",
           "unit_label"]

#: languages of the reports
LANGS = ("zh", "en")

#: metric names in each language (the scenario's target labels are the user's; these name the indicators)
METRIC_NAMES: dict[str, dict[str, str]] = {
    "parcels_inout": {"en": "parcels in + out", "zh": "快递进出口业务量"},
    "parcels_out": {"en": "parcels collected (out)", "zh": "快递业务量（收寄）"},
    "parcels_in": {"en": "parcels delivered (in)", "zh": "快递投递量"},
    "revenue": {"en": "express revenue", "zh": "快递业务收入"},
    "jobs": {"en": "jobs", "zh": "就业岗位"},
    "online_shopping": {"en": "online shopping supported", "zh": "支撑网购消费"},
    "jobs_with_station_keepers": {"en": "jobs incl. village station keepers", "zh": "就业岗位（含村级站点人员）"},
    "online_shopping_inout": {"en": "online shopping supported (in and out)", "zh": "支撑网购消费（进出双向）"},
    "specialty_sales": {"en": "specialty products sold out", "zh": "特色产品外销额"},
    "firms_over_1e8": {"en": "firms with revenue ≥ 1亿元", "zh": "业务收入超 1 亿元企业数"},
    "firms_over_1e7": {"en": "firms with revenue ≥ 1000万元", "zh": "业务收入超 1000 万元企业数"},
    "village_coverage": {"en": "villages with express service", "zh": "建制村快递服务覆盖率"},
    "green_slim_tape": {"en": "slim-tape sealing rate", "zh": "瘦身胶带封装率"},
    "green_no_reboxing": {"en": "e-commerce parcels without a second box", "zh": "电商快件不再二次包装率"},
    "green_reusable_bags": {"en": "reusable transit-bag rate", "zh": "循环中转袋使用率"},
    "demo_agriculture": {"en": "agriculture demonstration projects", "zh": "农业示范项目"},
    "demo_manufacturing": {"en": "manufacturing demonstration projects", "zh": "制造业示范项目"},
    "liquor_tonnes": {"en": "liquor shipped by express", "zh": "快递寄递白酒量"},
    "scenic_coverage": {"en": "4A+ scenic spots with express service", "zh": "4A 级以上景区快递覆盖率"},
    "projects_open": {"en": "projects open", "zh": "项目投用"},
    "phase_started": {"en": "construction started", "zh": "项目开工"},
}

#: Chinese names of the inputs a probability rests on (analysis ids; English labels come with the analysis)
INPUT_NAMES_ZH: dict[str, str] = {
    "national_volume_u": "全国快递业务量走势",
    "province_share_u": "本省占全国快递业务量的份额",
    "local_collected_intensity": "本地区人均收寄量相对全省的水平",
    "local_delivered_relative": "本地区人均投递量相对全国的水平",
    "revenue_per_parcel": "本地区单件快递收入",
    "jobs_per_parcel": "假设的每件快递就业岗位（2023 年水平及年降幅）",
    "specialty_per_parcel": "假设的每件收寄快件特色产品外销额（份额及单价）",
    "online_value_per_parcel": "假设的每件投递快件网购消费额（2023 年水平及年降幅）",
    "rollout:stations": "假设的村级站点建设工期",
    "rollout:county_centre": "假设的县级共配中心建设工期",
    "rollout:hub": "假设的物流园区建设工期",
    "specialty_liquor": "假设的白酒寄递走势（2023 年吨数及增速）",
    "green_gap_closure": "假设的绿色包装指标每年向 100% 缩小差距的幅度",
    "scenic": "假设的景区快递覆盖过程",
    "no_reboxing_2023": "假设的 2023 年电商快件不再二次包装率",
    "slim_tape_2023": "假设的 2023 年瘦身胶带封装率",
    "reusable_bags_2023": "假设的 2023 年循环中转袋使用率",
    "demo_success_probability": "假设的示范项目当年获认定的概率",
    "urban_intensity": "假设的中心城区相对其他区县的快递强度",
    "county_share_noise": "假设的区县快递强度离散程度",
    "firm_split": "假设的企业间收入分布（企业数及 Zipf 指数）",
    "centre_delivered_uplift": "假设的共配中心投用后新增投递量",
    "centre_collected_uplift": "假设的共配中心投用后新增收寄量",
    "station_delivered_uplift": "假设的村级站点覆盖带来的新增投递量",
    # the register's other simulation inputs (sensitivity reports name every input, issue 20)
    "urban_collected_intensity": "假设的中心城区人均收寄量相对其他区县的倍数",
    "urban_delivered_intensity": "假设的中心城区人均投递量相对其他区县的倍数",
    "centre_ramp_months": "假设的共配中心投用后达到全部效果所需月数",
    "hub_collected_uplift": "假设的物流园区投用后全市新增收寄量",
    "hub_ramp_months": "假设的物流园区投用后达到全部效果所需月数",
    "village_coverage_start": "假设的规划开始时建制村快递服务覆盖率",
    "capacity_headroom": "假设的共配中心投用前区县分拣能力余量",
    "centre_capacity_factor": "假设的共配中心投用后处理能力倍数",
    "jobs_per_10k_parcels_2023": "假设的 2023 年每万件快递对应的快递企业就业岗位",
    "jobs_productivity_growth": "假设的每件快递就业岗位年降幅（生产率提高）",
    "station_keepers_per_10k_parcels": "假设的每万件快递对应的村级站点人员",
    "online_value_per_parcel_decline": "假设的每件投递快件网购消费额年降幅",
    "specialty_share_outbound": "假设的收寄快件中本地农特产品的份额",
    "specialty_value_per_parcel": "假设的每件特色产品快件货值",
    "firm_count": "假设的本地区独立核算快递企业数",
    "firm_size_exponent": "假设的企业收入分布 Zipf 指数",
    "specialty_liquor_tonnes_2023": "假设的 2023 年白酒主产县快递寄递白酒吨数",
    "specialty_liquor_growth": "假设的白酒主产县快递寄递白酒年增速",
    "scenic_spots_4a": "假设的 4A 级以上景区数量",
    "scenic_coverage_start": "假设的 2023 年设有快递服务点的 4A 级以上景区比例",
    "scenic_yearly_hazard": "假设的未覆盖景区每年新设快递服务点的概率",
}


#: Chinese of the readings of a target's wording (``conventions.READINGS``): reading -> (name, why)
READINGS_ZH: dict[str, tuple[str, str]] = {
    "express firms": ("快递企业从业人员",
                      "“解决就业岗位”与业务量、业务收入同列为行业指标，邮政管理部门按快递从业人员统计"),
    "with village station keepers": ("含村级站点人员", "把村级站点的代收代投人员也算作快递网络带动的就业（带动就业）"),
    "inbound": ("进港（投递）快件",
                "网购消费指本地消费，规划讲的是激发农村网购消费活力"),
    "in and out": ("进出港快件", "把本地经快递外销的网上销售也算上，与全国“快递支撑网上零售额”按全部快件统计的口径一致"),
}


def reading_words(reading: str, why: str, lang: str) -> tuple[str, str]:
    """A reading's name and the reason it is preferred, in ``lang`` (the catalogue's Chinese when it has it)."""
    if _lang(lang) == "zh" and reading in READINGS_ZH:
        return READINGS_ZH[reading]
    return reading, why


#: Chinese of the assumption register's units (calibration/data/assumptions.yaml ``unit``)
REGISTER_UNITS_ZH: dict[str, str] = {
    "Zipf exponent": "Zipf 指数", "atanh of a correlation": "相关系数的 atanh", "correlation": "相关系数",
    "firms": "家", "fraction": "比例", "fraction a year": "每年比例", "fraction of 4A+ spots": "占 4A 级以上景区的比例",
    "fraction of administrative villages": "占建制村的比例", "fraction of city collections": "占全市收寄量的比例",
    "fraction of collected parcels": "占收寄快件的比例", "fraction of county collections": "占区县收寄量的比例",
    "fraction of county deliveries": "占区县投递量的比例",
    "fraction of deliveries per unit of village coverage gained": "建制村覆盖率每提高 1 个单位新增投递量的比例",
    "fraction of the remaining gap a year": "每年缩小剩余差距的比例",
    "jobs per 10,000 parcels handled a year (delivered + collected)": "每年每万件处理量（投递 + 收寄）对应岗位",
    "jobs per 10,000 parcels handled a year (village station keepers)": "每年每万件处理量对应村级站点人员",
    "log": "对数", "log per year": "每年对数变化", "log sd": "对数标准差", "logit of a variance share": "方差份额的 logit",
    "logit of phi / 0.98": "phi / 0.98 的 logit", "months": "个月", "multiple of the national growth persistence phi":
    "全国增速持续性 phi 的倍数", "probability": "概率", "probability a year": "每年概率", "ratio": "比值",
    "spots": "个景区", "t per year": "吨/年", "元/件": "元/件",
}


def register_unit(unit: str, lang: str) -> str:
    """A register unit in ``lang`` (the catalogue's Chinese when it has it, else as written)."""
    return REGISTER_UNITS_ZH.get(unit, unit) if _lang(lang) == "zh" else unit


def input_name(input_id: str, label: str, lang: str) -> str:
    """The plain name of an input in ``lang``: the Chinese name when the catalogue has one, else ``label``."""
    if _lang(lang) == "zh" and input_id in INPUT_NAMES_ZH:
        return INPUT_NAMES_ZH[input_id]
    return label or input_id.replace("_", " ")


#: display units: canonical unit -> (divisor, en label, zh label)
UNITS: dict[str, tuple[float, str, str]] = {
    "件": (1e8, "亿件 (100M parcels)", "亿件"), "元": (1e8, "亿元 (100M yuan)", "亿元"),
    "fraction": (0.01, "%", "%"), "人": (1.0, "persons", "人"), "个": (1.0, "count", "个"), "t": (1.0, "t", "吨"),
}


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "en"


def tr(key: str, lang: str, /, **fields: object) -> str:
    """The message ``key`` in ``lang`` with its ``{fields}`` filled in.

    Parameters
    ----------
    key : str
        A key of :data:`MESSAGES`.
    lang : {"zh", "en"}
        The language (anything else reads as English).
    **fields
        Values for the message's ``str.format`` fields.

    Raises
    ------
    KeyError
        ``key`` is not in the catalogue (a programming error: every text is in the catalogue).
    """
    entry = MESSAGES[key]
    text = entry.get(_lang(lang)) or entry["en"]
    return text.format(**fields) if fields else text


def translator(lang: str) -> Callable[..., str]:
    """``tr`` bound to one language: ``t = translator("zh"); t("run.targets")``."""

    def t(key: str, /, **fields: object) -> str:
        return tr(key, lang, **fields)

    return t


def fact_text(fact: str, names: Mapping[str, str], lang: str) -> str:
    """A progress fact ``"<id> <status> <date>"`` in words: ``"快递物流聚集区 投用不晚于 2025-05"``.

    The id is replaced by its label from ``names`` (project, phase, target or task), the status by its
    words; text of another shape is returned as it is.
    """
    parts = fact.split()
    if len(parts) != 3 or f"fact.{parts[1]}" not in MESSAGES:
        return fact
    ident, status, date = parts
    name = names.get(ident)
    if name is None and "." in ident:  # project.phase
        project, phase = ident.split(".", 1)
        name = f"{names.get(project, project)} · {phase}"
    return f"{name or ident} {tr(f'fact.{status}', lang)} {date}"


def metric_name(metric: str, lang: str) -> str:
    """The indicator's name in ``lang`` (the metric id itself when unknown)."""
    entry = METRIC_NAMES.get(metric)
    return metric if entry is None else entry[_lang(lang)]


def unit_label(unit: str, lang: str) -> tuple[float, str]:
    """Display divisor and unit label of a canonical unit: ``("件", "zh") -> (1e8, "亿件")``."""
    if unit in UNITS:
        div, en, zh = UNITS[unit]
        return div, zh if _lang(lang) == "zh" else en
    return 1.0, unit


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a CJK ideograph."""
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


def default_lang(names: Iterable[str], language: str | None = None) -> str:
    """The report language of a region: its pack's ``language`` when it names one, else Chinese when
    its prefecture or counties have Chinese names, else English.

    Parameters
    ----------
    names : iterable of str
        The prefecture's and counties' names from the region pack.
    language : str, optional
        The pack's own ``language`` field.
    """
    if language in LANGS:
        return str(language)
    return "zh" if any(has_cjk(str(n)) for n in names) else "en"
