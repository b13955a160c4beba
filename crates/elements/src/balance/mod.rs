//! Load balancing and splitting: hashing, round-robin and random
//! switches.

pub mod hashswitch;
pub mod randomswitch;
pub mod roundrobinswitch;

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![hashswitch::SPEC, randomswitch::SPEC, roundrobinswitch::SPEC]
}
