//! The outcome engine: from validated records, each referral's facts and the measures of
//! `measures.md`.
//!
//! [`Dataset::merge`] turns the accepted records of many submissions into one record set
//! (later reporting periods supersede earlier versions; people matched across providers by
//! NHS number). [`derive`] gives one [`ReferralOutcome`] per referral for a [`Period`], with
//! thresholds and code meanings taken from the schema ([`OutcomeRules`]). [`Counts`] adds outcomes
//! up into the published measures.
//!
//! Invariant: pure. No I/O, no clock, no global state: the same records, period and rules
//! always give the same outcomes, whatever the order of the input rows. [`derive`] may split
//! the referrals among threads; the result does not depend on how.

#![forbid(unsafe_code)]

mod chunks;
mod counts;
mod dataset;
mod engine;
pub mod explain;
mod identity;
mod people;

pub use counts::{Counts, national, pct};
pub use dataset::{Dataset, Person, Provider, ProviderId, Referral};
pub use engine::{
    Counted, Hundredths, NoTrace, OutcomeRules, Period, ReferralOutcome, Trace, derive, derive_into, derive_traced,
};
pub use explain::{Explanation, Step, explain};
pub use people::{PersonReferred, people_referred};
