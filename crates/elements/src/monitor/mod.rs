//! Monitoring and traces: flow aggregation, per-flow statistics, rate
//! monitors, `IPPrint`, and Click's IP summary dump format.

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![]
}
