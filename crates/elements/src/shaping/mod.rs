//! Shaping, queue disciplines and congestion signals: shapers, delay,
//! link emulation, drop-front queues, RED, and DSCP/ECN marking.

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![]
}
