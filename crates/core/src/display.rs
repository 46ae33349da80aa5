//! The display text of configured names (issue 14): a grouping's label, its two levels, the
//! description of a comparison, in English and Chinese, computed once per workbook into
//! `Results` so that renderers only look them up. Typography as journals print it: `≥` and
//! `≤` rather than `>=` and `<=`, `10⁹/L` rather than `10^9/L` (ICMJE/AMA style, SI units).

use crate::config::{Config, Grouping, Language};
use crate::labels::Labels;
use crate::results::Bilingual;
use std::collections::BTreeMap;

/// `s` as printed: `>=` → `≥`, `<=` → `≤`, `10^9` → `10⁹`, `10^12` → `10¹²`.
pub fn typographic(s: &str) -> String {
    if !s.contains(['>', '<', '^']) {
        return s.to_string();
    }
    s.replace(">=", "≥")
        .replace("<=", "≤")
        .replace("10^12", "10¹²")
        .replace("10^9", "10⁹")
        .replace("10^6", "10⁶")
}

/// The machine description of a grouping that `Survival.grouping` carries
/// (`all`, `regimen`, `prior_lines >= 3`).
pub fn grouping_text(grouping: Option<&Grouping>) -> String {
    match grouping {
        None => "all".to_string(),
        Some(g) if g.has_levels() => g.column.clone(),
        Some(g) => match g.at_least {
            Some(t) => format!("{} >= {t}", g.column),
            None => g.column.clone(),
        },
    }
}

/// The comparison text of a two-level grouping as `ForestRow.comparison` carries it.
pub fn comparison_text(g: &Grouping) -> String {
    format!("{} vs {}", g.label_yes, g.label_no)
}

/// The embedded Chinese catalogs, parsed once per process.
fn zh() -> &'static Labels {
    static ZH: std::sync::OnceLock<Labels> = std::sync::OnceLock::new();
    ZH.get_or_init(|| Labels::load(Language::Zh, None).unwrap_or_default())
}

/// A number as a clinician writes it, a cut-point or a level: `65` for 65.0, `2.5` for 2.5
/// (the shortest text that reads back as the same number; no `65.0`). The one formatter of
/// group labels: grouping bands, number levels and cut-points all print through it.
pub fn plain_number(x: f64) -> String {
    format!("{x}")
}

/// The labels of one grouping: name, level yes, level no.
struct Names {
    label: Bilingual,
    yes: Bilingual,
    no: Bilingual,
}

/// A configured text, else the derived one.
fn or(configured: &str, derived: String) -> String {
    if configured.trim().is_empty() {
        derived
    } else {
        typographic(configured)
    }
}

fn names(cfg: &Config, g: &Grouping) -> Names {
    let en = typographic(&cfg.grouping_label(g));
    let key = format!("variable.{}", g.column);
    let zh_base = if !g.label_zh.trim().is_empty() {
        g.label_zh.clone()
    } else if zh().has(&key) {
        zh().get(&key).to_string()
    } else {
        en.clone()
    };
    // The definition the high-risk grouping follows is named in both languages.
    let zh_label = match en.find(" (IMS/IMWG 2025)") {
        Some(_) if !zh_base.contains("2025") => format!("{zh_base}（IMS/IMWG 2025）"),
        _ => zh_base.clone(),
    };
    // Derived levels name the column, read as words (`prior lines ≥ 3`).
    let col = g.column.replace('_', " ");
    let (yes_en, no_en, yes_zh, no_zh) = match g.at_least {
        Some(t) => (
            format!("{col} ≥ {}", plain_number(t)),
            format!("{col} < {}", plain_number(t)),
            format!("{zh_base}≥{}", plain_number(t)),
            format!("{zh_base}<{}", plain_number(t)),
        ),
        None => (
            format!("{col}: yes"),
            format!("{col}: no"),
            format!("{zh_base}：是"),
            format!("{zh_base}：否"),
        ),
    };
    Names {
        yes: Bilingual {
            en: or(&g.label_yes, yes_en),
            zh: or(&g.label_yes_zh, yes_zh),
        },
        no: Bilingual {
            en: or(&g.label_no, no_en),
            zh: or(&g.label_no_zh, no_zh),
        },
        label: Bilingual { en, zh: zh_label },
    }
}

/// Every grouping's label by id, and the display text of every configured name the
/// analyses carry, by that name (see `Analyses.display`).
pub fn grouping_display(
    cfg: &Config,
) -> (BTreeMap<String, Bilingual>, BTreeMap<String, Bilingual>) {
    let mut labels = BTreeMap::new();
    let mut display = BTreeMap::new();
    for g in &cfg.groupings {
        let n = names(cfg, g);
        let description = if g.has_levels() {
            Bilingual {
                en: format!("by {}", n.label.en),
                zh: format!("按{}", n.label.zh),
            }
        } else {
            Bilingual {
                en: format!("{} vs {}", n.yes.en, n.no.en),
                zh: format!("{}与{}", n.yes.zh, n.no.zh),
            }
        };
        display.insert(grouping_text(Some(g)), description);
        if !g.has_levels() {
            display.insert(
                comparison_text(g),
                Bilingual {
                    en: format!("{} vs {}", n.yes.en, n.no.en),
                    zh: format!("{} vs {}", n.yes.zh, n.no.zh),
                },
            );
            display.insert(g.label_yes.clone(), n.yes);
            display.insert(g.label_no.clone(), n.no);
        }
        display.insert(cfg.grouping_label(g), n.label.clone());
        labels.insert(g.id.clone(), n.label);
    }
    display.remove("");
    (labels, display)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_written() {
        assert_eq!(plain_number(65.0), "65");
        assert_eq!(plain_number(2.5), "2.5");
        assert_eq!(plain_number(-3.0), "-3");
        assert_eq!(plain_number(1e15), "1000000000000000");
    }

    #[test]
    fn typography() {
        assert_eq!(typographic("prior lines >= 3"), "prior lines ≥ 3");
        assert_eq!(typographic("age <= 65"), "age ≤ 65");
        assert_eq!(typographic("WBC, ×10^9/L"), "WBC, ×10⁹/L");
        assert_eq!(typographic("plain"), "plain");
    }

    #[test]
    fn default_groupings_are_labelled_in_both_languages() {
        let cfg = Config::defaults().unwrap().config;
        let (labels, display) = grouping_display(&cfg);
        assert_eq!(labels["prior_lines_ge3"].en, "Prior lines of therapy");
        assert_eq!(labels["prior_lines_ge3"].zh, "既往治疗线数");
        let d = &display["prior_lines >= 3"];
        assert_eq!(d.en, "≥ 3 prior lines vs < 3 prior lines");
        assert!(!d.zh.is_empty() && !d.zh.contains(">="), "{}", d.zh);
        assert_eq!(display["regimen"].zh, "按治疗方案");
        for (k, v) in &display {
            assert!(!v.en.contains(">=") && !v.zh.contains(">="), "{k}: {v:?}");
        }
    }

    #[test]
    fn a_site_grouping_without_chinese_labels_gets_readable_ones() {
        let cfg = Config::with_override(
            "[[groupings]]\nid = \"old\"\ncolumn = \"age\"\nat_least = 65\nlabel = \"Age >= 65\"\nlabel_yes = \">= 65 years\"\nlabel_no = \"< 65 years\"\n",
            "site.toml",
        )
        .unwrap()
        .config;
        let (labels, display) = grouping_display(&cfg);
        assert_eq!(labels["old"].en, "Age ≥ 65");
        let d = &display["age >= 65"];
        assert_eq!(d.en, "≥ 65 years vs < 65 years");
        // No Chinese label configured: the catalog's name of the column and the cut.
        assert!(d.zh.contains("≥65") && d.zh.contains("<65"), "{}", d.zh);
        assert!(!d.zh.contains("years"), "{}", d.zh);
    }
}
