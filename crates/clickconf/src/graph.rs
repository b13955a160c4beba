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

/// An element swapped for another when a configuration runs somewhere it
/// was not written for: `NAME=Class(ARGS)`, e.g. a device replaced by a
/// capture file (`in0=FromDump(trace.pcap, STOP true)`). The element keeps
/// its name, ports and connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    pub name: String,
    pub class: String,
    pub config: String,
}

/// Why a replacement could not be read or applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplaceError {
    #[error("replacement '{0}' is not NAME=Class or NAME=Class(ARGS)")]
    Syntax(String),
    #[error("replacement names element '{0}', which the configuration does not have")]
    NoSuchElement(String),
}

impl std::str::FromStr for Replacement {
    type Err = ReplaceError;

    fn from_str(text: &str) -> Result<Replacement, ReplaceError> {
        let bad = || ReplaceError::Syntax(text.to_string());
        let (name, rest) = text.split_once('=').ok_or_else(bad)?;
        let name = name.trim();
        let rest = rest.trim();
        let (class, config) = match rest.split_once('(') {
            None => (rest, ""),
            Some((class, args)) => (class.trim_end(), args.strip_suffix(')').ok_or_else(bad)?),
        };
        let is_name = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | '@' | '-'))
        };
        if !is_name(name)
            || !is_name(class)
            || !class.starts_with(|c: char| c.is_ascii_alphabetic())
        {
            return Err(bad());
        }
        Ok(Replacement {
            name: name.to_string(),
            class: class.to_string(),
            config: config.to_string(),
        })
    }
}

impl RouterGraph {
    /// The flattened configuration as Click text: one declaration per
    /// element, then the connections (what `click -o` writes).
    pub fn to_click(&self) -> String {
        let mut out = String::new();
        for e in &self.elements {
            if e.config.trim().is_empty() {
                let _ = writeln!(out, "{} :: {};", e.name, e.class);
            } else {
                let _ = writeln!(out, "{} :: {}({});", e.name, e.class, e.config);
            }
        }
        for c in &self.connections {
            let _ = writeln!(
                out,
                "{} [{}] -> [{}] {};",
                self.elements[c.from].name, c.from_port, c.to_port, self.elements[c.to].name
            );
        }
        out
    }

    /// Swaps the named element's class and configuration (see
    /// [`Replacement`]); whether the new class fits the element's ports is
    /// checked when the router is built, like any other element.
    pub fn replace(&mut self, replacement: &Replacement) -> Result<(), ReplaceError> {
        let element = self
            .elements
            .iter_mut()
            .find(|e| e.name == replacement.name)
            .ok_or_else(|| ReplaceError::NoSuchElement(replacement.name.clone()))?;
        element.class = replacement.class.clone();
        element.config = replacement.config.clone();
        // The new arguments have no place in the source text.
        element.config_span = None;
        Ok(())
    }

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

#[cfg(test)]
mod replacement_tests {
    use super::*;
    use crate::span::FileId;

    #[test]
    fn replacements_parse() {
        let r: Replacement = "in0=FromDump(a.pcap, STOP true)".parse().unwrap();
        assert_eq!(
            (r.name.as_str(), r.class.as_str(), r.config.as_str()),
            ("in0", "FromDump", "a.pcap, STOP true")
        );
        let r: Replacement = "out0 = Discard".parse().unwrap();
        assert_eq!((r.class.as_str(), r.config.as_str()), ("Discard", ""));
        let r: Replacement = "c/x=Queue(f(1))".parse().unwrap();
        assert_eq!(r.config, "f(1)");
        for bad in [
            "in0",
            "=Discard",
            "in0=",
            "in0=Discard(",
            "in0=1X",
            "a b=Discard",
        ] {
            assert!(bad.parse::<Replacement>().is_err(), "{bad}");
        }
    }

    #[test]
    fn replace_keeps_connections() {
        let mut graph = RouterGraph {
            sources: SourceMap::default(),
            elements: vec![GraphElement {
                name: "in0".into(),
                class: "FromDevice".into(),
                config: "eth0".into(),
                span: Span::new(FileId(0), 0, 0),
                config_span: Some(Span::new(FileId(0), 0, 1)),
            }],
            connections: vec![],
            requirements: vec![],
            warnings: vec![],
        };
        graph.replace(&"in0=Idle".parse().unwrap()).unwrap();
        assert_eq!(graph.elements[0].class, "Idle");
        assert_eq!(graph.elements[0].config, "");
        assert_eq!(
            graph.replace(&"nope=Idle".parse().unwrap()),
            Err(ReplaceError::NoSuchElement("nope".into()))
        );
    }
}
