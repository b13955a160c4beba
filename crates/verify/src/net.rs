//! A network to verify: boxes (one Click configuration each, with every
//! element's model) and the links between them.
//!
//! Key decision: a place is always an element's *input* port. A link runs
//! from an output port left unconnected inside one box to an input port of
//! an element of another; devices are wires, so a link may start at a
//! `ToDevice`'s output 0 (what it sends) and end at a `FromDevice`'s input
//! 0 (what it receives), ports those elements do not have in Click.

use std::collections::HashMap;
use std::fmt;

use clickconf::{ClassLookup, RouterGraph};

use crate::expr::Vars;
use crate::flow::{Flow, Place};
use crate::model::{Cx, Model, ModelArgs, ModelRegistry};

/// An error in the input, located in its file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct InputError {
    /// `file:line:col` (or just the file).
    pub location: String,
    pub message: String,
}

impl InputError {
    pub fn at(file: &str, line: usize, col: usize, message: impl Into<String>) -> InputError {
        InputError {
            location: format!("{file}:{line}:{col}"),
            message: message.into(),
        }
    }
}

/// One box: its flattened configuration and element models.
pub struct Node {
    pub name: String,
    pub graph: RouterGraph,
    pub models: Vec<Box<dyn Model>>,
    /// Inside-box connections: (element, output port) → input places.
    pub edges: HashMap<(u32, u16), Vec<(u32, u16)>>,
    /// Elements with no model, by index: their class.
    pub unmodelled: HashMap<u32, String>,
}

/// Boxes and links.
pub struct Network {
    pub nodes: Vec<Node>,
    /// (node, element, output port) → the place it is linked to.
    pub links: HashMap<(u32, u32, u16), Place>,
    /// Parameter variables the configurations introduced (`?NAME`).
    pub vars: Vars,
    by_name: HashMap<String, u32>,
}

/// A model for an element that has none: flows reaching it end there,
/// named, never passed through silently.
struct Unmodelled {
    class: String,
}

impl Model for Unmodelled {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        cx.unmet(
            flow,
            format!("element class {} has no symbolic model", self.class),
        );
    }
}

impl Network {
    pub fn new() -> Network {
        Network {
            nodes: Vec::new(),
            links: HashMap::new(),
            vars: Vars::new(),
            by_name: HashMap::new(),
        }
    }

    /// Adds a box from Click text. Model construction errors are input
    /// errors located at the element's configuration.
    pub fn add_box(
        &mut self,
        name: &str,
        file: &str,
        text: &str,
        classes: &dyn ClassLookup,
        models: &ModelRegistry,
    ) -> Result<(), InputError> {
        if self.node(name).is_some() {
            return Err(InputError {
                location: file.to_string(),
                message: format!("box '{name}' defined twice"),
            });
        }
        let graph = clickconf::load(file, text, classes).map_err(|(sources, diags)| {
            let first = diags
                .iter()
                .find(|d| d.is_error())
                .or(diags.first())
                .map(|d| d.render(&sources))
                .unwrap_or_else(|| format!("{file}: configuration error"));
            // The rendering starts with `file:line:col: error: ...`.
            let line = first.lines().next().unwrap_or_default().to_string();
            let (location, message) = split_location(&line);
            InputError { location, message }
        })?;
        let mut node = Node {
            name: name.to_string(),
            graph,
            models: Vec::new(),
            edges: HashMap::new(),
            unmodelled: HashMap::new(),
        };
        let mut ninputs = vec![0usize; node.graph.elements.len()];
        let mut noutputs = vec![0usize; node.graph.elements.len()];
        for c in &node.graph.connections {
            noutputs[c.from] = noutputs[c.from].max(c.from_port + 1);
            ninputs[c.to] = ninputs[c.to].max(c.to_port + 1);
            node.edges
                .entry((c.from as u32, c.from_port as u16))
                .or_default()
                .push((c.to as u32, c.to_port as u16));
        }
        let names = models.names(&node.graph.elements);
        for (i, e) in node.graph.elements.iter().enumerate() {
            let model: Box<dyn Model> = match models.get(&e.class) {
                Some(make) => {
                    let mut args = ModelArgs {
                        class: &e.class,
                        name: &e.name,
                        config: &e.config,
                        ninputs: ninputs[i],
                        noutputs: noutputs[i],
                        vars: &mut self.vars,
                        elements: &node.graph.elements,
                    };
                    let built = match &names {
                        Some(n) => clickconf::args::with_names(n.clone(), || make(&mut args)),
                        None => make(&mut args),
                    };
                    built.map_err(|message| {
                        let span = e.config_span.unwrap_or(e.span);
                        InputError {
                            location: node.graph.sources.location(span),
                            message: format!("{} :: {}: {message}", e.name, e.class),
                        }
                    })?
                }
                None => {
                    node.unmodelled.insert(i as u32, e.class.clone());
                    Box::new(Unmodelled {
                        class: e.class.clone(),
                    })
                }
            };
            node.models.push(model);
        }
        self.by_name
            .insert(node.name.clone(), self.nodes.len() as u32);
        self.nodes.push(node);
        Ok(())
    }

    pub fn node(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    /// Resolves `BOX:ELEMENT:PORT`.
    pub fn place(&self, text: &str) -> Result<Place, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let [b, e, p] = parts.as_slice() else {
            return Err(format!(
                "place '{text}' should be BOX:ELEMENT:PORT, e.g. nat:in:0"
            ));
        };
        let node = self.node(b).ok_or_else(|| {
            let known: Vec<&str> = self
                .nodes
                .iter()
                .take(12)
                .map(|n| n.name.as_str())
                .collect();
            let more = if self.nodes.len() > 12 { ", ..." } else { "" };
            format!("no box named '{b}' (boxes: {}{more})", known.join(", "))
        })?;
        let graph = &self.nodes[node as usize].graph;
        let element = graph
            .find(e)
            .ok_or_else(|| format!("box '{b}' has no element named '{e}'"))?;
        let port: u16 = p
            .parse()
            .map_err(|_| format!("port '{p}' is not a number"))?;
        Ok(Place {
            node,
            element: element as u32,
            port,
        })
    }

    pub fn place_name(&self, p: Place) -> String {
        let n = &self.nodes[p.node as usize];
        format!(
            "{}:{}:{}",
            n.name, n.graph.elements[p.element as usize].name, p.port
        )
    }

    /// Where a flow leaving `element`'s output `port` of `node` goes.
    pub fn next_places(&self, node: u32, element: u32, port: u16) -> Vec<Place> {
        let n = &self.nodes[node as usize];
        if let Some(dests) = n.edges.get(&(element, port)) {
            return dests
                .iter()
                .map(|&(e, p)| Place {
                    node,
                    element: e,
                    port: p,
                })
                .collect();
        }
        match self.links.get(&(node, element, port)) {
            Some(p) => vec![*p],
            None => Vec::new(),
        }
    }

    /// Reads a topology: one link per line, `BOX:ELEMENT:PORT ->
    /// BOX:ELEMENT:PORT`, `#` comments.
    pub fn read_links(&mut self, file: &str, text: &str) -> Result<(), InputError> {
        for (n, raw) in text.lines().enumerate() {
            let line_no = n + 1;
            let line = raw.split('#').next().unwrap_or_default();
            if line.trim().is_empty() {
                continue;
            }
            let col_of = |s: &str| raw.find(s).map(|i| i + 1).unwrap_or(1);
            let Some((from, to)) = line.split_once("->") else {
                return Err(InputError::at(
                    file,
                    line_no,
                    col_of(line.trim()),
                    "expected 'BOX:ELEMENT:PORT -> BOX:ELEMENT:PORT'",
                ));
            };
            let (from, to) = (from.trim(), to.trim());
            let src = self
                .place(from)
                .map_err(|m| InputError::at(file, line_no, col_of(from), m))?;
            let dst = self
                .place(to)
                .map_err(|m| InputError::at(file, line_no, col_of(to), m))?;
            let node = &self.nodes[src.node as usize];
            if node.edges.contains_key(&(src.element, src.port)) {
                return Err(InputError::at(
                    file,
                    line_no,
                    col_of(from),
                    format!(
                        "output {} of '{}' is already connected inside box '{}'",
                        src.port, node.graph.elements[src.element as usize].name, node.name
                    ),
                ));
            }
            let outputs = node
                .edges
                .keys()
                .filter(|(e, _)| *e == src.element)
                .map(|(_, p)| *p + 1)
                .max()
                .unwrap_or(0);
            if src.port > outputs {
                return Err(InputError::at(
                    file,
                    line_no,
                    col_of(from),
                    format!(
                        "'{}' has no output {} (it uses outputs up to {})",
                        node.graph.elements[src.element as usize].name,
                        src.port,
                        outputs.saturating_sub(1)
                    ),
                ));
            }
            let dnode = &self.nodes[dst.node as usize];
            let inputs = dnode
                .graph
                .connections
                .iter()
                .filter(|c| c.to == dst.element as usize)
                .map(|c| c.to_port as u16 + 1)
                .max()
                .unwrap_or(0);
            if dst.port > inputs.max(1) {
                return Err(InputError::at(
                    file,
                    line_no,
                    col_of(to),
                    format!(
                        "'{}' has no input {}",
                        dnode.graph.elements[dst.element as usize].name, dst.port
                    ),
                ));
            }
            let key = (src.node, src.element, src.port);
            if self.links.insert(key, dst).is_some() {
                return Err(InputError::at(
                    file,
                    line_no,
                    col_of(from),
                    format!("{from} is linked twice"),
                ));
            }
        }
        Ok(())
    }

    /// Elements without a model: `box:element (Class)`.
    pub fn unmodelled(&self) -> Vec<String> {
        let mut out = Vec::new();
        for n in &self.nodes {
            let mut v: Vec<_> = n.unmodelled.iter().collect();
            v.sort();
            for (e, class) in v {
                out.push(format!(
                    "{}:{} ({class})",
                    n.name, n.graph.elements[*e as usize].name
                ));
            }
        }
        out
    }
}

impl Default for Network {
    fn default() -> Network {
        Network::new()
    }
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field(
                "nodes",
                &self.nodes.iter().map(|n| &n.name).collect::<Vec<_>>(),
            )
            .field("links", &self.links.len())
            .finish()
    }
}

/// Splits `file:line:col: error: message` into location and message.
fn split_location(line: &str) -> (String, String) {
    let mut parts = line.splitn(4, ':');
    let (a, b, c, rest) = (parts.next(), parts.next(), parts.next(), parts.next());
    match (a, b, c, rest) {
        (Some(f), Some(l), Some(col), Some(rest))
            if l.trim().parse::<u32>().is_ok() && col.trim().parse::<u32>().is_ok() =>
        {
            let msg = rest.trim();
            let msg = msg.strip_prefix("error:").unwrap_or(msg).trim();
            (format!("{f}:{}:{}", l.trim(), col.trim()), msg.to_string())
        }
        _ => (String::new(), line.to_string()),
    }
}
