//! Tunnels and encapsulation, and the fast packet sources used by tests
//! and benchmarks (`FastUDPFlows`).

pub mod fastudpflows;

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![fastudpflows::SPEC]
}
