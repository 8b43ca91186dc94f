//! Record rules that need every row of a sheet: overlapping pauses, people never referred.

use iapt_schema::Schema;

use super::Assembler;
use crate::finding::Finding;
use crate::rules;

impl Assembler {
    /// Rules that need every row of a sheet: overlapping pauses, people never referred.
    /// Returns the number of further rows rejected per sheet name.
    pub(crate) fn finish(&mut self, schema: &Schema, out: &mut Vec<Finding>) -> Vec<(&'static str, u64)> {
        let mut rejected_rows = Vec::new();
        if let Some(sheet) = schema.sheet_index("WaitingTimePause") {
            let mut order: Vec<usize> = (0..self.sub.pauses.len()).collect();
            order.sort_by_key(|&i| (self.sub.pauses[i].referral, self.sub.pauses[i].start, self.sub.pauses[i].row));
            let mut drop = vec![false; self.sub.pauses.len()];
            for w in order.windows(2) {
                let (a, b) = (&self.sub.pauses[w[0]], &self.sub.pauses[w[1]]);
                if a.referral == b.referral && a.end.is_none_or(|e| b.start <= e) {
                    let mut f = Finding::new(rules::PAUSE_OVERLAP);
                    f.sheet = u8::try_from(sheet).ok();
                    f.row = b.row;
                    f.value = Some(b.start.to_string().into());
                    f.detail = Some(a.row.to_string().into());
                    out.push(f);
                    drop[w[1]] = true;
                }
            }
            let before = self.sub.pauses.len();
            let mut keep = drop.iter().map(|d| !d);
            self.sub.pauses.retain(|_| keep.next().unwrap_or(true));
            rejected_rows.push(("WaitingTimePause", (before - self.sub.pauses.len()) as u64));
        }
        if let Some(sheet) = schema.sheet_index("Person") {
            for p in &self.sub.persons {
                if !self.seen(p.id).referred {
                    let mut f = Finding::new(rules::PERSON_WITHOUT_REFERRAL);
                    f.sheet = u8::try_from(sheet).ok();
                    f.row = p.row;
                    f.value = Some(self.sub.ids.resolve(p.id).into());
                    out.push(f);
                }
            }
        }
        rejected_rows
    }
}
