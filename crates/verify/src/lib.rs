//! verify — Symnet for Switchyard: static verification of networks of
//! Click middleboxes by symbolic execution (seed 002, section 3.1).
//!
//! A network is a set of boxes, each a Click configuration, and links
//! between their ports. A *flow* is a symbolic packet: its header fields
//! are bound to expressions over variables, it carries constraints on
//! those variables, and it carries the per-flow state that middleboxes
//! push into it (a NAT's mapping, a firewall's "seen outbound", an ISN
//! offset). Elements are modelled as functions on flows ([`Model`]);
//! queries push flows through the network and read the answer off what
//! arrives, what dies where, and what comes back round.
//!
//! ```text
//!  boxes (*.click) + links ──► Network ──► explore(place, flow) ──► Outcome
//!                                 ▲                                  │
//!      ModelRegistry (elements) ──┘           queries ◄──────────────┘
//! ```
//!
//! Key decisions:
//! * Models live beside each element's concrete code in the `elements`
//!   crate and are registered by class name; this crate knows none of
//!   them, and an element without a model stops every flow that reaches
//!   it with a reason naming its class.
//! * Constraints are solved as they are added ([`store`]): interval sets
//!   per variable, substitution for equalities, short lists for the rest.
//!   No external solver.
//! * Variables know who chooses them ([`VarKind`]): the sender (a
//!   condition on those is an answer), a middlebox (a property must hold
//!   for every choice) or a parameter of the configuration.

pub mod bench;
pub mod concrete;
pub mod cond;
pub mod domain;
pub mod explore;
pub mod expr;
pub mod flow;
pub mod model;
pub mod net;
pub mod query;
pub mod store;

#[cfg(test)]
mod fuzz_tests;

pub use domain::IntervalSet;
pub use expr::{Expr, Format, Var, VarKind, Vars};
pub use flow::{Anno, Field, Flow, Header, HeaderKind, MemoryViolation, Place, tcp_flags};
pub use model::{Cx, DeathKind, MakeModel, Model, ModelArgs, ModelError, ModelRegistry};
pub use net::{InputError, Network};
pub use query::{InvTerm, Query, Report, parse_queries, parse_query, run_query};

use std::path::Path;

/// Loads `DIR/*.click` (a box per file, named by its stem) and
/// `DIR/links`.
pub fn load_dir(
    dir: &Path,
    classes: &dyn clickconf::ClassLookup,
    models: &ModelRegistry,
) -> Result<Network, InputError> {
    let err = |path: &Path, m: String| InputError {
        location: path.display().to_string(),
        message: m,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| err(dir, format!("cannot read directory: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "click"))
        .collect();
    entries.sort();
    if entries.is_empty() {
        return Err(err(dir, "no .click files (one per box)".into()));
    }
    let mut net = Network::new();
    for path in &entries {
        let text =
            std::fs::read_to_string(path).map_err(|e| err(path, format!("cannot read: {e}")))?;
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| err(path, "file name is not UTF-8".into()))?;
        net.add_box(name, &path.display().to_string(), &text, classes, models)?;
    }
    let links = dir.join("links");
    if links.exists() {
        let text = std::fs::read_to_string(&links)
            .map_err(|e| err(&links, format!("cannot read: {e}")))?;
        net.read_links(&links.display().to_string(), &text)?;
    }
    Ok(net)
}
