//! Network address and port translation: Click's rewriter family
//! (`IPRewriter`, `TCPRewriter`, `UDPRewriter`, `IPAddrRewriter`, …), their
//! patterns and mappers.

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![]
}
