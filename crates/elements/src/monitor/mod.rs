//! Monitoring and traces: flow numbering and counting (`AggregateIPFlows`,
//! `AggregateCounter`), rates by address range (`IPRateMonitor`),
//! per-flow statistics (`FlowStats`), packet summaries
//! (`IPPrint`), Click's IP summary dumps (`ToIPSummaryDump`, `FromIPSummaryDump`, the format in
//! `ipsumdump`), tcpdump's text (`FromTcpdump`) and time windows (`TimeFilter`).

pub mod aggregatecounter;
pub mod aggregateipflows;
pub mod flowstats;
pub mod fromipsummarydump;
pub mod fromtcpdump;
pub mod ipprint;
pub mod ipratemonitor;
pub mod ipsumdump;
pub mod timefilter;
pub mod toipsummarydump;

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![
        aggregatecounter::SPEC,
        aggregateipflows::SPEC,
        flowstats::SPEC,
        fromipsummarydump::SPEC,
        fromtcpdump::SPEC,
        ipprint::SPEC,
        ipratemonitor::SPEC,
        timefilter::SPEC,
        toipsummarydump::SPEC,
    ]
}
