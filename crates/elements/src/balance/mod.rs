//! Load balancing and splitting: hashing, round-robin, random, stride and
//! rate-based splitters.

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![]
}
