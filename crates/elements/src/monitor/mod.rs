//! Monitoring and traces: per-flow statistics (`FlowStats`), packet
//! summaries (`IPPrint`) and time windows (`TimeFilter`).

pub mod aggregatecounter;
pub mod aggregateipflows;
pub mod flowstats;
pub mod ipprint;
pub mod timefilter;

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![
        aggregatecounter::SPEC,
        aggregateipflows::SPEC,
        flowstats::SPEC,
        ipprint::SPEC,
        timefilter::SPEC,
    ]
}
