//! Monitoring and traces: per-flow statistics (`FlowStats`) and time
//! windows (`TimeFilter`).

pub mod flowstats;
pub mod timefilter;

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![flowstats::SPEC, timefilter::SPEC]
}
