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

/// `text` as one Click word: as it is when it is a plain word, else in
/// double quotes with `"` and `\` escaped.
fn click_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    if plain {
        return text.to_string();
    }
    let mut s = String::from("\"");
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
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
    /// The flattened configuration as Click text: the `require`d packages,
    /// one declaration per element (`name :: Class(config);`), then one
    /// connection per line (`a [0] -> [1] b;`) — what `click -o` writes.
    /// Click's driver and ours read it back as the same graph (elements in
    /// the same order with the same names, classes and configuration
    /// strings; the same connections), so a configuration changed by
    /// [`RouterGraph::replace`] can be handed to Click as well.
    pub fn to_click(&self) -> String {
        let mut out = String::new();
        for r in &self.requirements {
            let _ = writeln!(out, "require(package {});", click_word(&r.text));
        }
        for e in &self.elements {
            if e.config.trim().is_empty() {
                let _ = writeln!(out, "{} :: {};", e.name, e.class);
            } else {
                // A configuration string ending in a `//` comment keeps
                // its line break, so that the `)` is not commented out.
                let last_line = e.config.rsplit('\n').next().unwrap_or("");
                let end = if last_line.contains("//") { "\n" } else { "" };
                let _ = writeln!(out, "{} :: {}({}{end});", e.name, e.class, e.config);
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

#[cfg(test)]
mod to_click_tests {
    use super::*;
    use crate::ClassLookup;
    use std::path::{Path, PathBuf};

    /// Every capitalized word is a primitive class (flattened names such
    /// as `Idle@1` and `c/x` are not words).
    struct AnyClass;

    impl ClassLookup for AnyClass {
        fn is_class(&self, name: &str) -> bool {
            name.starts_with(|c: char| c.is_ascii_uppercase())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        fn class_names(&self) -> Vec<String> {
            Vec::new()
        }
    }

    fn load(name: &str, text: &str) -> RouterGraph {
        crate::load(name, text, &AnyClass).unwrap_or_else(|(sources, diags)| {
            let msgs: Vec<String> = diags.iter().map(|d| d.render(&sources)).collect();
            panic!("{name}: {}\n{text}", msgs.join("\n"))
        })
    }

    type Shape = (
        Vec<(String, String, String)>,
        Vec<(usize, usize, usize, usize)>,
        Vec<String>,
    );

    /// What two graphs must share: elements (in order) with their names,
    /// classes and configuration strings; connections; requirements.
    fn shape(g: &RouterGraph) -> Shape {
        let elements = g
            .elements
            .iter()
            .map(|e| (e.name.clone(), e.class.clone(), e.config.clone()))
            .collect();
        let mut connections: Vec<_> = g
            .connections
            .iter()
            .map(|c| (c.from, c.from_port, c.to, c.to_port))
            .collect();
        connections.sort_unstable();
        let requirements = g.requirements.iter().map(|r| r.text.clone()).collect();
        (elements, connections, requirements)
    }

    fn assert_round_trip(name: &str, g: &RouterGraph) -> String {
        let printed = g.to_click();
        let again = load(&format!("{name} (printed)"), &printed);
        assert_eq!(shape(g), shape(&again), "{name}: printed as\n{printed}");
        printed
    }

    const CASES: &[(&str, &str)] = &[
        ("chain", "Idle -> c :: Counter -> Discard;"),
        (
            "compound",
            "elementclass C { $n | input -> Counter -> x :: Queue($n // comment\n) -> Unqueue -> output }\n\
             Idle -> c :: C(1) -> d :: C(2) -> Discard;\n\
             Idle -> e :: Queue(3 /* x */) -> Discard;",
        ),
        (
            "ports",
            "s :: Classifier(12/0800, -); Idle -> s; s[0] -> [1]m :: RoundRobinSched; s[1] -> m; \
             m -> Discard; define($X 10.0.0.1); Idle -> a :: StoreData(0, \"$X\") -> Discard;",
        ),
        (
            "require",
            "require(package \"my pkg\", package plain); Idle -> Discard;",
        ),
        (
            "multi-line",
            "f :: IPFilter(allow tcp, // web\n  deny all);\nIdle -> f -> Discard;",
        ),
    ];

    #[test]
    fn printed_graphs_read_back_the_same() {
        for (name, text) in CASES {
            assert_round_trip(name, &load(name, text));
        }
    }

    #[test]
    fn printed_graphs_with_replacements_read_back_the_same() {
        let mut g = load(
            "r",
            "in0 :: FromDevice(eth0); out0 :: ToDevice(eth1); in0 -> Queue -> out0;",
        );
        g.replace(
            &"in0=InfiniteSource(DATA \\<0800>, LIMIT 5, STOP true)"
                .parse()
                .unwrap(),
        )
        .unwrap();
        g.replace(&"out0=Discard(BURST 256)".parse().unwrap())
            .unwrap();
        // A replacement whose arguments end in a comment.
        let mut h = g.clone();
        h.elements[1].config = "BURST 8 // pulled".into();
        let printed = assert_round_trip("replaced", &g);
        assert!(printed.contains("in0 :: InfiniteSource(DATA \\<0800>, LIMIT 5, STOP true);"));
        let printed = h.to_click();
        let again = load("commented", &printed);
        assert_eq!(again.elements[1].config.trim_end(), "BURST 8 // pulled");
        assert_eq!(shape(&h).1, shape(&again).1);
    }

    fn configs() -> Vec<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "click"));
        files.sort();
        files
    }

    #[test]
    fn bundled_configurations_read_back_the_same() {
        let files = configs();
        assert!(files.len() >= 2, "no configurations found");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let name = file.display().to_string();
            assert_round_trip(&name, &load(&name, &text));
        }
    }

    /// Click's `click-flatten`, beside the driver at $CLICK or
    /// /work/peers/click/bin/click.
    fn click_tool(tool: &str) -> Option<PathBuf> {
        let click = std::env::var_os("CLICK")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/work/peers/click/bin/click"));
        let path = click.with_file_name(tool);
        path.is_file().then_some(path)
    }

    fn run_tool(tool: &Path, args: &[&str], text: &str) -> std::process::Output {
        let dir = std::env::temp_dir().join(format!("clickconf-to-click-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // One file per call: tests run in parallel, and two of them may
        // hand Click the same text.
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let file = dir.join(format!("{call}.click"));
        std::fs::write(&file, text).unwrap();
        // Relative file names in configurations are the repository's.
        let out = std::process::Command::new(tool)
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
            .args(args)
            .arg(&file)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&file);
        out
    }

    /// Click reads our printed text as the graph we printed: `click-flatten`
    /// of the printed text, read back by us, is the same graph (and so is
    /// `click-flatten` of the original file, where it has no `define`s,
    /// which click-flatten keeps as they are: the two flatteners agree).
    #[test]
    fn click_reads_printed_graphs_the_same() {
        let Some(flatten) = click_tool("click-flatten") else {
            eprintln!("skipped: Click's click-flatten not found");
            return;
        };
        let mut inputs: Vec<(String, String)> = CASES
            .iter()
            .filter(|(name, _)| *name != "require")
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        for file in configs() {
            inputs.push((
                file.display().to_string(),
                std::fs::read_to_string(&file).unwrap(),
            ));
        }
        for (name, text) in inputs {
            let g = load(&name, &text);
            let mut versions = vec![("printed", g.to_click())];
            // click-flatten keeps `define`s rather than expanding them.
            if !text.contains("define(") {
                versions.push(("original", text.clone()));
            }
            for (what, input) in versions {
                let out = run_tool(&flatten, &[], &input);
                assert!(
                    out.status.success(),
                    "{name} ({what}): click-flatten failed: {}\n{input}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let theirs = load(
                    &format!("{name} (Click)"),
                    &String::from_utf8_lossy(&out.stdout),
                );
                assert_eq!(
                    shape(&g),
                    shape(&theirs),
                    "{name} ({what}) as Click flattens it"
                );
            }
        }
    }

    /// Click's driver initializes the printed text of the bundled
    /// configurations with their devices replaced (`-q`: quit after
    /// initializing), except those using classes Click does not have.
    #[test]
    fn click_runs_printed_graphs_with_replaced_devices() {
        let Some(click) = click_tool("click") else {
            eprintln!("skipped: Click's driver not found");
            return;
        };
        let mut ran = 0;
        for file in configs() {
            let name = file.display().to_string();
            let mut g = load(&name, &std::fs::read_to_string(&file).unwrap());
            let devices: Vec<(String, String)> = g
                .elements
                .iter()
                .filter_map(|e| match e.class.as_str() {
                    "FromDevice" => Some((e.name.clone(), "Idle".to_string())),
                    "ToDevice" => Some((e.name.clone(), "Discard".to_string())),
                    _ => None,
                })
                .collect();
            for (element, class) in devices {
                g.replace(&format!("{element}={class}").parse().unwrap())
                    .unwrap();
            }
            let printed = g.to_click();
            let out = run_tool(&click, &["-q"], &printed);
            let err = String::from_utf8_lossy(&out.stderr);
            if err.contains("unknown element class") {
                eprintln!("{name}: Click lacks a class: {err}");
                continue;
            }
            assert!(
                out.status.success(),
                "{name}: Click rejected it: {err}\n{printed}"
            );
            ran += 1;
        }
        assert!(ran >= 2, "Click ran too few configurations");
    }
}
