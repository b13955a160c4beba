//! IP classification and filtering: `IPClassifier`, `IPFilter`, and the
//! `AddressInfo` names their patterns (and every address argument) may use.

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![]
}
