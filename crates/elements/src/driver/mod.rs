//! Scripted runs and control: `Script`, `DriverManager`, and the control
//! socket behind `yard click -p`/`-u`.

use engine::ElementSpec;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![]
}
