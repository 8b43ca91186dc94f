//! The annual report of `report-2012-13.md`.
//!
//! So far: [`disclosure`], the statistical disclosure control every sub-national figure passes
//! before it is published. Aggregation into tables T1-T7 and the writers are still to come.

pub mod disclosure;
