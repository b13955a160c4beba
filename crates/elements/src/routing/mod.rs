//! IPv4 routing: route lookup, ARP, ICMP errors and echo, fragmentation and
//! reassembly, options, and the small elements of Click's IP router.

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![]
}
