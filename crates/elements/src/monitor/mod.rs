//! Monitoring and traces: per-flow statistics (`FlowStats`), packet
//! summaries (`IPPrint`) and time windows (`TimeFilter`).

pub mod flowstats;
pub mod ipprint;
pub mod timefilter;

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![flowstats::SPEC, ipprint::SPEC, timefilter::SPEC]
}
