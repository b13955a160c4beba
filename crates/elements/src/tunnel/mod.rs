//! Tunnels and encapsulation (IP-in-IP, UDP, GRE, VLAN) and the fast
//! packet sources used by tests and benchmarks.

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![]
}
