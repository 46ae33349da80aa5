//! What a configured grouping makes of one patient's value, and the order of its levels.
//!
//! Three shapes (docs/configuration.md, "Groupings"): two levels (`yes`/`no`: a number split
//! at `at_least`, or a yes/no column), one level per value (`levels = true`, labels as the
//! workbook wrote them), or numeric bands (`cuts = [65, 75]`: `< 65`, `65–74`, `≥ 75`, each
//! band holding its lower cut, as R's `cut(x, c(-Inf, 65, 75, Inf), right = FALSE)`).

use crate::config::{ColumnDef, Config, ConfigError, Dictionary, Grouping};
use crate::display::plain_number;
use crate::names::{key, split_unit};

/// One patient's value of a grouping column as the workbook gave it: a number, or text (a
/// value as written, a dictionary category's canonical spelling, `yes`/`no`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum GroupValue {
    Number(f64),
    Text(String),
}

impl Grouping {
    /// More than two fixed levels: one per value, or numeric bands. Such a grouping's first
    /// level is the reference of its Cox models.
    pub fn has_levels(&self) -> bool {
        self.levels || !self.cuts.is_empty()
    }

    /// The band of `x` among `cuts` (sorted, checked at load): below the first cut, between
    /// two cuts (lower cut included), or at/above the last.
    pub fn band(&self, x: f64) -> String {
        let labels = self.band_labels();
        let i = self.cuts.iter().take_while(|c| x >= **c).count();
        labels.get(i).cloned().unwrap_or_default()
    }

    /// The bands' labels in order. With whole-number cuts the middle bands read as whole
    /// numbers (`65–74` holds 65 ≤ x < 75, the way ages are banded in journals); otherwise
    /// `1.5 to < 3.5`.
    pub fn band_labels(&self) -> Vec<String> {
        let c = &self.cuts;
        let Some((first, last)) = c.first().zip(c.last()) else {
            return Vec::new();
        };
        let whole = c.iter().all(|x| x.fract() == 0.0 && x.abs() < 1e15);
        let mut out = vec![format!("< {}", plain_number(*first))];
        for w in c.windows(2) {
            out.push(if whole {
                format!("{}–{}", plain_number(w[0]), plain_number(w[1] - 1.0))
            } else {
                format!("{} to < {}", plain_number(w[0]), plain_number(w[1]))
            });
        }
        out.push(format!("≥ {}", plain_number(*last)));
        out
    }

    /// `levels` (the values present, each once) in the grouping's order: `yes` then `no` for
    /// two levels; band order for `cuts`; the configured `order`, then the rest sorted, for
    /// `levels = true`. Values outside the grouping's shape are dropped.
    pub fn ordered(&self, mut levels: Vec<String>) -> Vec<String> {
        levels.sort();
        levels.dedup();
        let order: Vec<String> = if !self.cuts.is_empty() {
            self.band_labels()
        } else if self.levels {
            self.order.clone()
        } else {
            vec!["yes".into(), "no".into()]
        };
        if !self.levels {
            return order.into_iter().filter(|l| levels.contains(l)).collect();
        }
        let rank = |l: &String| order.iter().position(|o| o == l).unwrap_or(order.len());
        levels.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
        levels
    }

    /// The display label of one of this grouping's levels: `label_yes`/`label_no` for two
    /// levels, the level itself (as written, or the band) otherwise.
    pub fn level_label(&self, level: &str) -> String {
        match (self.has_levels(), level) {
            (false, "yes") => self.label_yes.clone(),
            (false, "no") => self.label_no.clone(),
            _ => level.to_string(),
        }
    }
}

/// Groupings computed from several columns rather than read from one.
const DERIVED: [&str; 1] = ["high_risk_cytogenetics"];

/// Resolves every grouping's `column` once, at load: a patient-level dictionary column by
/// its name or any alias (a site's or built-in, compared as header names are), a derived
/// grouping, or else a header of the patients sheet as written, which gets a column
/// definition of its own (`workbook_header`) so that ingest keeps its values. A column of an
/// event sheet (one value per visit, not per patient) is refused.
pub(crate) fn resolve_columns(cfg: &mut Config) -> Result<(), ConfigError> {
    for i in 0..cfg.groupings.len() {
        let column = cfg.groupings[i].column.clone();
        if DERIVED.contains(&column.as_str()) {
            continue;
        }
        let dict = &cfg.dictionary;
        if let Some(name) = patient_column(dict, &column) {
            cfg.groupings[i].column = name;
            continue;
        }
        if let Some((table, _)) = dict
            .tables()
            .into_iter()
            .skip(1)
            .find(|(_, cols)| cols.iter().any(|c| names_match(dict, c, &column)))
        {
            return Err(ConfigError::Invalid {
                key: format!("groupings[{i}].column"),
                message: format!(
                    "{column:?} is a column of {table} (one value per visit or event); a grouping needs one value per patient"
                ),
            });
        }
        let numeric = cfg.groupings[i].at_least.is_some() || !cfg.groupings[i].cuts.is_empty();
        cfg.dictionary
            .patient
            .push(ColumnDef::workbook_header(&column, numeric));
    }
    Ok(())
}

/// The name of the patient-level column `column` names (already a workbook header column
/// of another grouping counts too).
fn patient_column(dict: &Dictionary, column: &str) -> Option<String> {
    dict.patient
        .iter()
        .find(|c| c.name == column)
        .or_else(|| dict.patient.iter().find(|c| names_match(dict, c, column)))
        .map(|c| c.name.clone())
}

/// `column` is `c`'s name or one of its aliases (built-in or the site's), as header names
/// compare (case, width and spacing ignored; a unit in parentheses dropped).
fn names_match(dict: &Dictionary, c: &ColumnDef, column: &str) -> bool {
    let k = bare_key(column);
    let site = dict.extra_aliases.get(&c.name).into_iter().flatten();
    std::iter::once(&c.name)
        .chain(&c.aliases)
        .chain(site)
        .any(|a| bare_key(a) == k)
}

fn bare_key(s: &str) -> String {
    match split_unit(s) {
        Some((name, _)) => key(&name),
        None => key(s),
    }
}

/// The shape of each grouping is one of the three, with what it needs: `cuts` increasing
/// and finite, labels for two levels.
pub(crate) fn check_shapes(groupings: &[Grouping]) -> Result<(), ConfigError> {
    for (i, g) in groupings.iter().enumerate() {
        let refuse = |field: &str, message: &str| {
            Err(ConfigError::Invalid {
                key: format!("groupings[{i}].{field}"),
                message: format!("entry {:?}: {message}", g.id),
            })
        };
        let shapes = [g.levels, !g.cuts.is_empty(), g.at_least.is_some()];
        if shapes.iter().filter(|s| **s).count() > 1 {
            return refuse(
                "cuts",
                "use one of `levels = true`, `cuts = [...]` or `at_least`",
            );
        }
        if g.cuts.iter().any(|c| !c.is_finite()) || g.cuts.windows(2).any(|w| w[0] >= w[1]) {
            return refuse("cuts", "cuts must be finite numbers in increasing order");
        }
        if !g.has_levels() && (g.label_yes.is_empty() || g.label_no.is_empty()) {
            return refuse(
                "label_yes",
                "a two-level grouping needs label_yes and label_no",
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grouping(cuts: &[f64], levels: bool, order: &[&str]) -> Grouping {
        Grouping {
            id: "g".into(),
            column: "age".into(),
            at_least: None,
            levels,
            cuts: cuts.to_vec(),
            label: "Age".into(),
            label_yes: String::new(),
            label_no: String::new(),
            label_zh: String::new(),
            label_yes_zh: String::new(),
            label_no_zh: String::new(),
            known_after_index: false,
            order: order.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn bands_hold_their_lower_cut_like_r_cut_right_false() {
        let g = grouping(&[65.0, 75.0], false, &[]);
        assert_eq!(g.band_labels(), ["< 65", "65–74", "≥ 75"]);
        assert_eq!(g.band(64.999), "< 65");
        assert_eq!(g.band(65.0), "65–74");
        assert_eq!(g.band(74.9), "65–74");
        assert_eq!(g.band(75.0), "≥ 75");
        assert_eq!(g.band(-3.0), "< 65");
        assert!(g.has_levels());
    }

    #[test]
    fn fractional_cuts_say_where_the_band_ends() {
        let g = grouping(&[1.5, 3.5], false, &[]);
        assert_eq!(g.band_labels(), ["< 1.5", "1.5 to < 3.5", "≥ 3.5"]);
        assert_eq!(g.band(3.5), "≥ 3.5");
        let one = grouping(&[100.0], false, &[]);
        assert_eq!(one.band_labels(), ["< 100", "≥ 100"]);
    }

    #[test]
    fn levels_follow_band_order_configured_order_or_yes_then_no() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let bands = grouping(&[65.0, 75.0], false, &[]);
        assert_eq!(
            bands.ordered(s(&["≥ 75", "< 65", "65–74", "< 65"])),
            ["< 65", "65–74", "≥ 75"]
        );
        let values = grouping(&[], true, &["MMSET"]);
        assert_eq!(
            values.ordered(s(&["MAF", "Cyclin D-1", "MMSET"])),
            ["MMSET", "Cyclin D-1", "MAF"]
        );
        let two = grouping(&[], false, &[]);
        assert_eq!(two.ordered(s(&["no", "yes", "maybe"])), ["yes", "no"]);
        assert!(!two.has_levels());
    }
}
