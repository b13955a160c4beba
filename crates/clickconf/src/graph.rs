//! The flattened router graph handed to the engine, and its Graphviz view.
//!
//! Key decision: the graph is plain data with indices (elements in Click's
//! flattening order, connections sorted and de-duplicated as Click's router
//! keeps them), carrying its own `SourceMap` so every element and
//! connection can still be traced back to `file:line:col`.

use std::fmt::Write;

use crate::diag::Diagnostic;
use crate::span::{SourceMap, Span};

/// One primitive element after flattening.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphElement {
    /// Click's flattened name: `a`, `comp/inner`, `Counter@3`.
    pub name: String,
    /// Primitive class name.
    pub class: String,
    /// Configuration string after `$parameter` substitution. Comments are
    /// still in it, as in Click; `args::split_args` removes them.
    pub config: String,
    /// Where the element was declared (its name, or its class for an
    /// anonymous element).
    pub span: Span,
    /// Where the configuration string is in the source, if there is one.
    pub config_span: Option<Span>,
}

/// A connection from an output port to an input port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GraphConnection {
    pub from: usize,
    pub from_port: usize,
    pub to: usize,
    pub to_port: usize,
    /// The connection statement this came from.
    pub span: Span,
}

/// A `require(...)` entry: a package name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub text: String,
    pub span: Span,
}

/// A flattened configuration.
#[derive(Clone, Debug)]
pub struct RouterGraph {
    pub sources: SourceMap,
    pub elements: Vec<GraphElement>,
    pub connections: Vec<GraphConnection>,
    pub requirements: Vec<Requirement>,
    pub warnings: Vec<Diagnostic>,
}

fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

impl RouterGraph {
    /// Graphviz `dot` text: one node per element labeled `name :: Class`,
    /// one edge per connection labeled `[out] -> [in]`.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph router {\n    node [shape=box];\n");
        for (i, e) in self.elements.iter().enumerate() {
            let _ = writeln!(
                out,
                "    n{i} [label=\"{} :: {}\"];",
                dot_escape(&e.name),
                dot_escape(&e.class)
            );
        }
        for c in &self.connections {
            let _ = writeln!(
                out,
                "    n{} -> n{} [label=\"[{}] -> [{}]\"];",
                c.from, c.to, c.from_port, c.to_port
            );
        }
        out.push_str("}\n");
        out
    }

    /// Index of the element named `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.elements.iter().position(|e| e.name == name)
    }

    /// Connections leaving element `e`, in port order.
    pub fn outputs_of(&self, e: usize) -> impl Iterator<Item = &GraphConnection> {
        self.connections.iter().filter(move |c| c.from == e)
    }

    /// Connections entering element `e`.
    pub fn inputs_of(&self, e: usize) -> impl Iterator<Item = &GraphConnection> {
        self.connections.iter().filter(move |c| c.to == e)
    }
}
