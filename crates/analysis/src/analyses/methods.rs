//! The methods paragraph, in English and Chinese, generated from the configuration actually
//! used (endpoint definitions, censoring, response criteria and source, tests, quartile
//! definition, program version), ready to paste into a paper.

use crate::config::{Config, DataCutoff, PfsCensor, PfsEvents};
use crate::results::{Analyses, CoxModel, DataPresent, LandmarkAnalysis, Methods};
use crate::rules::config::{CtcaeVersion, HighRiskDefinition, ResponseSource};

/// The methods paragraph; `data` = what the workbook holds (a sentence on response criteria,
/// CTCAE grading, the start of treatment or PFS only when those data were analysed: the
/// Methods describe what was computed); `has_mrd` = the workbook has MRD results (then a
/// sentence names the MRD definitions).
pub fn methods(cfg: &Config, data: &DataPresent, has_mrd: bool) -> Methods {
    let (en, zh) = data_sentences(cfg, data);
    let (st_en, st_zh) = statistics_sentences(cfg);
    let (hr_en, hr_zh) = if data.responses || data.treatment {
        high_risk_sentence(cfg)
    } else {
        (String::new(), String::new())
    };
    let (mrd_en, mrd_zh) = if has_mrd {
        mrd_sentence(cfg)
    } else {
        (String::new(), String::new())
    };
    Methods {
        en: format!("{en}{st_en}{hr_en}{mrd_en}"),
        zh: format!("{zh}{st_zh}{hr_zh}{mrd_zh}"),
    }
}

/// The sentences on what the data hold: diagnosis, response criteria and ORR/DCR (with
/// responses), CTCAE grading (with adverse events), time zero (with treatment), PFS and OS.
fn data_sentences(cfg: &Config, data: &DataPresent) -> (String, String) {
    let (pfs_en, pfs_zh) = match cfg.endpoints.pfs_events {
        PfsEvents::ProgressionOrDeath => (
            "progression or death from any cause, whichever came first",
            "疾病进展或任何原因死亡（以先发生者为准）",
        ),
        PfsEvents::Progression => ("progression", "疾病进展"),
    };
    let (cens_en, cens_zh) = match cfg.endpoints.pfs_censor_at {
        PfsCensor::LastFollowup => ("the date of last follow-up", "末次随访日期"),
        PfsCensor::LastAssessment => (
            "the date of the last response assessment",
            "末次疗效评估日期",
        ),
    };
    let (src_en, src_zh) = response_source_sentence(cfg);
    let orr = cfg.response.orr.join(" + ");
    let dcr = cfg.response.dcr.join(" + ");
    let ctcae = ctcae_version(cfg);
    let mut en = String::new();
    let mut zh = String::new();
    if data.responses {
        en.push_str("Multiple myeloma was diagnosed by the IMWG 2014 criteria; relapse, refractoriness and response \
were assessed by the IMWG 2016 criteria (refractory: progression on therapy or within 60 days of the last dose). ");
        en.push_str(&format!("{src_en}. Overall response rate (ORR) counted {orr}; disease control rate counted {dcr}. "));
        zh.push_str("多发性骨髓瘤的诊断参照IMWG 2014标准；复发、难治及疗效评价参照IMWG 2016标准（难治定义为治疗过程中或末次用药后60 d内疾病进展）。");
        zh.push_str(&format!(
            "{src_zh}。客观缓解率（ORR）包括{orr}；疾病控制率包括{dcr}。"
        ));
    } else {
        en.push_str("Multiple myeloma was diagnosed by the IMWG 2014 criteria. ");
        zh.push_str("多发性骨髓瘤的诊断参照IMWG 2014标准。");
    }
    if data.adverse_events {
        en.push_str(&format!("Adverse events were graded \
by CTCAE version {ctcae}, and laboratory values were graded against the baseline draw (the last draw on or before the \
start of treatment). "));
        zh.push_str(&format!("不良反应按CTCAE {ctcae}版分级，实验室检查以基线（治疗开始当日或之前最后一次检查）为参照分级。"));
        let (te_en, te_zh) = treatment_emergent_sentence();
        en.push_str(te_en);
        zh.push_str(te_zh);
    }
    if data.treatment {
        en.push_str("Time zero was the first day of the study regimen. ");
        zh.push_str("以研究方案首日为起点。");
    }
    if data.progression {
        en.push_str(&format!("Progression-free survival (PFS) was measured \
to {pfs_en}; overall survival (OS) to death from any cause; patients without an event were censored at {cens_en} \
(OS: the date of last follow-up). "));
        zh.push_str(&format!("无进展生存期（PFS）定义为至{pfs_zh}的时间；总生存期（OS）定义为至任何原因死亡的时间；未发生事件者于{cens_zh}删失（OS为末次随访日期）。"));
    } else {
        en.push_str("Overall survival (OS) was measured to death from any cause; patients alive were censored at the date of last follow-up. ");
        zh.push_str("总生存期（OS）定义为至任何原因死亡的时间；存活者于末次随访日期删失。");
    }
    (en, zh)
}

/// The statistical methods, the data cut-off and the program version.
fn statistics_sentences(cfg: &Config) -> (String, String) {
    let version = env!("CARGO_PKG_VERSION");
    let alpha = cfg.descriptive.normality_alpha;
    let level = (cfg.descriptive.confidence_level * 100.0).round();
    let q = cfg.descriptive.quantile_type;
    let cutoff = match cfg.dates.data_cutoff {
        DataCutoff::RunDate => (
            "the date of the analysis".to_string(),
            "分析当日".to_string(),
        ),
        DataCutoff::Date(d) => (
            format!(
                "{d}; data after it were not analysed, and patients with an event after it were censored at it (administrative censoring)",
            ),
            format!(
                "{d}；截止日期之后的数据不纳入分析，截止日期之后发生事件者于截止日期删失（行政删失）",
            ),
        ),
    };
    let en = format!(
        "Data cut-off: {co}. Continuous variables were tested for normality with the \
Shapiro-Wilk test (alpha = {alpha}) and are given as mean ± SD when normal and as median (Q1, Q3) otherwise \
(quartiles by definition {q}{spss}); categorical variables as n (%). Groups were compared with Student's or \
Welch's t test or the Mann-Whitney U test, and proportions with Fisher's exact test. Exact {level:.0}% confidence \
intervals of proportions are Clopper-Pearson intervals. Survival was estimated by the Kaplan-Meier method with \
Greenwood variance and log-transformed pointwise {level:.0}% confidence intervals; medians and their confidence \
intervals are those R's print.survfit reports; median follow-up was also estimated by the reverse Kaplan-Meier method. Survival \
curves were compared with the log-rank test, and hazard ratios estimated by Cox proportional hazards regression \
with Efron's method for ties (Wald {level:.0}% CI). Two-sided P < 0.05 was considered significant. Analyses were \
produced by mmreport {version}.",
        co = cutoff.0,
        spss = if q == 6 { ", as SPSS" } else { ", R's default" },
    );
    let zh = format!(
        "随访截止日期：{co}。计量资料采用Shapiro-Wilk法检验正态性（α = {alpha}），符合正态分布者以x̄ ± s表示，否则以M（Q25，Q75）表示（四分位数定义{q}{spss}）；\
计数资料以例（%）表示。组间比较采用t检验（Student或Welch）或Mann-Whitney U检验，率的比较采用Fisher精确检验。率的{level:.0}%置信区间采用Clopper-Pearson精确法。\
生存分析采用Kaplan-Meier法（Greenwood方差，对数变换的逐点{level:.0}%置信区间），中位生存期及其置信区间与R print.survfit的输出一致；中位随访时间另以反向Kaplan-Meier法估计。\
生存曲线比较采用log-rank检验，风险比采用Cox比例风险回归（Efron法处理结点，Wald {level:.0}%置信区间）估计。以双侧P < 0.05为差异有统计学意义。分析由mmreport {version}完成。",
        co = cutoff.1,
        spss = if q == 6 { "，同SPSS" } else { "，同R默认" },
    );
    (en, zh)
}

/// The MRD definitions (IMWG 2016, Kumar et al., Lancet Oncol 2016) and the intention-to-treat
/// denominator the MRD reporting harmonisation asks for.
fn mrd_sentence(cfg: &Config) -> (String, String) {
    let m = &cfg.rules.mrd;
    let imaging_en = if m.sustained_requires_imaging {
        " and PET/CT"
    } else {
        ""
    };
    let imaging_zh = if m.sustained_requires_imaging {
        "及PET/CT"
    } else {
        ""
    };
    (
        format!(
            " Minimal residual disease (MRD) was assessed by the IMWG 2016 criteria (Kumar et al., Lancet Oncol 2016): flow (next-generation flow) or sequencing (next-generation sequencing) MRD negativity in the bone marrow at a sensitivity of {s:e} or finer, imaging-plus MRD negativity (with a negative PET/CT), and sustained MRD negativity (marrow{imaging_en} negativity confirmed at least {d} days apart); every category requires a complete response, and each patient is counted once, in the deepest category reached. As the international MRD reporting harmonisation recommends, MRD-negativity rates are given over all response-evaluable patients (intention to treat; patients not tested count as not MRD-negative), with exact Clopper-Pearson confidence intervals.",
            s = m.min_sensitivity,
            d = m.sustained_days,
        ),
        format!(
            "微小残留病（MRD）参照IMWG 2016标准（Kumar等，Lancet Oncol 2016）评价：骨髓二代流式（流式MRD阴性）或二代测序（测序MRD阴性）敏感度达{s:e}或更高时阴性、阴性同时PET/CT阴性（影像学+MRD阴性）、骨髓{imaging_zh}阴性间隔至少{d} d确认（持续MRD阴性）；各类别均以达到完全缓解为前提，每例患者只计入其达到的最深类别。按照国际MRD报告规范化共识，MRD阴性率以全部可评价疗效的患者为分母（意向性治疗，未检测者计为非阴性），置信区间采用Clopper-Pearson精确法。",
            s = m.min_sensitivity,
            d = m.sustained_days,
        ),
    )
}

/// `PFS`/`OS` and `无进展生存期`/`总生存期`.
fn endpoint_names(code: &str) -> (&'static str, &'static str) {
    if code == "pfs" {
        ("PFS", "PFS")
    } else {
        ("OS", "OS")
    }
}

/// Distinct endpoints of the computed entries, joined (`PFS and OS`).
fn endpoints_of<'a>(codes: impl Iterator<Item = &'a str>) -> (String, String) {
    let mut seen: Vec<&str> = codes.collect();
    seen.sort_unstable();
    seen.dedup();
    seen.reverse(); // pfs before os
    let en: Vec<&str> = seen.iter().map(|c| endpoint_names(c).0).collect();
    let zh: Vec<&str> = seen.iter().map(|c| endpoint_names(c).1).collect();
    (en.join(" and "), zh.join("和"))
}

/// The Methods sentences of the issue-15 analyses, one paragraph, each sentence only when
/// its analysis was computed for this workbook (Anderson 1983 for landmarks; Therneau and
/// Grambsch 2000 for Cox diagnostics; Aalen-Johansen and Gray 1988 for competing risks;
/// Royston and Parmar 2013 for RMST).
pub fn extend(m: &Methods, _cfg: &Config, a: &Analyses) -> Methods {
    let mut en: Vec<String> = Vec::new();
    let mut zh: Vec<String> = Vec::new();
    let fitted: Vec<&CoxModel> = a
        .cox_models
        .iter()
        .filter(|c| c.not_estimable.is_none())
        .collect();
    if !fitted.is_empty() {
        let (e, z) = endpoints_of(fitted.iter().map(|c| c.endpoint.as_str()));
        let diag = fitted
            .iter()
            .any(|c| c.concordance.is_some() || c.ph_test.is_some());
        en.push(format!(
            "Multivariable Cox proportional hazards models of {e} (Efron's method for ties) were fitted to the patients with every covariate recorded (complete cases); categorical covariates entered with treatment contrasts against the reference level shown, numeric covariates linearly, and the models were tested by the likelihood-ratio, Wald and score tests{}.",
            if diag { ", with Harrell's concordance and the Grambsch-Therneau test of proportional hazards (R's cox.zph)" } else { "" }
        ));
        zh.push(format!(
            "{z}的多因素分析采用Cox比例风险回归（Efron法处理结点），纳入所有协变量均有记录的患者（完整病例分析）；分类变量以所示参照水平为对照，数值变量以线性形式纳入，模型整体以似然比、Wald及score检验评价{}。",
            if diag { "，并计算Harrell一致性指数，以Grambsch-Therneau检验（R cox.zph）评价比例风险假定" } else { "" }
        ));
    }
    let landmarks: Vec<&LandmarkAnalysis> = a
        .landmark_analyses
        .iter()
        .filter(|l| l.not_estimable.is_none())
        .collect();
    if let Some(first) = landmarks.first() {
        let (e, z) = endpoints_of(landmarks.iter().map(|l| l.endpoint.as_str()));
        en.push(format!(
            "Because a grouping known only after the start of treatment, such as the number of cycles completed, biases a comparison from the start of treatment (immortal-time bias), landmark analyses compared {e} from the landmark ({} {}) among the patients event-free and still followed at it (Anderson et al., J Clin Oncol 1983).",
            first.at, "months after the start of treatment"
        ));
        zh.push(format!(
            "因完成疗程数等治疗开始后才能确定的分组会使自治疗开始的比较产生不朽时间偏倚，采用界标分析：以治疗开始后{}个月为界标，仅纳入界标时仍无事件且仍在随访的患者，自界标起比较{z}（Anderson等，J Clin Oncol 1983）。",
            first.at
        ));
    }
    if a.competing_risks
        .iter()
        .any(|c| c.groups.iter().any(|g| !g.cif.is_empty()))
    {
        en.push("The cumulative incidence of progression was estimated by the Aalen-Johansen method with death without progression as a competing risk (pointwise confidence intervals as R's survfit), and compared between groups by Gray's test.".to_string());
        zh.push("疾病进展的累积发生率采用Aalen-Johansen法估计，以无进展死亡为竞争风险（逐点置信区间同R survfit），组间比较采用Gray检验。".to_string());
    }
    if let Some(r) = a.rmst.iter().find(|r| r.difference.is_some()) {
        let (e, z) = endpoints_of(
            a.rmst
                .iter()
                .filter(|r| r.difference.is_some())
                .map(|r| r.endpoint.as_str()),
        );
        en.push(format!(
            "The restricted mean survival time (RMST) of {e} up to {tau} months (the area under the Kaplan-Meier curve) was compared between groups by its difference and ratio with normal-approximation confidence intervals (Royston and Parmar, BMC Med Res Methodol 2013).",
            tau = r.tau
        ));
        zh.push(format!(
            "{z}的限制性平均生存时间（RMST，截至{tau}个月的Kaplan-Meier曲线下面积）以组间差值及比值（正态近似置信区间）比较（Royston和Parmar，BMC Med Res Methodol 2013）。",
            tau = r.tau
        ));
    }
    if en.is_empty() {
        return m.clone();
    }
    Methods {
        en: format!("{}\n\n{}", m.en, en.join(" ")),
        zh: format!("{}\n\n{}", m.zh, zh.join("")),
    }
}

/// Where the responses come from (the clinicians' or derived), in English and Chinese.
fn response_source_sentence(cfg: &Config) -> (&'static str, &'static str) {
    match cfg.rules.response_source {
        ResponseSource::Recorded => (
            "Responses are those recorded by the treating physicians; they were checked against the response derived from the M-protein, free light chain and marrow measurements",
            "疗效采用主治医师记录的结果，并与根据M蛋白、游离轻链及骨髓检查结果推导的疗效进行核对",
        ),
        ResponseSource::Derived => (
            "Responses were derived from the M-protein, free light chain and marrow measurements",
            "疗效根据M蛋白、游离轻链及骨髓检查结果推导",
        ),
    }
}

/// The treatment-emergent rule of the adverse-event table (rules::ctcae::lab_treatment_emergent
/// and analyses::safety; docs/clinical-rules.md section 5), in English and Chinese.
fn treatment_emergent_sentence() -> (&'static str, &'static str) {
    (
        "Adverse events were counted when treatment-emergent: a recorded event with onset on or \
after the start of treatment (or without an onset date), a laboratory abnormality when its grade after the start of \
treatment was higher than at baseline or there was no baseline grade; each patient was counted once per term, at the \
worst grade across recorded and laboratory-derived events. ",
        "不良事件仅计治疗期间出现者：病历记录的不良事件发生于治疗开始当日或之后（或无发生日期），检验异常在治疗开始后的级别高于基线或无基线分级；\
每例患者每个术语按病历记录与检验推导中的最高级别计一次。",
    )
}

/// The CTCAE version number as the Methods name it.
fn ctcae_version(cfg: &Config) -> &'static str {
    match cfg.rules.ctcae_version {
        CtcaeVersion::Ctcae5 => "5.0",
        CtcaeVersion::Ctcae6 => "6.0",
    }
}

/// The sentence naming the high-risk definition when it is not the default IMWG 2016 FISH
/// list (so that the default methods paragraph stays as it was); empty otherwise.
fn high_risk_sentence(cfg: &Config) -> (String, String) {
    match cfg.rules.high_risk_definition {
        HighRiskDefinition::Imwg2016 => {
            let list: Vec<&str> = cfg
                .rules
                .staging
                .high_risk_fish
                .iter()
                .map(|m| m.label())
                .collect();
            (
                format!(
                    " High-risk cytogenetics was defined by the IMWG 2016 list (Sonneveld et al., Blood 2016): any of {} by FISH.",
                    list.join(", ")
                ),
                format!(
                    "细胞遗传学高危定义参照IMWG 2016（Sonneveld等，Blood 2016）：FISH检出{}中任一项。",
                    list.join("、")
                ),
            )
        }
        HighRiskDefinition::ImsImwg2025 => (
            format!(
                " High-risk disease was defined by the IMS/IMWG 2025 consensus (Avet-Loiseau et al., \
J Clin Oncol 2025): del(17p) in more than {d}% of clonal plasma cells and/or TP53 mutation; t(4;14), t(14;16) or \
t(14;20) with 1q gain/amplification and/or del(1p32); monoallelic del(1p32) with 1q gain/amplification, or \
biallelic del(1p32); or β2-microglobulin ≥ {b} mg/L with creatinine < 1.2 mg/dL.",
                d = cfg.rules.high_risk_2025.del17p_fraction_above_pct,
                b = cfg.rules.high_risk_2025.b2m_mg_l,
            ),
            format!(
                "高危定义参照IMS/IMWG 2025共识（Avet-Loiseau等，J Clin Oncol 2025）：del(17p)克隆比例 > {d}%和/或TP53突变；\
t(4;14)、t(14;16)或t(14;20)伴1q扩增和/或del(1p32)；单等位del(1p32)伴1q扩增，或双等位del(1p32)；或β2微球蛋白 ≥ {b} mg/L且肌酐 < 1.2 mg/dL。",
                d = cfg.rules.high_risk_2025.del17p_fraction_above_pct,
                b = cfg.rules.high_risk_2025.b2m_mg_l,
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of data present, as in the bundled example.
    fn all() -> DataPresent {
        DataPresent {
            treatment: true,
            responses: true,
            assessment_dates: true,
            progression: true,
            adverse_events: true,
            m_protein: true,
        }
    }

    /// A survival-only registry: the Methods claim no response assessment, no CTCAE grading
    /// and no PFS (issue 14).
    #[test]
    fn methods_describe_only_what_was_computed() {
        let cfg = Config::defaults().unwrap().config;
        let m = methods(&cfg, &DataPresent::default(), false);
        for (text, words) in [
            (&m.en, ["IMWG 2016", "CTCAE", "Progression-free", "ORR"]),
            (&m.zh, ["IMWG 2016", "CTCAE", "无进展", "ORR"]),
        ] {
            for w in words {
                assert!(!text.contains(w), "{w} in {text}");
            }
        }
        assert!(m.en.contains("Overall survival (OS) was measured to death"));
        assert!(m.zh.contains("总生存期（OS）"));
        let full = methods(&cfg, &all(), false);
        assert!(full.en.contains("IMWG 2016 criteria") && full.en.contains("CTCAE version 5.0"));
    }

    #[test]
    fn methods_follow_the_config() {
        let cfg = Config::defaults().unwrap().config;
        let m = methods(&cfg, &all(), false);
        assert!(m.en.contains("progression or death from any cause"));
        assert!(m.en.contains("Shapiro-Wilk"));
        assert!(m.en.contains("definition 6, as SPSS"));
        assert!(m.zh.contains("Kaplan-Meier"));
        // The treatment-emergent rule of the AE table, in both languages.
        assert!(m
            .en
            .contains("higher than at baseline or there was no baseline grade"));
        assert!(m
            .en
            .contains("start of treatment). Adverse events were counted when"));
        assert!(m
            .zh
            .contains("检验异常在治疗开始后的级别高于基线或无基线分级"));
        let cfg = Config::with_override(
            "[endpoints]\npfs_events = \"progression\"\n[dates]\ndata_cutoff = \"2022-12-09\"\n",
            "t",
        )
        .unwrap()
        .config;
        let m = methods(&cfg, &all(), false);
        assert!(m.en.contains("measured to progression;"), "{}", m.en);
        assert!(m.en.contains("Data cut-off: 2022-12-09"));
        assert!(m.zh.contains("随访截止日期：2022-12-09"));
        assert!(!m.en.contains("IMS/IMWG 2025"));
        assert!(
            m.en.contains(
                "IMWG 2016 list (Sonneveld et al., Blood 2016): any of del(17p), t(4;14)"
            ),
            "{}",
            m.en
        );
        let cfg = Config::with_override("[rules]\nhigh_risk_definition = \"ims_imwg2025\"\n", "t")
            .unwrap()
            .config;
        let m = methods(&cfg, &all(), false);
        assert!(m.en.contains("IMS/IMWG 2025 consensus"), "{}", m.en);
        assert!(
            m.en.contains("more than 20% of clonal plasma cells"),
            "{}",
            m.en
        );
        assert!(m.zh.contains("IMS/IMWG 2025"));
        assert!(m.en.contains("CTCAE version 5.0"));
        let cfg = Config::with_override("[rules]\nctcae_version = \"ctcae6\"\n", "t")
            .unwrap()
            .config;
        let m = methods(&cfg, &all(), false);
        assert!(m.en.contains("graded by CTCAE version 6.0"), "{}", m.en);
        assert!(m.zh.contains("CTCAE 6.0版"), "{}", m.zh);
        assert!(!m.en.contains("Minimal residual disease"));
        let m = methods(&cfg, &all(), true);
        assert!(m.en.contains("sensitivity of 1e-5 or finer"), "{}", m.en);
        assert!(m.en.contains("intention to treat"), "{}", m.en);
        assert!(m.zh.contains("意向性治疗"), "{}", m.zh);
    }
}
