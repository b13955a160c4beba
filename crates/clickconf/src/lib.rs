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
//! # Differences from Click
//!
//! * Undefined `$name`/`${name}` references in configuration strings are
//!   errors ("undefined parameter '$x'"); Click leaves them as text. Quote
//!   the `$` with single quotes to keep it; `$(...)` is always left alone,
//!   and so is everything in the arguments of [`SCRIPT_CLASSES`] (`Script`,
//!   `DriverManager`), whose scripts have their own variables.
//! * A compound port used inside but not connected outside ("'c' input 0
//!   unused") is a warning; connecting to a port the compound lacks ("'c'
//!   has no input 1") is an error. Click makes both errors.
//! * `require(library FILE)` is rejected: configurations are one text and
//!   the core does no I/O. `provide(...)` is accepted and ignored.
//! * `# LINE "FILE"` directives are accepted but do not renumber lines:
//!   diagnostics always point at the text as given.
//! * Parsing stops at the first syntax error (flattening reports all).
//! * Limits against hostile input: nesting depth [`MAX_DEPTH`], port
//!   numbers up to [`MAX_PORT`], [`MAX_TOTAL_PORTS`] listed ports,
//!   [`MAX_ELEMENTS`] elements and [`MAX_CONNECTIONS`] connections after
//!   expansion, and a cap on `$` expansion output.
//! * [`args::unquote`] reports unterminated quotes and malformed `\<...>`
//!   blocks, which Click silently accepts.
//!
//! Like Click (and unlike what one might expect), [`args::split_args`]
//! does not treat parentheses as nesting: `f(a, b)` is two arguments.
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
mod vars;

pub use ast::Config;
pub use diag::{Diagnostic, Severity};
pub use flatten::{
    ClassLookup, MAX_CONNECTIONS, MAX_ELEMENTS, SCRIPT_CLASSES, edit_distance, flatten,
};
pub use graph::{
    GraphConnection, GraphElement, ReplaceError, Replacement, Requirement, RouterGraph,
};
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
    load_with_params(name, text, classes, &[])
}

/// As [`load`], with `$NAME` parameters that override the configuration's
/// `define`s (Click's `click CONFIG NAME=VALUE`).
pub fn load_with_params(
    name: &str,
    text: &str,
    classes: &dyn ClassLookup,
    params: &[(String, String)],
) -> Result<RouterGraph, (SourceMap, Vec<Diagnostic>)> {
    let mut sources = SourceMap::new();
    let config = match parse(&mut sources, name, text) {
        Ok(c) => c,
        Err(d) => return Err((sources, d)),
    };
    match flatten::flatten_with_params(&config, &sources, classes, params) {
        Ok(g) => Ok(g),
        Err(d) => Err((sources, d)),
    }
}
