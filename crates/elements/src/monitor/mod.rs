//! Monitoring: per-flow statistics (`FlowStats`).

pub mod flowstats;

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![flowstats::SPEC]
}
