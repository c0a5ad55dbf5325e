"""The sentences of the reports, figures, workbooks and CLI summaries, each in Chinese and English.

A message is ``{"en": ..., "zh": ...}`` with ``str.format`` fields (``{year}``), looked up by its key with
:func:`expressim.model.viz.i18n.tr`; ``tests/test_briefing.py`` checks that every message has both languages
and the same fields in each.  The names of metrics, inputs and units are in :mod:`expressim.model.viz.i18n`.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, dict[str, str]] = {
    # ---- status words (one rule for every report, figure and table) ----
    "status.green": {"en": "On track", "zh": "有望达成"},
    "status.amber": {"en": "At risk", "zh": "存在风险"},
    "status.red": {"en": "Unlikely", "zh": "难以达成"},
    "status.met": {"en": "Met (observed)", "zh": "已达成（实际值）"},
    "status.missed": {"en": "Missed (observed)", "zh": "未达成（实际值）"},
    "status.unknown": {"en": "Unknown (year over, not observed)", "zh": "未知（年份已过，尚无实际值）"},
    "status.met_short": {"en": "met", "zh": "已达成"},
    "status.missed_short": {"en": "missed", "zh": "未达成"},
    "status.unknown_short": {"en": "unknown", "zh": "未知"},
    "status.done": {"en": "Done", "zh": "已完成"},
    "status.not_done": {"en": "Not done", "zh": "未完成"},
    "status.partial": {"en": "Partly done", "zh": "部分完成"},
    "status.no_row": {"en": "Unknown (no progress row)", "zh": "未知（无进展记录）"},
    "status.legend_ahead": {
        "en": "Status of a target whose year is still ahead: <span class=\"green\">On track</span> P ≥ {on:g}; "
              "<span class=\"amber\">At risk</span> {risk:g} ≤ P &lt; {on:g}; <span class=\"red\">Unlikely</span> "
              "P &lt; {risk:g}.",
        "zh": "年份未到的目标的状态：<span class=\"green\">有望达成</span> P ≥ {on:g}；<span class=\"amber\">存在风险</span> "
              "{risk:g} ≤ P &lt; {on:g}；<span class=\"red\">难以达成</span> P &lt; {risk:g}。"},
    "status.legend_over": {
        "en": "A target whose year is over: <span class=\"green\">Met</span> / <span class=\"red\">Missed</span> when "
              "its value is observed; <span class=\"muted\">Unknown</span> when it is not (P is then the model's "
              "estimate, never a forecast word).",
        "zh": "年份已过的目标：已有实际值时为<span class=\"green\">已达成</span> / <span class=\"red\">未达成</span>；"
              "尚无实际值时为<span class=\"muted\">未知</span>（此时 P 为模型估计，不用预测性用语）。"},
    # ---- common ----
    "common.pm": {"en": "“±” is two Monte-Carlo standard errors (about a 95% band for the estimate).",
                  "zh": "“±”为两倍蒙特卡洛标准误（约为估计值的 95% 区间）。"},
    "common.figures": {"en": "Figures", "zh": "图"},
    "common.no_figures": {"en": "No figures.", "zh": "无图。"},
    "common.none": {"en": "None.", "zh": "无。"},
    "common.manifest": {"en": "Technical record (manifest)", "zh": "技术记录（manifest）"},
    "common.manifest_note": {"en": "For reproducing the result: inputs with their checksums, versions, command.",
                             "zh": "用于复现结果：输入文件及其校验值、软件版本、命令。"},
    "common.data_sources": {"en": "Data sources", "zh": "数据来源"},
    "common.reference": {"en": "reference", "zh": "基准"},
    "common.not_in": {"en": "not in this scenario", "zh": "本情景无此目标"},
    "common.scenario": {"en": "Scenario", "zh": "情景"},
    "common.target": {"en": "Target", "zh": "目标"},
    "common.year": {"en": "Year", "zh": "年份"},
    "common.threshold": {"en": "Threshold", "zh": "目标值"},
    "common.unit": {"en": "Unit", "zh": "单位"},
    "common.probability": {"en": "Probability", "zh": "达成概率"},
    "common.status": {"en": "Status", "zh": "状态"},
    "common.as_of": {"en": "As of", "zh": "截至"},
    "common.id": {"en": "Id", "zh": "编号"},
    "common.source": {"en": "Source", "zh": "来源"},
    "common.date": {"en": "Date", "zh": "日期"},
    "common.task": {"en": "Task", "zh": "任务"},
    "common.observed": {"en": "Observed", "zh": "实际值"},
    "common.lang_switch": {"en": "This report is in English; <code>--lang zh</code> writes it in Chinese.",
                           "zh": "本报告为中文；<code>--lang en</code> 输出英文版。"},
    # ---- answers page ----
    "answers.title": {"en": "Answers", "zh": "结论"},
    "answers.intro": {
        "en": "One line per headline target, as of {as_of}: met or missed when its value is known, unknown when "
              "its year is over without a value, else the probability of reaching it, its range under the "
              "priors, what it rests on and the figure that would settle it.",
        "zh": "每个主要目标一行（截至 {as_of}）：已有实际值的写已达成或未达成；年份已过但无实际值的写未知；"
              "其余写达成概率、在先验假设范围内的概率区间、主要依据，以及能确定结论的统计数据。"},
    "answers.answer": {"en": "Answer", "zh": "结论"},
    "answers.range": {"en": "Range (P10–P90 of the indicator)", "zh": "指标区间（P10–P90）"},
    "answers.rests_on": {"en": "Rests on", "zh": "主要依据"},
    "answers.settled_by": {"en": "Settled by", "zh": "确定结论所需数据"},
    "answers.p_text": {"en": "P = {p} ({words})", "zh": "P = {p}（{words}）"},
    "answers.p_range": {"en": "P {lo:.2f}–{hi:.2f} with {input} at its 10th–90th percentile ({kind})",
                        "zh": "{input} 取其第 10–90 百分位时 P 为 {lo:.2f}–{hi:.2f}（{kind}）"},
    "answers.estimate": {"en": "model estimate P = {p:.2f}", "zh": "模型估计 P = {p:.2f}"},
    "answers.all_met": {"en": "met in every simulated future; awaiting the figure to confirm it",
                        "zh": "所有模拟情形均达成，待实际值确认"},
    "answers.none_met": {"en": "met in no simulated future; awaiting the figure to confirm it",
                         "zh": "所有模拟情形均未达成，待实际值确认"},
    "answers.observed": {"en": "observed {value}", "zh": "实际值 {value}"},
    "answers.no_head": {"en": "No headline target.", "zh": "无主要目标。"},
    "kind.data": {"en": "data", "zh": "数据"},
    "kind.evidence": {"en": "evidence", "zh": "证据"},
    "kind.assumption": {"en": "assumption", "zh": "假设"},
    # ---- run report ----
    "run.title": {"en": "Express-delivery scenario report · {name}", "zh": "快递业情景分析报告 · {name}"},
    "run.meta": {"en": "Simulated {start} to {end} ({y0}–{y1}); {n} replications; seed {seed}; created {created}.",
                 "zh": "模拟期 {start} 至 {end}（{y0}–{y1}年）；{n} 次模拟；随机种子 {seed}；生成于 {created}。"},
    "run.targets": {"en": "All targets", "zh": "全部目标"},
    "run.targets_intro": {
        "en": "Probability that each target is attained in its year, across {n} simulated futures. {pm} When every "
              "or no replication attains a target the error is below 3/n. The {heads} headline targets come first "
              "(bold). P10 / median / P90: the target's indicator in its year (one in ten futures falls below P10).",
        "zh": "各目标在其年份达成的概率（基于 {n} 个模拟未来）。{pm}当全部或没有模拟达成时，误差小于 3/n。"
              "{heads} 个主要目标列在前面（粗体）。P10 / 中位数 / P90：该目标指标在目标年份的取值"
              "（十分之一的模拟低于 P10）。"},
    "run.rests_intro": {
        "en": "The “±” is Monte-Carlo error only. The uncertainty from the priors is in the last column: the input "
              "that moves P most, <i>data</i> (calibrated on observations), <i>evidence</i> or <i>assumption</i> (a "
              "prior with no data behind it), and P with that input held at its 10th and at its 90th percentile. A "
              "target is <b>decided by an assumption</b> when an assumption moves its P by at least 0.2.",
        "zh": "“±”仅为蒙特卡洛误差。先验假设带来的不确定性见最后一列：对 P 影响最大的输入，"
              "<i>数据</i>（由观测值校准）、<i>证据</i>或<i>假设</i>（无数据支撑的先验），以及该输入取其第 10 和第 90 "
              "百分位时的 P。若某一假设使 P 变动至少 0.2，则该目标<b>取决于假设</b>。"},
    "run.col.quant": {"en": "P10 / median / P90", "zh": "P10 / 中位数 / P90"},
    "run.col.rests": {"en": "What it rests on (P at the input's 10th → 90th percentile)",
                      "zh": "主要依据（输入取第 10 → 90 百分位时的 P）"},
    "run.decided_by_assumption": {"en": "decided by an assumption", "zh": "取决于假设"},
    "run.then": {"en": "then", "zh": "其次"},
    "run.readings": {"en": "Readings: {parts}. First because {why}.", "zh": "不同理解：{parts}。首选第一种，因为 {why}。"},
    "run.likely_meant": {"en": "(likely meant)", "zh": "（可能的本意）"},
    "run.assumptions": {"en": "Assumptions that drive the result", "zh": "影响结果的假设"},
    "run.assumptions_intro": {
        "en": "Every uncertain input of the simulation, with its distribution. “Link” is the rank correlation "
              "between the input and the headline target it moves most, in this run (sorted by its size); it is a "
              "screening measure, not a formal sensitivity index (see <code>expressim sensitivity</code>); “—” "
              "marks links too weak to tell from zero with this many replications.",
        "zh": "模拟中每个不确定输入及其分布。“关联”为该输入与其影响最大的主要目标之间的秩相关系数（按大小排序）；"
              "这只是筛查指标，并非正式的敏感性指数（见 <code>expressim sensitivity</code>）；“—”表示在当前模拟次数下"
              "关联弱到无法与零区分。"},
    "run.col.input": {"en": "Input", "zh": "输入"},
    "run.col.dist": {"en": "Distribution, range (mean)", "zh": "分布、范围（均值）"},
    "run.col.link": {"en": "Link", "zh": "关联"},
    "run.override": {"en": "(scenario override)", "zh": "（情景中修改）"},
    "run.mean": {"en": "mean", "zh": "均值"},
    "run.tracked": {"en": "Plan tasks tracked, not simulated", "zh": "跟踪（未模拟）的规划任务"},
    "run.annual": {"en": "Indicators by year", "zh": "各年指标"},
    "run.annual_intro": {"en": "Each simulated indicator by year: P10, median and P90 across the futures, in the "
                               "units a reader uses.",
                         "zh": "各模拟指标逐年的 P10、中位数和 P90（以常用单位表示）。"},
    "run.col.indicator": {"en": "Indicator", "zh": "指标"},
    "run.col.mean": {"en": "Mean", "zh": "均值"},
    "run.col.p10": {"en": "P10", "zh": "P10"},
    "run.col.median": {"en": "Median", "zh": "中位数"},
    "run.col.p90": {"en": "P90", "zh": "P90"},
    "run.workbook": {"en": "Every table of this report is also in <code>results.xlsx</code> (one sheet each).",
                     "zh": "本报告的所有表格也保存在 <code>results.xlsx</code> 中（每表一个工作表）。"},
    # ---- plan versus actual ----
    "pva.title": {"en": "Plan versus actual (as of {when})", "zh": "规划与实际（截至 {when}）"},
    "pva.intro": {"en": "As of <code>--until</code> when given, else the month the run was made. The express data "
                        "end in {end}{prog}. A target is <b>decided</b> when its value for its year is known "
                        "(an <code>observed</code> progress row, or that exact series and year in the data).",
                  "zh": "截至日期为 <code>--until</code>（如给出），否则为运行当月。快递数据截至 {end}{prog}。"
                        "目标年份的实际值已知时（进展文件中的 <code>observed</code> 行，或数据中的同一序列和年份），"
                        "该目标即<b>已确定</b>。"},
    "pva.prog_end": {"en": "; the progress file's latest date is {when}", "zh": "；进展文件的最新日期为 {when}"},
    "pva.decided": {"en": "Decided ({n})", "zh": "已确定（{n}）"},
    "pva.unknown": {"en": "Year over, not observed ({n})", "zh": "年份已过、尚无实际值（{n}）"},
    "pva.ahead": {"en": "Still ahead ({n})", "zh": "尚未到期（{n}）"},
    "pva.decided_item": {"en": "{word}, observed {value} (known since {since}; {origin}: {source})",
                         "zh": "{word}，实际值 {value}（自 {since} 起已知；{origin}：{source}）"},
    "pva.unknown_item": {"en": "{year} is over but not observed; the model's estimate P = {p:.2f}. Decided by: {release}.",
                         "zh": "{year}年已过但尚无实际值；模型估计 P = {p:.2f}。确定结论所需：{release}。"},
    "pva.ahead_item": {"en": "P = {p:.2f}. Decided by: {release}.", "zh": "P = {p:.2f}。确定结论所需：{release}。"},
    "pva.facts": {"en": "Progress facts the rollout is conditioned on", "zh": "建设进度所依据的进展事实"},
    "pva.facts_intro": {"en": "From <code>{path}</code>. Every replication meets every fact; replications that "
                              "already met them keep their draws (common random numbers with the plan as written).",
                        "zh": "来自 <code>{path}</code>。每次模拟都满足全部事实；已满足的模拟保留原有抽样"
                              "（与原规划共用随机数）。"},
    "pva.col.fact": {"en": "Fact", "zh": "事实"},
    "pva.col.how": {"en": "How it holds", "zh": "如何满足"},
    "pva.col.doubt": {"en": "Source and doubt", "zh": "来源与疑点"},
    "pva.imposed": {"en": "imposed in {k} of {n} replications: the scenario's durations (almost) never meet it, so "
                          "its priors contradict the fact",
                    "zh": "在 {n} 次模拟中的 {k} 次强制满足：情景的工期（几乎）从不满足它，先验与事实矛盾"},
    "pva.redrawn": {"en": "met by sampling ({k} of {n} replications redrawn for {pid})",
                    "zh": "通过抽样满足（{pid} 在 {n} 次中重抽 {k} 次）"},
    "pva.already": {"en": "already met in every replication (nothing redrawn)", "zh": "所有模拟均已满足（未重抽）"},
    "release.default": {"en": "an observed value for {year}", "zh": "{year}年的实际值"},
    "release.parcels_inout": {"en": "the region's parcels in + out for {year} (快递进出口业务量; no public series "
                                    "reports it so far)",
                              "zh": "本地区{year}年快递进出口业务量（目前尚无公开序列）"},
    "release.parcels_out": {"en": "the region's express volume for {year} (快递业务量, usually released early the "
                                  "next year)", "zh": "本地区{year}年快递业务量（通常于次年初发布）"},
    "release.parcels_in": {"en": "the region's parcels delivered for {year} (not published so far)",
                           "zh": "本地区{year}年快递投递量（目前未公开）"},
    "release.revenue": {"en": "the region's express revenue for {year} (快递业务收入, usually released early the next "
                              "year)", "zh": "本地区{year}年快递业务收入（通常于次年初发布）"},
    "release.jobs": {"en": "a count of express-sector jobs in the region for {year} (none published so far)",
                     "zh": "本地区{year}年快递业就业人数（目前未公开）"},
    "release.specialty_sales": {"en": "the city's figure for specialty products sold out by express in {year}",
                                "zh": "本市{year}年快递外销特色产品金额"},
    "release.online_shopping": {"en": "the city's figure for online shopping supported by express in {year}",
                                "zh": "本市{year}年快递支撑网购消费金额"},
    "release.firms": {"en": "the revenue of the region's express firms in {year} (postal administration)",
                      "zh": "本地区{year}年各快递企业业务收入（邮政管理局）"},
    "release.village_coverage": {"en": "a statement of administrative-village express coverage at the end of {year}",
                                 "zh": "{year}年末建制村快递服务覆盖情况"},
    "release.green": {"en": "the postal administration's green-packaging rates for {year}",
                      "zh": "邮政管理局发布的{year}年绿色包装指标"},
    "release.projects_open": {"en": "dated openings of {projects} (progress rows: opened / opened_by / not_opened_by)",
                              "zh": "{projects} 的投用日期（进展行：opened / opened_by / not_opened_by）"},
    "release.phase_started": {"en": "dated starts of {phase} at {projects} (progress rows: started / started_by / "
                                    "not_started_by)",
                              "zh": "{projects} 的 {phase} 开工日期（进展行：started / started_by / not_started_by）"},
    "release.demo_agriculture": {"en": "the list of agriculture demonstration projects named by the end of {year}",
                                 "zh": "截至{year}年末认定的农业示范项目名单"},
    "release.demo_manufacturing": {"en": "the list of manufacturing demonstration projects named by the end of {year}",
                                   "zh": "截至{year}年末认定的制造业示范项目名单"},
    "release.liquor_tonnes": {"en": "the liquor county's shipments of liquor by express in {year}",
                              "zh": "白酒主产县{year}年快递寄递白酒吨数"},
    "release.scenic_coverage": {"en": "a statement of express service at 4A+ scenic spots at the end of {year}",
                                "zh": "{year}年末 4A 级以上景区快递服务覆盖情况"},
    # ---- compare report ----
    "cmp.title": {"en": "Scenario comparison · {names}", "zh": "情景比较 · {names}"},
    "cmp.intro": {"en": "All scenarios were run with the same seed, so they share every random draw of the inputs "
                        "they have in common (common random numbers): a difference shows the policy, not noise. "
                        "Differences are paired against the first scenario, <b>{ref}</b>, in percentage points (pp) "
                        "with a 95% confidence interval. Status words as of {as_of}.",
                  "zh": "所有情景使用相同随机种子，共有输入的随机抽样完全相同（共同随机数）：差异反映政策而非随机波动。"
                        "差异以第一个情景 <b>{ref}</b> 为基准逐次配对计算，单位为百分点，附 95% 置信区间。"
                        "状态截至 {as_of}。"},
    "cmp.overview": {"en": "Overview", "zh": "总览"},
    "cmp.detail": {"en": "Targets in detail", "zh": "各目标详情"},
    "cmp.diff_vs": {"en": "Difference vs {ref}", "zh": "与 {ref} 的差异"},
    "cmp.to": {"en": "to", "zh": "至"},
    "cmp.col.reference": {"en": "Reference scenario", "zh": "基准情景"},
    "cmp.clear": {"en": "clear difference", "zh": "差异明显"},
    "cmp.not_clear": {"en": "not distinguishable from 0", "zh": "与 0 无法区分"},
    "cmp.ci": {"en": "95% CI", "zh": "95% 置信区间"},
    "cmp.dropped": {"en": "Targets not in every scenario (left out of the comparison): {ids}.",
                    "zh": "并非每个情景都有的目标（未纳入比较）：{ids}。"},
    "cmp.answer_diff": {"en": "{name}: {diff} [{lo} to {hi}], {sig}", "zh": "{name}：{diff} [{lo} 至 {hi}]，{sig}"},
    "cmp.col.difference": {"en": "Difference vs reference (pp) [95% CI]", "zh": "与基准的差异（百分点）[95% 置信区间]"},
    "cmp.answers_intro": {"en": "For each headline target: its status in the reference scenario, and how each other "
                                "scenario changes the probability, with whether the change is distinguishable from zero.",
                          "zh": "每个主要目标：基准情景中的状态，以及其他情景使概率变化多少、该变化是否可与零区分。"},
    # ---- monitor report ----
    "mon.title": {"en": "Plan versus actual over time · {name}", "zh": "规划执行情况跟踪 · {name}"},
    "mon.intro": {"en": "The plan re-assessed at each date with only what was known by then: observations whose "
                        "period ends by the date, progress rows dated by it. Same seed ({seed}) and {n} replications "
                        "at every date (common random numbers), so a change between dates comes from what became "
                        "known, not from noise. Each column equals <code>expressim run --until DATE</code> with the "
                        "same seed and replications.",
                  "zh": "在每个日期仅用当时已知的信息重新评估规划：截至该日期的观测值和进展记录。每个日期使用相同随机种子"
                        "（{seed}）和 {n} 次模拟（共同随机数），因此日期之间的变化来自新获得的信息，而非随机波动。"
                        "每一列等同于使用相同种子和模拟次数的 <code>expressim run --until 日期</code>。"},
    "mon.table": {"en": "Status of each target by date", "zh": "各目标在各日期的状态"},
    "mon.arrived": {"en": "What arrived at each date", "zh": "各日期新增的信息"},
    "mon.arrived_note": {"en": "Facts: progress rows first dated by this date. Releases: express observations in the "
                               "data for the first time (none are listed for the first date).",
                         "zh": "事实：首次在该日期前记录的进展行。发布：首次出现在数据中的快递观测值（第一个日期不列出）。"},
    "mon.new_facts": {"en": "New facts", "zh": "新事实"},
    "mon.new_releases": {"en": "New releases", "zh": "新发布数据"},
    "mon.answers_intro": {"en": "For each headline target: how its standing moved from the first to the last date, "
                                "and what arrived in between.",
                          "zh": "每个主要目标：从第一个日期到最后一个日期的变化，以及期间新增的信息。"},
    "mon.moved": {"en": "{first} at {d0} → {last} at {d1}", "zh": "{d0}：{first} → {d1}：{last}"},
    "mon.why": {"en": "arrived in between: {what}", "zh": "期间新增：{what}"},
    "mon.nothing": {"en": "nothing new arrived", "zh": "期间无新增信息"},
    "mon.releases_n": {"en": "{n} new release(s)", "zh": "{n} 项新发布数据"},
    # ---- sensitivity report ----
    "sens.title": {"en": "What the answer depends on · {name}", "zh": "结论取决于什么 · {name}"},
    "sens.intro": {"en": "Which uncertain inputs move each headline target most ({method}, {n} model runs), the "
                         "conditions under which the target is missed, and which statistics would narrow the answer "
                         "most if the region obtained them.",
                   "zh": "哪些不确定输入对各主要目标影响最大（{method}，{n} 次模型运行），目标未达成时的条件，"
                         "以及本地区若获得哪些统计数据最能缩小结论的不确定性。"},
    "sens.ask_first": {"en": "Statistics to ask for first", "zh": "最应优先获取的统计数据"},
    "sens.ask_first_intro": {"en": "Share of the uncertainty in attaining the targets that knowing each group of "
                                   "inputs would remove (mean closed first-order index; larger = more worth asking for).",
                             "zh": "获知每组输入后可消除的目标达成不确定性所占份额（闭合一阶指数的均值；越大越值得获取）。"},
    "sens.col.group": {"en": "Inputs", "zh": "输入"},
    "sens.col.share": {"en": "Share of uncertainty removed", "zh": "可消除的不确定性份额"},
    "sens.drivers": {"en": "Inputs that move {target}", "zh": "影响“{target}”的输入"},
    "sens.col.total": {"en": "Total effect (share of variance)", "zh": "总效应（方差份额）"},
    "sens.col.first": {"en": "Effect alone", "zh": "单独效应"},
    "sens.box": {"en": "When is it missed?", "zh": "何种情况下会未达成？"},
    "sens.timing": {"en": "policy timing", "zh": "政策实施时间"},
    "sens.col.statistic": {"en": "Statistic to ask for", "zh": "应获取的统计数据"},
    "sens.col.input": {"en": "Input", "zh": "输入"},
    "sens.col.box": {"en": "Conditions under which the target is missed (PRIM box)", "zh": "目标未达成的条件（PRIM 区域）"},
    "sens.timing_note": {"en": "Policy timing (the schedules themselves, decided by policy, not by a statistic): {v:.2f}.",
                         "zh": "政策实施时间（由政策决定、非统计数据可知的工期安排）：{v:.2f}。"},
    "sens.answer_top": {"en": "Ask first for: {stat} ({share:.2f} of the uncertainty).",
                        "zh": "最应优先获取：{stat}（可消除 {share:.2f} 的不确定性）。"},
    "sens.rollout": {"en": "duration of {phase} at {project}", "zh": "{project} 的{phase}工期"},
    "sens.rollout_project": {"en": "the schedule of {project} (every phase)", "zh": "{project} 的建设工期（各阶段）"},
    "sens.rollout_kind.county_centre": {"en": "how long the county co-distribution centres take to build and open",
                                        "zh": "县级共配中心的建设和投用工期"},
    "sens.rollout_kind.hub": {"en": "how long the city logistics hub takes to build and open",
                              "zh": "市级物流园区的建设和投用工期"},
    "sens.rollout_kind.stations": {"en": "how long the township and village stations take to roll out",
                                   "zh": "乡村站点的建设工期"},
    "sens.baseline": {"en": "a random draw of the calibrated baseline (column {k})", "zh": "校准基线的随机抽样（第 {k} 列）"},
    "sens.no_box": {"en": "no condition found (the target is missed in no simulated future, or everywhere alike)",
                    "zh": "未找到条件（没有模拟未来未达成，或各处情况相同）"},
    "sens.whole_space": {"en": "anywhere in the inputs' ranges", "zh": "输入的全部取值范围"},
    "sens.and": {"en": " and ", "zh": "，且 "},
    "sens.box_stats": {"en": "(holds {coverage:.0%} of the futures that miss; {density:.0%} of the futures in it miss; "
                             "{n} replications)",
                       "zh": "（涵盖 {coverage:.0%} 的未达成情形；其中 {density:.0%} 的模拟未来未达成；{n} 次模拟）"},
    "sens.unit.× province per capita": {"en": "× the province's parcels per person", "zh": "× 全省人均快递量"},
    "sens.unit.× national per capita": {"en": "× the nation's parcels per person", "zh": "× 全国人均快递量"},
    "sens.unit.months": {"en": "months", "zh": "个月"},
    "sens.unit.province share of national": {"en": "(the province's share of the nation's parcels, a fraction)",
                                             "zh": "（本省占全国快递量的份额，小数）"},
    "sens.unit.national volume growth, first year": {"en": "(the nation's parcel growth in the first year, a fraction)",
                                                     "zh": "（首年全国快递量增速，小数）"},
    "sens.unit.元/件, first year": {"en": "yuan per parcel, first year", "zh": "元/件（首年）"},
    "sens.method.sobol": {"en": "Sobol' indices", "zh": "Sobol' 指数"},
    "sens.method.morris": {"en": "Morris screening", "zh": "Morris 筛选"},
    "sens.drivers_intro": {"en": "Share of the variance of the target's indicator explained by each input: in total "
                                 "(with its interactions) and alone; largest first, 95% bootstrap half-width after ±.",
                           "zh": "各输入解释的目标指标方差份额：总效应（含交互作用）和单独效应；按大小排列，± 后为 95% 自助法半宽。"},
    "group.local level": {"en": "the region's own parcel statistics", "zh": "本地区自身的快递业务量统计"},
    "group.county split": {"en": "parcels by county", "zh": "分区县快递业务量"},
    "group.infrastructure effects": {"en": "effects of opened infrastructure", "zh": "已投用设施的效果"},
    "group.spillover coefficients": {"en": "revenue, jobs, online-retail and specialty-sales statistics",
                                     "zh": "快递收入、就业、网络零售和特色产品外销统计"},
    "group.policy timing": {"en": "policy timing", "zh": "政策实施时间"},
    "group.other inputs": {"en": "other inputs", "zh": "其他输入"},
    "stat.local level": {"en": "the region's own annual parcels collected (快递业务量) and delivered, from the city "
                               "postal administration", "zh": "市邮政管理局发布的本地区年度快递业务量（收寄）和投递量"},
    "stat.county split": {"en": "parcels collected and delivered by county (区县快递业务量)", "zh": "各区县快递业务量（收寄和投递）"},
    "stat.infrastructure effects": {"en": "before/after parcel counts and capacity of an opened county co-distribution "
                                          "centre", "zh": "已投用县级共配中心投用前后的快件量和处理能力"},
    "stat.spillover coefficients": {"en": "the region's express revenue, express employment and online-retail / "
                                          "specialty-sales statistics",
                                    "zh": "本地区快递业务收入、快递从业人员、网络零售额和特色产品外销统计"},
    # ---- latest-opening report ----
    "lo.title": {"en": "How late can it open? · {projects} · {name}", "zh": "最迟可何时投用 · {projects} · {name}"},
    "lo.intro": {"en": "The opening dates of {projects} shifted month by month (every other input the same, same seed: "
                       "common random numbers), and the probability of “{target}” at each shift. A shift counts only "
                       "when the one-sided lower 95% bound of P reaches the required {req:.2f}, so a lucky point is never "
                       "the answer; the upper bounds give the other end of the range the answer can take.",
                 "zh": "将 {projects} 的投用时间逐月推迟（其他输入不变、随机种子相同：共同随机数），计算每种推迟下"
                       "“{target}”的达成概率。只有当 P 的单侧 95% 下界达到要求的 {req:.2f} 时该推迟才算可行，"
                       "因此偶然的高值不会成为答案；上界给出答案随模拟次数增加可能达到的另一端。"},
    "lo.answers_intro": {"en": "The latest opening that keeps P({target}) ≥ {req:.2f}.",
                         "zh": "在保持“{target}”达成概率 ≥ {req:.2f} 的前提下的最迟投用时间。"},
    "lo.col.question": {"en": "Question", "zh": "问题"},
    "lo.col.answer": {"en": "Answer", "zh": "结论"},
    "lo.q.latest": {"en": "Latest opening (median of the group)", "zh": "最迟投用时间（组内中位数）"},
    "lo.q.without": {"en": "P without them within the horizon", "zh": "期内不投用时的达成概率"},
    "lo.q.verdict": {"en": "How firm the answer is", "zh": "结论的确定程度"},
    "lo.latest": {"en": "{month} (shift {shift:+d} months): P = {p:.2f}, lower 95% bound {lb:.2f}",
                  "zh": "{month}（推迟 {shift:+d} 个月）：P = {p:.2f}，95% 下界 {lb:.2f}"},
    "lo.at_end": {"en": " — the end of the searched grid: at least this late", "zh": "——已到搜索范围末端：至少可推迟到此"},
    "lo.none": {"en": "none: even the earliest shift does not keep the lower bound at the level",
                "zh": "无：即使最早的安排也无法使下界达到要求"},
    "lo.without": {"en": "P = {p:.2f} (95% bounds {lo:.2f} to {hi:.2f})", "zh": "P = {p:.2f}（95% 区间 {lo:.2f} 至 {hi:.2f}）"},
    "lo.v.not_needed": {"en": "the target holds at this level without them: their date does not decide it",
                        "zh": "即使不投用也能达到要求：投用时间不决定该目标"},
    "lo.v.undetermined_without": {"en": "whether the target needs them at all is within Monte-Carlo error: raise "
                                        "--replications to settle it",
                                  "zh": "是否需要这些项目处于蒙特卡洛误差范围内：增加 --replications 可确定"},
    "lo.v.none": {"en": "even the earliest opening does not reach the level", "zh": "即使最早投用也达不到要求"},
    "lo.v.range": {"en": "between {a} and {b} months: the answer narrows with more replications",
                   "zh": "在 {a} 至 {b} 个月之间：增加模拟次数可缩小范围"},
    "lo.v.determined": {"en": "determined: the lower and upper bounds agree", "zh": "已确定：上下界一致"},
    "lo.curve": {"en": "Probability at each opening date", "zh": "各投用时间下的达成概率"},
    "lo.col.shift": {"en": "Shift (months)", "zh": "推迟（月）"},
    "lo.col.opening": {"en": "Median opening", "zh": "中位投用时间"},
    "lo.col.lower": {"en": "Lower 95% bound", "zh": "95% 下界"},
    "lo.col.ok": {"en": "Keeps the level", "zh": "满足要求"},
    "lo.yes": {"en": "yes", "zh": "是"},
    "lo.no": {"en": "no", "zh": "否"},
    "cap.latest_opening": {"en": "Probability of the target against the median opening month of the selected projects "
                                 "(band: ±2 s.e.; dashed: one-sided lower 95% bound)",
                           "zh": "目标达成概率与所选项目中位投用月份的关系（阴影：±2 标准误；虚线：单侧 95% 下界）"},
    "fig.lo_p": {"en": "P(target)", "zh": "达成概率"},
    "fig.lo_lb": {"en": "one-sided lower 95% bound", "zh": "单侧 95% 下界"},
    "fig.lo_req": {"en": "required P = {req:.2f}", "zh": "要求 P = {req:.2f}"},
    "fig.lo_without": {"en": "P without them in the horizon = {p:.3f}", "zh": "期内不投用时 P = {p:.3f}"},
    "fig.lo_zero": {"en": "scenario as written (shift 0)", "zh": "原方案（不推迟）"},
    "fig.lo_best": {"en": "latest: shift {shift:+d} months, median opening {month}",
                    "zh": "最迟：推迟 {shift:+d} 个月，中位投用 {month}"},
    "fig.lo_end": {"en": "end of {year} (target year)", "zh": "{year}年末（目标年份）"},
    "fig.lo_x": {"en": "median opening of the selected projects (month)", "zh": "所选项目的中位投用时间（月）"},
    "fig.lo_y": {"en": "probability of attaining the target", "zh": "达成概率"},
    "fig.lo_title": {"en": "{target}: P against opening · {name}", "zh": "{target}：达成概率与投用时间 · {name}"},
    "fig.pm2": {"en": "±2 s.e.", "zh": "±2 标准误"},
    # ---- progress facts (a progress row's status, as the reports say it) ----
    "fact.started": {"en": "started in", "zh": "开工于"},
    "fact.finished": {"en": "finished in", "zh": "完成于"},
    "fact.opened": {"en": "opened in", "zh": "投用于"},
    "fact.started_by": {"en": "started by", "zh": "开工不晚于"},
    "fact.opened_by": {"en": "open by", "zh": "投用不晚于"},
    "fact.not_started_by": {"en": "not started by", "zh": "截至仍未开工"},
    "fact.not_opened_by": {"en": "not open by", "zh": "截至仍未投用"},
    "fact.observed": {"en": "observed in", "zh": "实际值发布于"},
    "fact.done": {"en": "done by", "zh": "完成于"},
    "fact.not_done": {"en": "not done by", "zh": "截至未完成"},
    "fact.partial": {"en": "partly done by", "zh": "部分完成于"},
    # ---- sensitivity figures ----
    "sfig.value": {"en": "{label}: the indicator", "zh": "{label}：指标值"},
    "sfig.attained": {"en": "{label}: attained or not", "zh": "{label}：是否达成"},
    "sfig.sobol_title": {"en": "{scenario}: what moves {output}", "zh": "{scenario}：影响{output}的输入"},
    "sfig.sobol_x": {"en": "share of the variance explained, 95% bootstrap interval",
                     "zh": "解释的方差份额（95% 自助法区间）"},
    "sfig.total": {"en": "total effect (with interactions)", "zh": "总效应（含交互作用）"},
    "sfig.alone": {"en": "effect alone", "zh": "单独效应"},
    "sfig.morris_x": {"en": "Morris mu* (output change across the input's probability range)",
                      "zh": "Morris mu*（输入在其概率范围内变化时输出的变化）"},
    "sfig.prim_title": {"en": "{scenario}: when is {target} missed? (PRIM)", "zh": "{scenario}：{target}何时未达成？（PRIM）"},
    "sfig.second": {"en": "second pass (kept inputs)", "zh": "第二轮（保留的输入）"},
    "sfig.restricted": {"en": "restricted inputs", "zh": "受限输入数"},
    "sfig.chosen": {"en": "chosen ({k} inputs)", "zh": "选定（{k} 个输入）"},
    "sfig.coverage": {"en": "coverage (share of misses inside the box)", "zh": "覆盖率（未达成情形落在区域内的份额）"},
    "sfig.density": {"en": "density (share of the box that misses)", "zh": "密度（区域内未达成的份额）"},
    "sfig.voi_title": {"en": "{scenario}: which statistics would settle {target}",
                       "zh": "{scenario}：哪些统计数据最能确定{target}"},
    "sfig.voi_x": {"en": "expected share of the uncertainty removed if the group were known",
                   "zh": "获知该组输入后预期可消除的不确定性份额"},
    "sfig.p_if_known": {"en": "P if known, 10-90%: {lo:.2f}-{hi:.2f}", "zh": "获知后 P 的 10–90%：{lo:.2f}–{hi:.2f}"},
    # ---- figures ----
    "fig.band": {"en": "{k}% band", "zh": "{k}% 区间"},
    "fig.median": {"en": "median", "zh": "中位数"},
    "fig.median_this": {"en": "median (this scenario)", "zh": "中位数（本情景）"},
    "fig.baseline": {"en": "baseline (no new policy), median", "zh": "基线（无新政策）中位数"},
    "fig.target": {"en": "target {year}: {label}", "zh": "{year}年目标：{label}"},
    "fig.observed": {"en": "observed {year}: {word}", "zh": "{year}年实际值：{word}"},
    "fig.history": {"en": "observed (data)", "zh": "历史实际值"},
    "fig.history_region": {"en": "observed, {region} (data to {end})", "zh": "{region}实际值（数据截至 {end}）"},
    "fig.history_implied": {"en": "implied by a growth rate, or collected + delivered", "zh": "由增速推算或收寄与投递相加"},
    "fig.history_none": {"en": "no observed value of {region} in the data (to {end})",
                         "zh": "数据中无{region}的实际值（截至 {end}）"},
    "fig.monthly_title": {"en": "Monthly parcels {what}", "zh": "月度快递量（{what}）"},
    "fig.monthly_inout": {"en": "in + out", "zh": "进出口"},
    "fig.monthly_out": {"en": "collected (out)", "zh": "收寄"},
    "fig.monthly_in": {"en": "delivered (in)", "zh": "投递"},
    "fig.per_month": {"en": "10k parcels / month", "zh": "万件 / 月"},
    "fig.pot_title": {"en": "Headline targets: probability attained by each year", "zh": "主要目标：各年末已达成的概率"},
    "fig.pot_y": {"en": "P(attained by year)", "zh": "截至该年达成的概率"},
    "fig.gantt_title": {"en": "Rollout: phases (median) and opening (10-90%)", "zh": "建设进度：各阶段（中位数）与投用（10–90%）"},
    "fig.phase": {"en": "phase: {name}", "zh": "阶段：{name}"},
    "fig.open_band": {"en": "opening 10-90%", "zh": "投用 10–90%"},
    "fig.open_median": {"en": "opening median", "zh": "投用中位数"},
    "fig.planned": {"en": "planned opening", "zh": "规划投用"},
    "fig.fact": {"en": "progress fact (| in, < by, > not by)", "zh": "进展事实（| 当月，< 之前，> 仍未）"},
    "fig.probs_title": {"en": "Probability of each target", "zh": "各目标达成概率"},
    "fig.probs_x": {"en": "probability of attaining the target (bars: ±2 s.e.)\nyears ahead: green ≥ 0.8, amber 0.5–0.8, "
                          "red < 0.5; years over: green met, red missed, grey unknown",
                    "zh": "达成概率（误差线：±2 标准误）\n未到期：绿 ≥ 0.8，黄 0.5–0.8，红 < 0.5；已过期：绿 已达成，红 未达成，灰 未知"},
    "fig.observed_tag": {"en": "[observed]", "zh": "[实际值]"},
    "fig.cmp_title": {"en": "Targets by scenario (common random numbers)", "zh": "各情景目标达成概率（共同随机数）"},
    "fig.cmp_x": {"en": "probability of attaining the target (±2 s.e.)", "zh": "达成概率（±2 标准误）"},
    "fig.mon_title": {"en": "{name}: headline targets as known at each date (stars: observed)",
                      "zh": "{name}：各日期已知信息下的主要目标（星号：实际值）"},
    "fig.mon_x": {"en": "as of (data until, progress rows dated by)", "zh": "截至日期（数据与进展记录）"},
    "fig.mon_y": {"en": "P(target met)", "zh": "达成概率"},
    "fig.zone_green": {"en": "on track (P ≥ 0.8)", "zh": "有望达成（P ≥ 0.8）"},
    "fig.zone_amber": {"en": "at risk (0.5–0.8)", "zh": "存在风险（0.5–0.8）"},
    "fig.zone_red": {"en": "unlikely (P < 0.5)", "zh": "难以达成（P < 0.5）"},
    "fig.unknown_point": {"en": "hollow: year over, not observed (estimate)", "zh": "空心：年份已过、尚无实际值（估计）"},
    "fig.scenario": {"en": "scenario", "zh": "情景"},
    # ---- captions ----
    "cap.monthly_parcels_inout": {"en": "Monthly parcels in + out: median, 50/80/95% bands; dashed: no-policy "
                                        "baseline median",
                                  "zh": "月度快递进出口量：中位数及 50/80/95% 区间；虚线：无新政策基线中位数"},
    "cap.probability_over_time": {"en": "Headline targets: probability that each has been attained by the end of each "
                                        "year", "zh": "主要目标：截至各年末已达成的概率"},
    "cap.rollout_gantt": {"en": "Infrastructure rollout: median phase spans, opening 10–90% interval and median, plan date",
                          "zh": "基础设施建设进度：各阶段中位工期、投用时间 10–90% 区间与中位数、规划日期"},
    "cap.target_probabilities": {"en": "Probability of every target (±2 standard errors), traffic-light coloured",
                                 "zh": "各目标达成概率（±2 标准误），按红黄绿着色"},
    "cap.comparison": {"en": "Targets by scenario, on common random numbers (±2 standard errors)",
                       "zh": "各情景目标达成概率，共同随机数（±2 标准误）"},
    "cap.probabilities": {"en": "Targets by scenario, on common random numbers (±2 standard errors)",
                          "zh": "各情景目标达成概率，共同随机数（±2 标准误）"},
    "cap.monitor_probability": {"en": "Headline targets as known at each date; dotted lines mark dates when facts or "
                                      "releases arrived; stars: observed values",
                                "zh": "各日期已知信息下的主要目标；点线标出新增事实或数据的日期；星号：实际值"},
    "cap.fan": {"en": "Annual {desc}: median, 50/80/95% bands, target threshold (dotted)",
                "zh": "年度{desc}：中位数、50/80/95% 区间，目标值（点线）"},
    "cap.difference": {"en": "Difference in {desc} {year} against the reference scenario, per replication",
                       "zh": "{year}年{desc}与基准情景之差（逐次模拟）"},
    "cap.cmp_fan": {"en": "Annual {desc} by scenario: median and 10–90% band of each, target (diamond, dotted)",
                    "zh": "各情景年度{desc}：中位数及 10–90% 区间，目标值（菱形、点线）"},
    "cap.cmp_monthly": {"en": "Monthly parcels in + out by scenario: median and 10–90% band of each",
                        "zh": "各情景月度快递进出口量：中位数及 10–90% 区间"},
    "fig.cmp_fan_title": {"en": "{desc} by scenario", "zh": "各情景{desc}"},
    "fig.cmp_fan_label": {"en": "{name} (median, 10-90%)", "zh": "{name}（中位数，10–90%）"},
    "fig.target_short": {"en": "target {year}", "zh": "{year}年目标"},
    "fig.cmp_monthly_title": {"en": "Monthly parcels in + out by scenario (median, 10-90%)",
                              "zh": "各情景月度快递进出口量（中位数，10–90%）"},
    "fig.diff_label": {"en": "{name}: mean {m:+.3f}, P(>0) {p:.2f}", "zh": "{name}：均值 {m:+.3f}，P(>0) {p:.2f}"},
    "fig.diff_x": {"en": "difference in parcels in + out, {year} [{unit}] (scenario − {ref}, same replication)",
                   "zh": "{year}年快递进出口量之差 [{unit}]（情景 − {ref}，同一次模拟）"},
    "fig.density": {"en": "density", "zh": "密度"},
    "fig.diff_title": {"en": "Paired difference in {year} in + out volume vs {ref}",
                       "zh": "{year}年进出口量与 {ref} 的配对差异"},
    # ---- target setting (levels reached with a probability; a comparison's cumulative gain or loss) ----
    "plan.levels_title": {"en": "Levels reached with probability 0.8 / 0.5 / 0.2",
                          "zh": "以 80% / 50% / 20% 概率可达到的水平"},
    "plan.levels_intro": {
        "en": "For each headline indicator and year, the level the simulated futures reach with probability 0.8, "
              "0.5 and 0.2: a target set at the first is met in four futures out of five, at the second in one out "
              "of two, at the third in one out of five (they are the 20th, 50th and 80th percentiles of the "
              "simulated values). Read a proposed target against them; the plan's own targets are listed beside "
              "their year. Machine-readable in <code>target_levels.csv</code> (canonical units).",
        "zh": "各主要指标逐年在模拟未来中以 80%、50% 和 20% 概率可达到的水平：目标定在第一个水平时，五种未来中有四种"
              "能达成；定在第二个时二取一；定在第三个时五取一（即模拟值的第 20、50 和 80 百分位）。可据此对照拟定目标；"
              "规划已有目标列在其年份旁。机器可读版本见 <code>target_levels.csv</code>（标准单位）。"},
    "plan.levels_cmp_intro": {
        "en": "The same levels under each scenario, side by side (same seed and replications: common random numbers).",
        "zh": "各情景下的同一水平并列（相同随机种子和模拟次数：共同随机数）。"},
    "plan.col.p80": {"en": "Reached with P = 0.8", "zh": "80% 概率可达到"},
    "plan.col.p50": {"en": "P = 0.5", "zh": "50% 概率"},
    "plan.col.p20": {"en": "P = 0.2", "zh": "20% 概率"},
    "plan.col.p80_short": {"en": "P 0.8", "zh": "80%"},
    "plan.col.p50_short": {"en": "P 0.5", "zh": "50%"},
    "plan.col.p20_short": {"en": "P 0.2", "zh": "20%"},
    "plan.unit_10k.件": {"en": "10k parcels (万件)", "zh": "万件"},
    "plan.unit_10k.元": {"en": "10k yuan (万元)", "zh": "万元"},
    "plan.col.targets": {"en": "Target that year", "zh": "当年目标值"},
    "plan.col.county": {"en": "County", "zh": "区县"},
    "plan.col.indicator": {"en": "Indicator", "zh": "指标"},
    "plan.col.mean": {"en": "Mean", "zh": "均值"},
    "plan.col.p10": {"en": "80% interval: low (P10)", "zh": "80% 区间下限（P10）"},
    "plan.col.p90": {"en": "80% interval: high (P90)", "zh": "80% 区间上限（P90）"},
    "plan.col.year_diff": {"en": "That year: mean", "zh": "当年：均值"},
    "plan.col.cum": {"en": "Cumulative: mean", "zh": "累计：均值"},
    "plan.col.cum_p10": {"en": "Cumulative: P10", "zh": "累计：P10"},
    "plan.col.cum_p90": {"en": "Cumulative: P90", "zh": "累计：P90"},
    "plan.col.scenario": {"en": "Scenario", "zh": "情景"},
    "plan.total": {"en": "Whole region", "zh": "全市"},
    "plan.job_years": {"en": "job-years", "zh": "人·年"},
    "plan.cum_title": {"en": "Cumulative parcels, revenue and jobs gained or lost against {ref}",
                       "zh": "与 {ref} 相比累计增减的快递量、收入和就业"},
    "plan.cum_intro": {
        "en": "Replication by replication (common random numbers: the same futures, only the plan differs), each "
              "scenario's parcels in + out, express revenue and jobs minus those of <b>{ref}</b>, by county, summed "
              "over the years. Negative = lost. Mean, and the 80% interval of the paired differences (in four "
              "simulated futures out of five the gain or loss lies inside it). Jobs are a stock: summed over years "
              "they are job-years. Revenue and jobs by county are the county's parcels at the city's revenue per "
              "parcel and jobs per parcel. Every year, county and indicator: <code>cumulative_difference.csv</code>.",
        "zh": "逐次模拟配对（共同随机数：未来情形相同，仅规划不同），各情景的快递进出口业务量、快递业务收入和就业减去"
              "<b>{ref}</b> 的相应值，分区县并逐年累计。负值为损失。列出均值及配对差异的 80% 区间（五种模拟未来中有四种落在"
              "区间内）。就业为存量，逐年累加后单位为人·年。分区县的收入和就业按该区县快递量乘以全市单件收入和单件就业计算。"
              "各年、各区县、各指标的完整数据见 <code>cumulative_difference.csv</code>。"},
    "plan.window_title": {"en": "{name} against {ref}, {span}: gained or lost by county",
                          "zh": "{name} 与 {ref} 相比，{span}年：分区县增减"},
    "plan.window_intro": {
        "en": "Summed over {span}, the years in which the two scenarios differ (the whole region's yearly difference "
              "is at least 1% of its largest). Counties with no difference in any future are left out.",
        "zh": "{span}年（两情景存在差异的年份：全市年度差异至少为最大年度差异的 1%）的合计。任何模拟未来中均无差异的"
              "区县不列出。"},
    "plan.levels_sheet": {"en": "Target levels P 0.8, 0.5, 0.2", "zh": "目标设定（80%、50%、20% 概率）"},
    "plan.window_sheet": {"en": "By county {span} · {name}", "zh": "分区县增减 {span}年 · {name}"},
    "plan.cum_sheet": {"en": "Cumulative by year", "zh": "逐年累计增减"},
    "plan.by_year_title": {"en": "By year (counties with a difference and the whole region)",
                           "zh": "逐年（有差异的区县及全市）"},
    "plan.no_difference": {"en": "The scenarios do not differ in parcels, revenue or jobs in any year.",
                           "zh": "两情景在任何年份的快递量、收入和就业均无差异。"},
    "plan.answer": {"en": "{name} against {ref}, {span}: parcels in + out {parcels} (80% of futures: {lo} to {hi}), "
                          "revenue {revenue}, {jobs} job-years.",
                    "zh": "{name} 与 {ref} 相比，{span}年：快递进出口业务量 {parcels}（80% 的模拟未来在 {lo} 至 {hi} 之间），"
                          "快递业务收入 {revenue}，就业 {jobs} 人·年。"},
    "fig.levels_title": {"en": "Levels reached with probability 0.8 / 0.5 / 0.2, by year",
                         "zh": "各年以 80% / 50% / 20% 概率可达到的水平"},
    "fig.level_p": {"en": "reached with P = {p:.1f}", "zh": "{p:.0%} 概率可达到"},
    "fig.level_target": {"en": "target in the scenario", "zh": "情景中的目标值"},
    "fig.cum_title": {"en": "Gained (+) or lost (−) against {ref}: mean and 80% interval of the paired replications",
                      "zh": "与 {ref} 相比的增加（+）或损失（−）：配对模拟的均值与 80% 区间"},
    "fig.cum_left": {"en": "{desc}: cumulative, whole region", "zh": "{desc}：全市累计"},
    "fig.cum_right": {"en": "by county, {span}", "zh": "分区县，{span}年"},
    "cap.target_levels": {"en": "Levels of each headline indicator reached with probability 0.8 (solid), 0.5 (dashed) and "
                                "0.2 (dotted) in each year; red diamonds: the scenario's targets",
                          "zh": "各主要指标逐年以 80%（实线）、50%（虚线）和 20%（点线）概率可达到的水平；红色菱形：情景中的目标值"},
    "cap.cumulative_difference": {"en": "Cumulative parcels, revenue and jobs gained or lost against the reference: the "
                                        "whole region by year (band: 80% of the paired futures) and each county over the "
                                        "years that differ (bars: mean; whiskers: 80% interval)",
                                  "zh": "与基准情景相比累计增减的快递量、收入和就业：全市逐年（阴影：80% 的配对模拟未来）及"
                                        "存在差异年份的分区县合计（柱：均值；须线：80% 区间）"},
    # ---- CLI summaries ----
    "cli.run_head": {"en": "{name}: {n} replications, seed {seed} -> {out}",
                     "zh": "{name}：{n} 次模拟，随机种子 {seed} -> {out}"},
    "cli.monitor_head": {"en": "{name}: monitor at {dates} ({n} replications, seed {seed}) -> {out}",
                         "zh": "{name}：跟踪日期 {dates}（{n} 次模拟，随机种子 {seed}）-> {out}"},
    "cli.compare_head": {"en": "compare: {k} scenarios, {n} replications each, seed {seed} (common random numbers) -> {out}",
                         "zh": "情景比较：{k} 个情景，各 {n} 次模拟，随机种子 {seed}（共同随机数）-> {out}"},
    "cli.compare_note": {"en": "P = probability of attaining the target ± two Monte-Carlo standard errors (as in the "
                               "report); Δ = paired difference vs {ref} with 95% CI (s.e. from per-replication pairs; "
                               "unpaired CIs in comparison.json)",
                         "zh": "P = 达成概率 ± 两倍蒙特卡洛标准误（与报告一致）；Δ = 与 {ref} 的配对差异及 95% 置信区间"
                               "（标准误来自逐次配对；非配对区间见 comparison.json）"},
    "cli.sens_head": {"en": "{name}: {method} N={n}, {k} inputs in {g} groups, {e} evaluations in {s:.1f} s -> {out}",
                      "zh": "{name}：{method} N={n}，{k} 个输入分 {g} 组，{e} 次模型运行，用时 {s:.1f} 秒 -> {out}"},
    "cli.sens_moves": {"en": "what moves it most (total effect): {top}", "zh": "影响最大的输入（总效应）：{top}"},
    "cli.sens_box": {"en": "missed when: {box}", "zh": "未达成的条件：{box}"},
    "cli.sens_ask": {"en": "statistics to ask for first (share of the uncertainty removed): {groups}; policy timing {t:.2f}",
                     "zh": "最应优先获取的统计数据（可消除的不确定性份额）：{groups}；政策实施时间 {t:.2f}"},
    "cli.constant": {"en": "(constant output)", "zh": "（输出不变）"},
    "cli.pm_note": {"en": "(± is two Monte-Carlo standard errors, as in the report)",
                    "zh": "（± 为两倍蒙特卡洛标准误，与报告一致）"},
    "cli.priors": {"en": "priors: {lo:.2f} to {hi:.2f} with {input}, {kind}",
                   "zh": "先验范围：{lo:.2f} 至 {hi:.2f}，取决于{input}（{kind}）"},
}
