//! clickconf — the Click configuration language as Click 2.x accepts it:
//! lexer, parser, pretty-printer, compound elements, `$parameters`,
//! `define`, `require`, diagnostics with `file:line:col`, flattening to a
//! [`RouterGraph`], and Click's argument grammar ([`args`]).
//!
//! ```
//! let classes = ["Idle", "Counter", "Discard"];
//! let graph = clickconf::load("ex.click", "Idle -> c :: Counter -> Discard;", &classes).unwrap();
//! assert_eq!(graph.elements[1].name, "c");
//! assert_eq!(graph.elements[0].name, "Idle@1");
//! ```
//!
//! Key decision: parsing and flattening are separate steps with separate
//! outputs — the parser needs no class list and produces a tree that prints
//! back to equivalent text; flattening resolves names the way Click's lexer
//! does. Neither panics on any input; both report problems as
//! [`Diagnostic`]s that carry spans.

pub mod args;
pub mod ast;
mod diag;
mod flatten;
mod graph;
pub mod lexer;
mod parser;
mod print;
mod span;

pub use ast::Config;
pub use diag::{Diagnostic, Severity};
pub use flatten::{ClassLookup, MAX_CONNECTIONS, MAX_ELEMENTS, edit_distance, flatten};
pub use graph::{GraphConnection, GraphElement, Requirement, RouterGraph};
pub use parser::{MAX_DEPTH, MAX_PORT, MAX_TOTAL_PORTS, parse, parse_file};
pub use span::{FileId, SourceMap, Span};

/// Parses and flattens `text` (named `name` in diagnostics). On success
/// the graph's `warnings` hold any warnings; on failure all diagnostics
/// (errors and warnings) come back with the sources to render them.
pub fn load(
    name: &str,
    text: &str,
    classes: &dyn ClassLookup,
) -> Result<RouterGraph, (SourceMap, Vec<Diagnostic>)> {
    let mut sources = SourceMap::new();
    let config = match parse(&mut sources, name, text) {
        Ok(c) => c,
        Err(d) => return Err((sources, d)),
    };
    match flatten(&config, &sources, classes) {
        Ok(g) => Ok(g),
        Err(d) => Err((sources, d)),
    }
}
