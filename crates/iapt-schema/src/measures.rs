//! Outcome measures as data (`measures.json`): thresholds, the anxiety measure each
//! diagnosis calls for, and the report's diagnosis groups.

use serde::Deserialize;
use validator::Validate;

/// One outcome measure (a questionnaire score column).
#[derive(Clone, Debug, Deserialize, Validate)]
pub struct Measure {
    /// Short name used in outputs (`PHQ9`, `GAD7`, `MI_ALONE`, ...).
    #[validate(length(min = 1, max = 32, message = "a measure needs a name of at most 32 characters"))]
    pub name: String,
    /// The Appointment column holding the score.
    pub column: String,
    /// At caseness when the score is at least this.
    #[validate(range(min = 0.0, message = "a caseness threshold is not negative"))]
    pub caseness: f64,
    /// A change of at least this many points is reliable.
    #[validate(range(exclusive_min = 0.0, message = "a reliable change is above 0 points"))]
    pub reliable_change: f64,
    /// Where the values come from; "working value" marks the unconfirmed ones.
    pub source: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AnxietyRule {
    /// Diagnosis code prefix, without the dot.
    pub prefix: String,
    pub measure: String,
    pub diagnosis: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DiagnosisGroup {
    pub group: String,
    pub prefixes: Vec<String>,
}

/// Everything the outcome engine is told rather than knows.
#[derive(Clone, Debug, Deserialize)]
pub struct Measures {
    pub depression: String,
    pub default_anxiety: String,
    pub measures: Vec<Measure>,
    pub anxiety_by_diagnosis: Vec<AnxietyRule>,
    pub diagnosis_groups: Vec<DiagnosisGroup>,
    pub diagnosis_not_recorded: String,
}

impl Measures {
    /// The index of a measure by name.
    #[must_use]
    pub fn index(&self, name: &str) -> Option<usize> {
        self.measures.iter().position(|m| m.name == name)
    }

    /// The anxiety measure a diagnosis (without the dot) calls for: the longest matching prefix.
    #[must_use]
    pub fn anxiety_for(&self, diagnosis: Option<&str>) -> &str {
        diagnosis
            .and_then(|d| {
                self.anxiety_by_diagnosis.iter().filter(|r| d.starts_with(&r.prefix)).max_by_key(|r| r.prefix.len())
            })
            .map_or(self.default_anxiety.as_str(), |r| r.measure.as_str())
    }

    /// The report group of a diagnosis: the group of the longest matching prefix.
    #[must_use]
    pub fn group_of(&self, diagnosis: Option<&str>) -> &str {
        diagnosis
            .and_then(|d| {
                self.diagnosis_groups
                    .iter()
                    .flat_map(|g| g.prefixes.iter().map(move |p| (g, p)))
                    .filter(|(_, p)| d.starts_with(p.as_str()))
                    .max_by_key(|(_, p)| p.len())
            })
            .map_or(self.diagnosis_not_recorded.as_str(), |(g, _)| g.group.as_str())
    }
}

#[cfg(test)]
mod tests {
    use crate::Schema;

    #[test]
    fn anxiety_measure_and_group_by_longest_prefix() {
        let m = Schema::builtin().measures;
        assert_eq!(m.anxiety_for(Some("F401")), "SPIN");
        assert_eq!(m.anxiety_for(Some("F4210")), "OCI");
        assert_eq!(m.anxiety_for(Some("F411")), "GAD7");
        assert_eq!(m.anxiety_for(None), "GAD7");
        assert_eq!(m.group_of(Some("F411")), "Generalised anxiety disorder");
        assert_eq!(m.group_of(Some("F413")), "Other anxiety or stress-related disorder");
        assert_eq!(m.group_of(Some("F50")), "Other mental health disorder");
        assert_eq!(m.group_of(Some("Z63")), "Not recorded");
        assert_eq!(m.group_of(None), "Not recorded");
        assert_eq!(m.measures.len(), 8);
    }
}
