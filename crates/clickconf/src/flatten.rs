//! Flattening: from the syntax tree to a [`RouterGraph`] of primitive
//! elements, the way Click's lexer builds a router.
//!
//! Key decision: the work follows Click's own two stages so names, numbering
//! and diagnostics match it. Stage one resolves each body (the file, each
//! compound class body) into elements and connections, with `input` and
//! `output` as tunnel pseudo-elements, anonymous elements numbered
//! `Class@N` by their position in that body. Stage two instantiates
//! compound elements (choosing an overload by argument and port counts,
//! binding `$parameters` lexically), names inner elements `outer/inner`,
//! and finally resolves connections through tunnels. Both stages use
//! explicit work lists, so deep compound nesting cannot overflow the stack,
//! and expansion is capped so exponential configurations fail cleanly.

use std::collections::{HashMap, HashSet};

use crate::args::{self, split_args, split_words};
use crate::ast::*;
use crate::diag::Diagnostic;
use crate::graph::{GraphConnection, GraphElement, Requirement, RouterGraph};
use crate::span::{SourceMap, Span};
use crate::vars::{Env, ExpandState, MAX_EXPANSION, MAX_TOTAL_EXPANSION, expand_vars};

/// The primitive element classes the engine provides.
pub trait ClassLookup {
    fn is_class(&self, name: &str) -> bool;
    fn class_names(&self) -> Vec<String>;
}

impl<T: ClassLookup + ?Sized> ClassLookup for &T {
    fn is_class(&self, name: &str) -> bool {
        (**self).is_class(name)
    }
    fn class_names(&self) -> Vec<String> {
        (**self).class_names()
    }
}

/// A fixed list of class names.
impl ClassLookup for [&str] {
    fn is_class(&self, name: &str) -> bool {
        self.contains(&name)
    }
    fn class_names(&self) -> Vec<String> {
        self.iter().map(|s| s.to_string()).collect()
    }
}

impl<const N: usize> ClassLookup for [&str; N] {
    fn is_class(&self, name: &str) -> bool {
        self.contains(&name)
    }
    fn class_names(&self) -> Vec<String> {
        self.iter().map(|s| s.to_string()).collect()
    }
}

impl ClassLookup for Vec<String> {
    fn is_class(&self, name: &str) -> bool {
        self.iter().any(|s| s == name)
    }
    fn class_names(&self) -> Vec<String> {
        self.clone()
    }
}

/// Most elements a configuration may expand to.
pub const MAX_ELEMENTS: usize = 1 << 17;
/// Most connections a configuration may expand to.
pub const MAX_CONNECTIONS: usize = 1 << 22;
/// Classes whose configurations are scripts with their own `$variables`:
/// undefined `$names` in them are left as written without complaint, as
/// Click leaves them (Click's own `conf/script-*.click` rely on this).
pub const SCRIPT_CLASSES: [&str; 2] = ["Script", "DriverManager"];

#[derive(Clone, Debug, PartialEq, Eq)]
enum ClassRef {
    Primitive(String),
    Compound(usize),
    /// A class that failed to resolve; already diagnosed.
    Error,
}

#[derive(Clone, Debug)]
enum Kind {
    Tunnel,
    Class(ClassRef),
}

#[derive(Clone, Debug)]
struct Elem {
    name: String,
    anon: bool,
    kind: Kind,
    config: String,
    config_span: Option<Span>,
    span: Span,
    /// Ports used: [inputs, outputs].
    nports: [usize; 2],
    /// Configuration already `$`-expanded.
    expanded: bool,
}

#[derive(Clone, Copy, Debug)]
struct Conn {
    from: usize,
    from_port: usize,
    to: usize,
    to_port: usize,
    span: Span,
}

#[derive(Clone, Debug, Default)]
struct Body {
    elems: Vec<Elem>,
    conns: Vec<Conn>,
    map: HashMap<String, usize>,
    anon_offset: usize,
}

impl Body {
    fn add(&mut self, e: Elem) -> usize {
        let idx = self.elems.len();
        if !e.anon {
            self.map.insert(e.name.clone(), idx);
        } else {
            self.map.insert(format!(";{}", e.name), idx);
        }
        self.elems.push(e);
        idx
    }

    fn connect(&mut self, from: usize, from_port: usize, to: usize, to_port: usize, span: Span) {
        self.conns.push(Conn {
            from,
            from_port,
            to,
            to_port,
            span,
        });
        if let Some(e) = self.elems.get_mut(to) {
            e.nports[0] = e.nports[0].max(to_port + 1);
        }
        if let Some(e) = self.elems.get_mut(from) {
            e.nports[1] = e.nports[1].max(from_port + 1);
        }
    }

    fn anon_number(&self) -> usize {
        self.elems.len().saturating_sub(self.anon_offset) + 1
    }
}

#[derive(Clone, Debug)]
struct Define {
    var: String,
    value: String,
}

#[derive(Clone, Debug)]
struct Compound {
    name: String,
    span: Span,
    /// (keyword, variable); keyword "" for positional, "__REST__" for rest.
    formals: Vec<(String, String)>,
    defines: Vec<Define>,
    depth: usize,
    body: Body,
    ninputs: usize,
    noutputs: usize,
    next: Option<ClassRef>,
}

impl Compound {
    fn printable_name(&self) -> &str {
        if self.name.is_empty() {
            "<anonymous>"
        } else {
            &self.name
        }
    }

    fn signature(&self) -> String {
        let mut s = self.printable_name().to_string();
        if !self.formals.is_empty() {
            s.push('(');
            for (i, (k, _)) in self.formals.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(match k.as_str() {
                    "" => "<arg>",
                    "__REST__" => "...",
                    k => k,
                });
            }
            s.push(')');
        }
        s.push_str(&format!(
            "[{} input{}, {} output{}]",
            self.ninputs,
            if self.ninputs == 1 { "" } else { "s" },
            self.noutputs,
            if self.noutputs == 1 { "" } else { "s" }
        ));
        s
    }

    /// Click's `cp_assign_arguments`: the value for each formal, or None.
    /// The first arguments fill the positional formals whatever they look
    /// like; later ones must be `KEYWORD value` for a keyword formal (the
    /// last occurrence wins); all keyword formals are mandatory; a
    /// `__REST__` formal collects whatever is left, joined with ", ".
    fn assign(&self, args: &[String]) -> Option<Vec<String>> {
        let has_kw = self.formals.last().is_some_and(|(k, _)| !k.is_empty());
        if !has_kw {
            return (args.len() == self.formals.len()).then(|| args.to_vec());
        }
        let ignore_rest = self.formals.last().is_some_and(|(k, _)| k == "__REST__");
        let nvalues = self.formals.len() - usize::from(ignore_rest);
        let npositional = self.formals[..nvalues]
            .iter()
            .take_while(|(k, _)| k.is_empty())
            .count();
        let mut values: Vec<Option<String>> = vec![None; self.formals.len()];
        let mut used = vec![false; args.len()];
        let mut nsupplied = 0;
        let mut any_keywords = false;
        for (i, arg) in args.iter().enumerate() {
            if nsupplied >= npositional {
                let kw = cp_keyword(arg);
                let slot = kw.and_then(|(k, rest)| {
                    self.formals[npositional..nvalues]
                        .iter()
                        .position(|(fk, _)| *fk == k)
                        .map(|p| (p + npositional, rest))
                });
                match slot {
                    Some((p, rest)) => {
                        values[p] = Some(rest.to_string());
                        used[i] = true;
                        any_keywords = true;
                        continue;
                    }
                    None if any_keywords => {
                        if ignore_rest {
                            continue;
                        }
                        return None;
                    }
                    None => {}
                }
            }
            if nsupplied < npositional {
                used[i] = true;
                values[nsupplied] = Some(arg.clone());
            }
            nsupplied += 1;
        }
        if values[..nvalues].iter().any(Option::is_none) {
            return None;
        }
        if nsupplied > npositional && !ignore_rest {
            return None;
        }
        if ignore_rest {
            let rest: Vec<&str> = args
                .iter()
                .zip(&used)
                .filter(|(_, u)| !**u)
                .map(|(a, _)| a.as_str())
                .collect();
            values[nvalues] = Some(rest.join(", "));
        }
        Some(values.into_iter().map(Option::unwrap_or_default).collect())
    }
}

/// Click's `cp_keyword` with a rest: a leading word of `[A-Za-z0-9_.:?!]`
/// ended by space or the end; returns the keyword and the text after the
/// following space.
fn cp_keyword(arg: &str) -> Option<(&str, &str)> {
    let end = arg
        .find(|c: char| c.is_ascii_whitespace())
        .unwrap_or(arg.len());
    let kw = &arg[..end];
    if kw.is_empty()
        || !kw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'?' | b'!'))
    {
        return None;
    }
    Some((kw, arg[end..].trim_start()))
}

/// One port reference in a connection: element and Click's port vectors
/// (explicit ports, `-1` at the end when expandable).
struct PortRef {
    idx: usize,
    ins: Vec<i64>,
    outs: Vec<i64>,
    implicit: bool,
}

fn port_vec(p: &Option<PortList>) -> Vec<i64> {
    match p {
        None => Vec::new(),
        Some(p) => {
            let mut v: Vec<i64> = p.ports.iter().map(|&x| i64::from(x)).collect();
            if p.expandable {
                v.push(-1);
            }
            v
        }
    }
}

struct Flattener<'a> {
    sources: &'a SourceMap,
    classes: &'a dyn ClassLookup,
    compounds: Vec<Compound>,
    /// Lexical class scopes, innermost last.
    scopes: Vec<HashMap<String, ClassRef>>,
    /// Lexical depth (0 = file).
    depth: usize,
    diags: Vec<Diagnostic>,
    requirements: Vec<Requirement>,
    class_names_cache: Option<Vec<String>>,
}

/// Levenshtein distance by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

fn all_digit_component(name: &str) -> bool {
    name.split('/')
        .any(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
}

impl<'a> Flattener<'a> {
    fn error(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(Some(span), msg));
    }

    fn loc(&self, span: Span) -> String {
        self.sources.location(span)
    }

    fn lookup_class(&self, name: &str) -> Option<ClassRef> {
        for s in self.scopes.iter().rev() {
            if let Some(c) = s.get(name) {
                return Some(c.clone());
            }
        }
        self.classes
            .is_class(name)
            .then(|| ClassRef::Primitive(name.to_string()))
    }

    /// Known class names near `name`, for "did you mean".
    fn suggest(&mut self, name: &str) -> Option<String> {
        let mut names = self
            .class_names_cache
            .get_or_insert_with(|| self.classes.class_names())
            .clone();
        for s in &self.scopes {
            names.extend(s.keys().filter(|k| !k.is_empty()).cloned());
        }
        let lower = name.to_ascii_lowercase();
        let mut best: Option<(usize, String)> = None;
        for n in names {
            let d = edit_distance(&lower, &n.to_ascii_lowercase());
            let limit = (n.chars().count() / 3).max(2);
            if d <= limit
                && best
                    .as_ref()
                    .is_none_or(|(bd, bn)| d < *bd || (d == *bd && n < *bn))
            {
                best = Some((d, n));
            }
        }
        best.map(|(_, n)| n)
    }

    fn unknown_class(&mut self, id: &Ident) {
        let mut d = Diagnostic::error(
            Some(id.span),
            format!("unknown element class '{}'", id.name),
        );
        if let Some(s) = self.suggest(&id.name) {
            d = d.with_note(format!("did you mean '{s}'?"));
        }
        self.diags.push(d);
    }

    // ---------------------------------------------------------------
    // Stage one: bodies

    fn body(&mut self, stmts: &[Stmt], compound: bool, defines: &mut Vec<(Define, Span)>) -> Body {
        let mut body = Body::default();
        if compound {
            for n in ["input", "output"] {
                body.add(Elem {
                    name: n.to_string(),
                    anon: false,
                    kind: Kind::Tunnel,
                    config: String::new(),
                    config_span: None,
                    span: crate::ast::NO_SPAN,
                    nports: [0, 0],
                    expanded: true,
                });
            }
            body.anon_offset = 2;
        }
        self.stmts(&mut body, stmts, defines);
        body
    }

    fn stmts(&mut self, body: &mut Body, stmts: &[Stmt], defines: &mut Vec<(Define, Span)>) {
        for s in stmts {
            match s {
                Stmt::Connection(c) => self.connection(body, c, defines),
                Stmt::ElementClass(d) => self.elementclass(d),
                Stmt::Require(d) => self.require(d),
                Stmt::Provide(_) => {}
                Stmt::Define(d) => self.define(d, defines),
            }
        }
    }

    fn require(&mut self, d: &Directive) {
        for a in split_args(&d.args.text) {
            let words = split_words(&a.text);
            let Some(first) = words.first() else { continue };
            let ty = args::unquote(first)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default();
            let span = self.sub_span(&d.args, a.offset, a.len);
            let (ty, value) =
                if words.len() == 1 && ty != "compact_config" && ty != "package" && ty != "library"
                {
                    ("package".to_string(), Some(*first))
                } else {
                    (ty, words.get(1).copied())
                };
            match (ty.as_str(), value, words.len()) {
                ("compact_config", _, 1) => {}
                ("package", Some(v), _) if words.len() <= 2 => {
                    match args::unquote(v).ok().and_then(|b| String::from_utf8(b).ok()) {
                        Some(text) => self.requirements.push(Requirement { text, span }),
                        None => self.error(span, "syntax error at requirement: expected package name"),
                    }
                }
                ("library", Some(_), 2) => self.error(
                    span,
                    "'require(library ...)' is not supported: configurations are loaded from one text",
                ),
                _ => self.error(
                    span,
                    "syntax error at requirement: expected 'package NAME' or 'NAME'",
                ),
            }
        }
    }

    /// The span of `offset..offset+len` inside a configuration string, when
    /// the string is exactly the source text; otherwise the whole string.
    fn sub_span(&self, c: &ConfigText, offset: usize, len: usize) -> Span {
        if c.span.len() == c.text.len() && offset + len <= c.text.len() {
            Span::new(
                c.span.file,
                c.span.start + offset,
                c.span.start + offset + len,
            )
        } else {
            c.span
        }
    }

    fn define(&mut self, d: &Directive, defines: &mut Vec<(Define, Span)>) {
        for a in split_args(&d.args.text) {
            if a.text.is_empty() {
                continue;
            }
            let span = self.sub_span(&d.args, a.offset, a.len);
            let words = split_words(&a.text);
            let var = words.first().copied().unwrap_or("");
            let ok = var.len() >= 2
                && var.starts_with('$')
                && var[1..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !ok {
                self.error(span, "bad 'define' declaration: expected '$NAME value'");
                continue;
            }
            let value = a.text[var.len()..].trim_start().to_string();
            let name = var[1..].to_string();
            if let Some((_, prev)) = defines.iter().find(|(x, _)| x.var == name) {
                // A parameter given on the command line overrides the
                // configuration's default, as in Click.
                if prev.file == COMMAND_LINE {
                    continue;
                }
                let note = format!("'${name}' first defined at {}", self.loc(*prev));
                self.diags.push(
                    Diagnostic::error(Some(span), format!("parameter '${name}' multiply defined"))
                        .with_note(note),
                );
                continue;
            }
            defines.push((Define { var: name, value }, span));
        }
    }

    fn elementclass(&mut self, d: &ElementClassDecl) {
        let class = match &d.def {
            ClassDef::Synonym(other) => match self.lookup_class(&other.name) {
                Some(c) => c,
                None => {
                    self.unknown_class(other);
                    ClassRef::Error
                }
            },
            ClassDef::Compound(def) => self.compound(&d.name.name, def, d.name.span),
        };
        if let Some(s) = self.scopes.last_mut() {
            s.insert(d.name.name.clone(), class);
        }
    }

    /// Resolves a compound class definition; returns its first overload.
    fn compound(&mut self, name: &str, def: &CompoundDef, name_span: Span) -> ClassRef {
        let fallback = if def.extends {
            match self.lookup_class(name) {
                Some(c) => Some(c),
                None => {
                    self.error(
                        name_span,
                        format!("cannot extend unknown element class '{name}'"),
                    );
                    Some(ClassRef::Error)
                }
            }
        } else {
            None
        };
        let mut ids = Vec::new();
        for b in &def.bodies {
            let id = self.compound_body(name, b);
            ids.push(id);
        }
        for w in 0..ids.len() {
            let next = match ids.get(w + 1) {
                Some(&n) => Some(ClassRef::Compound(n)),
                None => fallback.clone(),
            };
            if let Some(c) = self.compounds.get_mut(ids[w]) {
                c.next = next;
            }
        }
        match ids.first() {
            Some(&id) => ClassRef::Compound(id),
            None => ClassRef::Error,
        }
    }

    fn compound_body(&mut self, name: &str, b: &CompoundBody) -> usize {
        // Formals: order, repetition.
        let mut formals: Vec<(String, String)> = Vec::new();
        let mut defines: Vec<(Define, Span)> = Vec::new();
        let mut order_error = false;
        for f in &b.formals {
            let kw = f.keyword.clone().unwrap_or_default();
            if defines.iter().any(|(d, _)| d.var == f.var) {
                self.error(f.span, format!("parameter '${}' multiply defined", f.var));
                continue;
            }
            if !kw.is_empty() && formals.iter().any(|(k, _)| *k == kw) {
                self.error(
                    f.span,
                    format!("repeated keyword parameter '{kw}' in compound element"),
                );
            }
            if let Some((prev, _)) = formals.last()
                && !order_error
                && ((kw.is_empty() && !prev.is_empty()) || prev == "__REST__")
            {
                self.diags.push(
                    Diagnostic::error(Some(f.span), "compound element parameters out of order")
                        .with_note("the correct order is '[positional], [keywords], [__REST__]'"),
                );
                order_error = true;
            }
            defines.push((
                Define {
                    var: f.var.clone(),
                    value: String::new(),
                },
                f.span,
            ));
            formals.push((kw, f.var.clone()));
        }
        self.depth += 1;
        self.scopes.push(HashMap::new());
        let body = self.body(&b.body.stmts, true, &mut defines);
        self.scopes.pop();
        self.depth -= 1;
        let nformals = formals.len();
        let defs: Vec<Define> = defines.into_iter().skip(nformals).map(|(d, _)| d).collect();
        let mut c = Compound {
            name: name.to_string(),
            span: b.span,
            formals,
            defines: defs,
            depth: self.depth + 1,
            body,
            ninputs: 0,
            noutputs: 0,
            next: None,
        };
        self.finish_compound(&mut c);
        self.compounds.push(c);
        self.compounds.len() - 1
    }

    /// Checks the pseudo-elements of a body and returns the number of
    /// ports used on `which` as input (isoutput=false) or output.
    fn check_pseudo(
        &mut self,
        body: &Body,
        which: usize,
        isoutput: bool,
        name: &str,
        span: Span,
    ) -> usize {
        let names = ["input", "output"];
        let k = usize::from(isoutput);
        let Some(e) = body.elems.get(which) else {
            return 0;
        };
        // 'input' is used through its outputs, 'output' through its inputs.
        let n = e.nports[1 - k];
        let mut used = vec![false; n];
        for c in &body.conns {
            let (idx, port) = if isoutput {
                (c.to, c.to_port)
            } else {
                (c.from, c.from_port)
            };
            if idx == which
                && let Some(u) = used.get_mut(port)
            {
                *u = true;
            }
        }
        if e.nports[k] > 0 {
            self.error(
                span,
                format!(
                    "'{name}' pseudoelement '{}' may only be used as {}",
                    names[k],
                    names[1 - k]
                ),
            );
        }
        for (i, u) in used.iter().enumerate() {
            if !u {
                self.error(span, format!("'{name}' {} {i} missing", names[k]));
            }
        }
        n
    }

    fn finish_compound(&mut self, c: &mut Compound) {
        let name = c.printable_name().to_string();
        c.ninputs = self.check_pseudo(&c.body, 0, false, &name, c.span);
        c.noutputs = self.check_pseudo(&c.body, 1, true, &name, c.span);
        deanonymize(&mut c.body);
    }

    fn connection(&mut self, body: &mut Body, c: &Connection, defines: &mut Vec<(Define, Span)>) {
        let ngroups = c.groups.len();
        let mut last: Option<Vec<PortRef>> = None;
        for (gi, group) in c.groups.iter().enumerate() {
            // Click's spreading of a trailing class over a declaration list:
            // `a, b :: Counter`.
            let spread = if gi == 0 && ngroups == 1 && group.len() > 1 {
                let no_ports = group
                    .iter()
                    .all(|e| e.in_ports.is_none() && e.out_ports.is_none());
                let bare = group[..group.len() - 1].iter().all(|e| {
                    matches!(
                        &e.element,
                        ElementExpr::Named {
                            class: None,
                            config: None,
                            ..
                        }
                    )
                });
                match group.last().map(|e| &e.element) {
                    Some(ElementExpr::Named {
                        class: Some(cls),
                        config,
                        ..
                    }) if no_ports && bare => Some((cls.clone(), config.clone())),
                    _ => None,
                }
            } else {
                None
            };
            // Pass one: groups and in-place compound classes come into
            // existence before the list's elements, as in Click.
            let mut pre: Vec<Option<usize>> = Vec::with_capacity(group.len());
            let mut pre_class: Vec<Option<ClassRef>> = Vec::with_capacity(group.len());
            for e in group {
                match &e.element {
                    ElementExpr::Group { body: gbody, span } => {
                        pre.push(Some(self.group(body, gbody, *span, defines)));
                        pre_class.push(None);
                    }
                    ElementExpr::Compound { def, .. } => {
                        pre.push(None);
                        pre_class.push(Some(self.compound("", def, def.span)));
                    }
                    ElementExpr::Named {
                        class: Some(ClassExpr::Compound(def)),
                        ..
                    } => {
                        pre.push(None);
                        pre_class.push(Some(self.compound("", def, def.span)));
                    }
                    _ => {
                        pre.push(None);
                        pre_class.push(None);
                    }
                }
            }
            let mut refs = Vec::with_capacity(group.len());
            for (ei, e) in group.iter().enumerate() {
                let idx = match &e.element {
                    ElementExpr::Named {
                        name,
                        class,
                        config,
                    } => {
                        let (class, config) = match (&spread, ei + 1 < group.len()) {
                            (Some((c, cfg)), true) => (Some(c.clone()), cfg.clone()),
                            _ => (class.clone(), config.clone()),
                        };
                        let pre_c = pre_class.get(ei).cloned().flatten();
                        self.named(body, name, class.as_ref(), pre_c, config.as_ref())
                    }
                    ElementExpr::Compound { config, .. } => {
                        let cls = pre_class
                            .get(ei)
                            .cloned()
                            .flatten()
                            .unwrap_or(ClassRef::Error);
                        let n = body.anon_number();
                        body.add(Elem {
                            name: format!("@{n}"),
                            anon: true,
                            kind: Kind::Class(cls),
                            config: config.as_ref().map(|c| c.text.clone()).unwrap_or_default(),
                            config_span: config.as_ref().map(|c| c.span),
                            span: e.span,
                            nports: [0, 0],
                            expanded: false,
                        })
                    }
                    ElementExpr::Group { .. } => pre.get(ei).copied().flatten().unwrap_or(0),
                    ElementExpr::Implicit { span } => {
                        let n = if gi == 0 { "input" } else { "output" };
                        match body.map.get(n) {
                            Some(&i) => i,
                            None => {
                                self.error(
                                    *span,
                                    format!("implicit '{n}' used outside a compound element"),
                                );
                                self.placeholder(body, n, *span)
                            }
                        }
                    }
                };
                refs.push(PortRef {
                    idx,
                    ins: port_vec(&e.in_ports),
                    outs: port_vec(&e.out_ports),
                    implicit: matches!(e.element, ElementExpr::Implicit { .. }),
                });
            }
            // Groups get implied ports for all their inputs and outputs.
            for (ei, e) in group.iter().enumerate() {
                if let ElementExpr::Group { .. } = e.element
                    && let Some(r) = refs.get_mut(ei)
                {
                    let g = &body.elems;
                    let (ni, no) = (
                        g.get(r.idx + 1).map_or(0, |x| x.nports[1]),
                        g.get(r.idx + 2).map_or(0, |x| x.nports[0]),
                    );
                    if e.in_ports.is_none() && ni > 1 {
                        r.ins = (0..ni as i64).collect();
                    }
                    if e.out_ports.is_none() && no > 1 {
                        r.outs = (0..no as i64).collect();
                    }
                }
            }
            if gi == 0
                && let Some(e) = group.iter().find(|e| {
                    e.in_ports.is_some() && !matches!(e.element, ElementExpr::Implicit { .. })
                })
            {
                let span = e.in_ports.as_ref().map_or(e.span, |p| p.span);
                self.error(span, "input ports ignored at start of chain");
            }
            if gi + 1 == ngroups
                && let Some(e) = group.iter().find(|e| {
                    e.out_ports.is_some() && !matches!(e.element, ElementExpr::Implicit { .. })
                })
            {
                let span = e.out_ports.as_ref().map_or(e.span, |p| p.span);
                self.error(span, "output ports ignored at end of chain");
            }
            if let Some(prev) = &last {
                let arrow = c.arrows.get(gi - 1).copied().unwrap_or(Arrow {
                    many: false,
                    span: c.span,
                });
                if gi > 1 && prev.iter().any(|r| r.implicit) {
                    self.error(arrow.span, "implicit ports used in the middle of a chain");
                }
                self.connect_all(body, prev, &refs, arrow, c.span);
            }
            last = Some(refs);
        }
    }

    fn placeholder(&mut self, body: &mut Body, name: &str, span: Span) -> usize {
        body.add(Elem {
            name: name.to_string(),
            anon: false,
            kind: Kind::Class(ClassRef::Error),
            config: String::new(),
            config_span: None,
            span,
            nports: [0, 0],
            expanded: true,
        })
    }

    fn named(
        &mut self,
        body: &mut Body,
        name: &Ident,
        class: Option<&ClassExpr>,
        pre_class: Option<ClassRef>,
        config: Option<&ConfigText>,
    ) -> usize {
        let cfg = config.map(|c| c.text.clone()).unwrap_or_default();
        let cfg_span = config.map(|c| c.span);
        if let Some(cls) = self.lookup_class(&name.name) {
            if class.is_some() {
                self.error(
                    name.span,
                    format!("class '{}' used as element name", name.name),
                );
            }
            let n = body.anon_number();
            return body.add(Elem {
                name: format!("{}@{n}", name.name),
                anon: true,
                kind: Kind::Class(if class.is_some() {
                    ClassRef::Error
                } else {
                    cls
                }),
                config: cfg,
                config_span: cfg_span,
                span: name.span,
                nports: [0, 0],
                expanded: false,
            });
        }
        if let Some(&idx) = body.map.get(&name.name) {
            if class.is_some() {
                let mut d = Diagnostic::error(
                    Some(name.span),
                    format!("redeclaration of element '{}'", name.name),
                );
                if let Some(prev) = body.elems.get(idx) {
                    if !matches!(prev.kind, Kind::Tunnel) {
                        d = d.with_note(format!(
                            "element '{}' previously declared at {}",
                            name.name,
                            self.loc(prev.span)
                        ));
                    } else {
                        d = d.with_note(format!("'{}' is a pseudoelement", name.name));
                    }
                }
                self.diags.push(d);
            } else if let Some(c) = config {
                self.error(
                    c.span,
                    format!(
                        "configuration string ignored on element reference '{}'",
                        name.name
                    ),
                );
            }
            return idx;
        }
        let Some(class) = class else {
            // Neither a class nor a declared element.
            let mut d = if config.is_some() {
                Diagnostic::error(
                    Some(name.span),
                    format!("unknown element class '{}'", name.name),
                )
            } else {
                Diagnostic::error(
                    Some(name.span),
                    format!("undeclared element '{}'", name.name),
                )
            };
            if let Some(s) = self.suggest(&name.name) {
                d = d.with_note(format!("did you mean '{s}'?"));
            }
            self.diags.push(d);
            return self.placeholder(body, &name.name, name.span);
        };
        let cls = match class {
            ClassExpr::Name(id) => match self.lookup_class(&id.name) {
                Some(c) => c,
                None => {
                    self.unknown_class(id);
                    ClassRef::Error
                }
            },
            ClassExpr::Compound(_) => pre_class.unwrap_or(ClassRef::Error),
        };
        if all_digit_component(&name.name) {
            self.error(
                name.span,
                format!("element name '{}' has all-digit component", name.name),
            );
        }
        body.add(Elem {
            name: name.name.clone(),
            anon: false,
            kind: Kind::Class(cls),
            config: cfg,
            config_span: cfg_span,
            span: name.span,
            nports: [0, 0],
            expanded: false,
        })
    }

    /// Creates a group's tunnels, resolves its statements into `body`, and
    /// returns the index of the group's outer tunnel.
    fn group(
        &mut self,
        body: &mut Body,
        gbody: &Config,
        span: Span,
        defines: &mut Vec<(Define, Span)>,
    ) -> usize {
        let n = body.anon_number();
        let name = format!("@{n}");
        let mut idx = [0usize; 3];
        for (k, suffix) in ["", "/input", "/output"].iter().enumerate() {
            idx[k] = body.add(Elem {
                name: format!("{name}{suffix}"),
                anon: true,
                kind: Kind::Tunnel,
                config: String::new(),
                config_span: None,
                span,
                nports: [0, 0],
                expanded: true,
            });
        }
        let saved_in = body.map.insert("input".to_string(), idx[1]);
        let saved_out = body.map.insert("output".to_string(), idx[2]);
        self.stmts(body, &gbody.stmts, defines);
        for (k, saved) in [("input", saved_in), ("output", saved_out)] {
            match saved {
                Some(v) => body.map.insert(k.to_string(), v),
                None => body.map.remove(k),
            };
        }
        let b = std::mem::take(body);
        self.check_pseudo(&b, idx[1], false, "<anonymous group>", span);
        self.check_pseudo(&b, idx[2], true, "<anonymous group>", span);
        *body = b;
        idx[0]
    }

    /// Click's `yconnection_connect_all`: connects a list of outputs to a
    /// list of inputs, stepping through port lists.
    fn connect_all(
        &mut self,
        body: &mut Body,
        outputs: &[PortRef],
        inputs: &[PortRef],
        arrow: Arrow,
        span: Span,
    ) {
        fn analyze(x: &[PortRef], isoutput: bool) -> (i64, i64) {
            let (mut min, mut exp) = (0i64, 0i64);
            for r in x {
                let v = if isoutput { &r.outs } else { &r.ins };
                let n = v.len() as i64;
                if n <= 1 {
                    min += 1;
                } else if v.last() == Some(&-1) {
                    min += n - 1;
                    exp += 1;
                } else {
                    min += n;
                }
            }
            (min, exp)
        }
        let vec_of = |k: usize, i: usize| -> &Vec<i64> {
            if k == 0 {
                &inputs[i].ins
            } else {
                &outputs[i].outs
            }
        };
        let (min1, exp1) = analyze(outputs, true);
        let (min0, exp0) = analyze(inputs, false);
        let mut minp = [min0, min1];
        let mut exp = [exp0, exp1];
        if exp[0] + exp[1] > 1 {
            self.error(
                arrow.span,
                "at most one expandable port allowed per connection",
            );
            exp[usize::from(minp[0] < minp[1])] = 0;
        }
        if arrow.many {
            for k in 0..2 {
                let first_empty = if k == 0 {
                    inputs.first().is_some_and(|r| r.ins.is_empty())
                } else {
                    outputs.first().is_some_and(|r| r.outs.is_empty())
                };
                if minp[k] == 1 && minp[1 - k] > 1 && first_empty {
                    exp[k] = 1;
                }
            }
        }
        let mut step = [false; 2];
        let mut nexp = [0i64; 2];
        for k in 0..2 {
            step[k] = minp[k] > 1 || exp[k] != 0;
            nexp[k] = if exp[k] != 0 {
                minp[1 - k] - minp[k]
            } else {
                0
            };
        }
        if step[0] && step[1] {
            if !arrow.many {
                self.error(
                    arrow.span,
                    "syntax error: many-to-many connections require '=>'",
                );
            }
            if exp[0] == 0 && exp[1] == 0 && minp[0] != minp[1] {
                self.error(
                    arrow.span,
                    format!(
                        "connection mismatch: {} outputs connected to {} inputs",
                        minp[1], minp[0]
                    ),
                );
            } else if exp[0] == 0 && minp[0] < minp[1] {
                self.error(
                    arrow.span,
                    format!(
                        "connection mismatch: {} or more outputs connected to {} inputs",
                        minp[1], minp[0]
                    ),
                );
            } else if exp[1] == 0 && minp[1] < minp[0] {
                self.error(
                    arrow.span,
                    format!(
                        "connection mismatch: {} outputs connected to {} or more inputs",
                        minp[1], minp[0]
                    ),
                );
            }
        } else if !step[0] && !step[1] {
            step[0] = true;
        }
        minp[0] = minp[0].max(0);
        let lens = [inputs.len(), outputs.len()];
        let mut it = [0usize; 2];
        let mut ppos = [0i64; 2];
        let mut port = [-1i64; 2];
        while it[0] < lens[0] && it[1] < lens[1] {
            for k in 0..2 {
                if port[k] < 0 {
                    let v = vec_of(k, it[k]);
                    port[k] = v.first().copied().unwrap_or(0).max(0);
                }
            }
            body.connect(
                outputs[it[1]].idx,
                port[1] as usize,
                inputs[it[0]].idx,
                port[0] as usize,
                span,
            );
            if body.conns.len() > MAX_CONNECTIONS {
                self.error(span, "configuration too large: too many connections");
                return;
            }
            for k in 0..2 {
                if !step[k] {
                    continue;
                }
                let v = vec_of(k, it[k]);
                let np = v.len() as i64;
                ppos[k] += 1;
                if ppos[k] < np && v[ppos[k] as usize] >= 0 {
                    port[k] = v[ppos[k] as usize];
                } else if np >= 2 && v[(np - 1) as usize] == -1 && nexp[k] > 0 {
                    port[k] = v[(np - 2) as usize] + ppos[k] - (np - 2);
                    nexp[k] -= 1;
                } else if np == 0 && minp[k] == 1 && nexp[k] > 0 {
                    port[k] = ppos[k];
                    nexp[k] -= 1;
                } else {
                    port[k] = -1;
                    ppos[k] = 0;
                    it[k] += 1;
                }
            }
        }
    }
}

/// Gives anonymous elements their final names (`Class@N`, bumped past any
/// element already named so).
fn deanonymize(body: &mut Body) {
    for i in 0..body.elems.len() {
        if !body.elems[i].anon {
            continue;
        }
        let mut name = body.elems[i].name.clone();
        if body.map.contains_key(&name) {
            let at = name.rfind('@').unwrap_or(name.len());
            let prefix = name[..at].to_string();
            let digits: String = name[at..]
                .chars()
                .skip(1)
                .take_while(|c| c.is_ascii_digit())
                .collect();
            let mut n: usize = digits.parse().unwrap_or(0);
            loop {
                n += 1;
                name = format!("{prefix}@{n}");
                if !body.map.contains_key(&name) {
                    break;
                }
            }
        }
        let old = format!(";{}", body.elems[i].name);
        body.map.remove(&old);
        body.map.insert(name.clone(), i);
        body.elems[i].name = name;
        body.elems[i].anon = false;
    }
}

// -------------------------------------------------------------------
// Stage two: expansion and tunnels

struct Expander<'f, 'a> {
    f: &'f mut Flattener<'a>,
    elems: Vec<Elem>,
    conns: Vec<Conn>,
    map: HashMap<String, usize>,
    envs: Vec<Env>,
    /// For a tunnel's input side: the tunnel whose output side continues it.
    in_pair: HashMap<usize, usize>,
    /// For a tunnel's output side: the tunnel whose input side feeds it.
    out_pair: HashMap<usize, usize>,
    /// Tunnel triples: outer element -> (input pseudo, output pseudo).
    triples: HashMap<usize, (usize, usize)>,
    too_big: bool,
    /// Bytes `$` expansion may still produce.
    expansion_budget: usize,
}

impl Expander<'_, '_> {
    fn add_tunnels(&mut self, outer: usize, span: Span) -> Option<(usize, usize)> {
        let name = self.elems.get(outer)?.name.clone();
        let mut ids = [0usize; 2];
        for (k, suffix) in ["/input", "/output"].iter().enumerate() {
            let n = format!("{name}{suffix}");
            if let Some(&prev) = self.map.get(&n) {
                let prev_span = self.elems.get(prev).map_or(span, |e| e.span);
                let note = format!("'{n}' previously declared at {}", self.f.loc(prev_span));
                self.f.diags.push(
                    Diagnostic::error(Some(span), format!("redeclaration of element '{n}'"))
                        .with_note(note),
                );
                return None;
            }
            ids[k] = self.push(Elem {
                name: n,
                anon: false,
                kind: Kind::Tunnel,
                config: String::new(),
                config_span: None,
                span,
                nports: [0, 0],
                expanded: true,
            });
        }
        if let Some(e) = self.elems.get_mut(outer) {
            e.kind = Kind::Tunnel;
        }
        self.in_pair.insert(outer, ids[0]);
        self.out_pair.insert(ids[0], outer);
        self.in_pair.insert(ids[1], outer);
        self.out_pair.insert(outer, ids[1]);
        self.triples.insert(outer, (ids[0], ids[1]));
        Some((ids[0], ids[1]))
    }

    fn push(&mut self, e: Elem) -> usize {
        let i = self.elems.len();
        self.map.insert(e.name.clone(), i);
        self.elems.push(e);
        i
    }

    fn connect(&mut self, c: Conn) {
        if let Some(e) = self.elems.get_mut(c.to) {
            e.nports[0] = e.nports[0].max(c.to_port + 1);
        }
        if let Some(e) = self.elems.get_mut(c.from) {
            e.nports[1] = e.nports[1].max(c.from_port + 1);
        }
        self.conns.push(c);
    }

    fn expand_config(&mut self, which: usize, env: usize) {
        let Some(e) = self.elems.get(which) else {
            return;
        };
        if e.expanded {
            return;
        }
        let mut st = ExpandState::new(MAX_EXPANSION.min(self.expansion_budget));
        let text = expand_vars(&e.config, &self.envs, Some(env), 0, &mut st);
        self.expansion_budget = self.expansion_budget.saturating_sub(st.produced);
        if st.too_large {
            let span = e.config_span.unwrap_or(e.span);
            self.f.error(
                span,
                format!(
                    "parameter expansion too large in the configuration of '{}'",
                    e.name
                ),
            );
        }
        let scripted = matches!(&e.kind, Kind::Class(ClassRef::Primitive(c)) if SCRIPT_CLASSES.contains(&c.as_str()));
        let undefined = if scripted { Vec::new() } else { st.undefined };
        let cspan = e.config_span;
        let exact = cspan.is_some_and(|s| s.len() == e.config.len());
        let ename = e.name.clone();
        for u in undefined {
            let span = match cspan {
                Some(s) if exact => {
                    Span::new(s.file, s.start + u.offset, s.start + u.offset + u.len)
                }
                Some(s) => s,
                None => e.span,
            };
            self.f.diags.push(
                Diagnostic::error(Some(span), format!("undefined parameter '${}'", u.name)).with_note(
                    format!(
                        "in the configuration of '{ename}'; to pass '$' through unexpanded, put it in single quotes"
                    ),
                ),
            );
        }
        if let Some(e) = self.elems.get_mut(which) {
            e.config = text;
            e.expanded = true;
        }
    }

    /// Picks the overload of a compound class for an element with `args`
    /// and the given port use (Click's `Compound::resolve`).
    fn resolve(
        &mut self,
        first: usize,
        which: usize,
        args: &[String],
    ) -> Option<(ClassRef, Option<Vec<String>>)> {
        let (nin, nout, span, ename) = {
            let e = self.elems.get(which)?;
            (e.nports[0], e.nports[1], e.span, e.name.clone())
        };
        let mut ct = first;
        let mut closest: Option<(usize, Vec<String>)> = None;
        let mut nct = 0;
        let mut seen = HashSet::new();
        loop {
            if !seen.insert(ct) {
                break;
            }
            nct += 1;
            let c = self.f.compounds.get(ct)?;
            let assigned = c.assign(args);
            if c.ninputs == nin && c.noutputs == nout {
                if let Some(v) = assigned {
                    return Some((ClassRef::Compound(ct), Some(v)));
                }
            } else if let Some(v) = assigned {
                closest = Some((ct, v));
            }
            match &c.next {
                Some(ClassRef::Compound(n)) => ct = *n,
                Some(other) => return Some((other.clone(), None)),
                None => break,
            }
        }
        let c0 = self.f.compounds.get(first)?;
        if nct != 1 || closest.is_none() {
            let pl = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
            let wanted = format!(
                "{}[{}, {}, {}]",
                c0.printable_name(),
                pl(args.len(), "argument"),
                pl(nin, "input"),
                pl(nout, "output")
            );
            let mut d = if nct == 1 {
                let expected: Vec<String> = c0
                    .formals
                    .iter()
                    .map(|(k, v)| {
                        if k.is_empty() {
                            format!("${v}")
                        } else {
                            format!("{k} ${v}")
                        }
                    })
                    .collect();
                Diagnostic::error(
                    Some(span),
                    format!(
                        "wrong number of arguments for compound element '{ename}': class '{}' expects {} ({}), got {}",
                        c0.printable_name(),
                        c0.formals.len(),
                        expected.join(", "),
                        args.len()
                    ),
                )
                .with_note(format!("no match for '{wanted}'"))
            } else {
                Diagnostic::error(Some(span), format!("no match for '{wanted}'"))
            };
            let mut cands = Vec::new();
            let mut ct = first;
            let mut seen = HashSet::new();
            while seen.insert(ct) {
                let Some(c) = self.f.compounds.get(ct) else {
                    break;
                };
                cands.push(format!("{} (at {})", c.signature(), self.f.loc(c.span)));
                match &c.next {
                    Some(ClassRef::Compound(n)) => ct = *n,
                    _ => break,
                }
            }
            d = d.with_note(format!("candidates are: {}", cands.join("; ")));
            self.f.diags.push(d);
        }
        closest.map(|(ct, v)| (ClassRef::Compound(ct), Some(v)))
    }

    /// Expands element `which` in environment `env`; returns the new
    /// elements to expand next (in order) with their environment.
    fn expand(&mut self, which: usize, env: usize) -> Vec<(usize, usize)> {
        let kind = match self.elems.get(which) {
            Some(e) => e.kind.clone(),
            None => return Vec::new(),
        };
        let Kind::Class(class) = kind else {
            return Vec::new();
        };
        self.expand_config(which, env);
        let ClassRef::Compound(first) = class else {
            return Vec::new();
        };
        let config = self
            .elems
            .get(which)
            .map(|e| e.config.clone())
            .unwrap_or_default();
        let args: Vec<String> = split_args(&config).into_iter().map(|a| a.text).collect();
        let Some((found, values)) = self.resolve(first, which, &args) else {
            if let Some(e) = self.elems.get_mut(which) {
                e.kind = Kind::Class(ClassRef::Error);
            }
            return Vec::new();
        };
        let cid = match found {
            ClassRef::Compound(c) => c,
            other => {
                if let Some(e) = self.elems.get_mut(which) {
                    e.kind = Kind::Class(other);
                }
                return Vec::new();
            }
        };
        let Some(comp) = self.f.compounds.get(cid).cloned() else {
            return Vec::new();
        };
        // New environment: lexical parent, formals, then defines.
        let mut parent = Some(env);
        while let Some(p) = parent {
            match self.envs.get(p) {
                Some(e) if e.depth >= comp.depth => parent = e.parent,
                _ => break,
            }
        }
        let mut vars: Vec<(String, String)> = Vec::new();
        for (i, (_, var)) in comp.formals.iter().enumerate() {
            let v = values
                .as_ref()
                .and_then(|v| v.get(i))
                .cloned()
                .unwrap_or_default();
            vars.push((var.clone(), v));
        }
        let new_env = self.envs.len();
        self.envs.push(Env {
            depth: comp.depth,
            parent,
            vars,
        });
        for d in &comp.defines {
            let mut st = ExpandState::new(MAX_EXPANSION.min(self.expansion_budget));
            st.active.push((new_env, d.var.clone()));
            let v = expand_vars(&d.value, &self.envs, Some(new_env), 1, &mut st);
            self.expansion_budget = self.expansion_budget.saturating_sub(st.produced);
            if let Some(e) = self.envs.get_mut(new_env) {
                e.vars.push((d.var.clone(), v));
            }
        }
        let (ename, espan) = match self.elems.get(which) {
            Some(e) => (e.name.clone(), e.span),
            None => return Vec::new(),
        };
        let Some((tin, tout)) = self.add_tunnels(which, espan) else {
            return Vec::new();
        };
        let mut map: Vec<Option<usize>> = vec![Some(tin), Some(tout)];
        let mut created = Vec::new();
        let mut i = 2;
        while i < comp.body.elems.len() {
            let inner = &comp.body.elems[i];
            let cname = format!("{ename}/{}", inner.name);
            if let Some(&prev) = self.map.get(&cname) {
                let prev_span = self.elems.get(prev).map_or(espan, |e| e.span);
                let note = format!("'{cname}' previously declared at {}", self.f.loc(prev_span));
                self.f.diags.push(
                    Diagnostic::error(Some(espan), format!("redeclaration of element '{cname}'"))
                        .with_note(note),
                );
                map.push(None);
                i += 1;
                continue;
            }
            if self.elems.len() >= MAX_ELEMENTS {
                if !self.too_big {
                    self.f.error(
                        espan,
                        format!("configuration too large: more than {MAX_ELEMENTS} elements after expanding compound elements"),
                    );
                }
                self.too_big = true;
                return Vec::new();
            }
            if matches!(inner.kind, Kind::Tunnel) {
                // A group's tunnel triple.
                let outer = self.push(Elem {
                    name: cname,
                    anon: false,
                    kind: Kind::Tunnel,
                    config: String::new(),
                    config_span: None,
                    span: inner.span,
                    nports: [0, 0],
                    expanded: true,
                });
                map.push(Some(outer));
                match self.add_tunnels(outer, inner.span) {
                    Some((a, b)) => {
                        map.push(Some(a));
                        map.push(Some(b));
                    }
                    None => {
                        map.push(None);
                        map.push(None);
                    }
                }
                i += 3;
                continue;
            }
            let mut e = inner.clone();
            e.name = cname;
            e.nports = [0, 0];
            e.expanded = false;
            let idx = self.push(e);
            self.expand_config(idx, new_env);
            map.push(Some(idx));
            created.push((idx, new_env));
            i += 1;
        }
        for c in &comp.body.conns {
            if let (Some(Some(f)), Some(Some(t))) = (map.get(c.from), map.get(c.to)) {
                self.connect(Conn {
                    from: *f,
                    from_port: c.from_port,
                    to: *t,
                    to_port: c.to_port,
                    span: c.span,
                });
            }
        }
        if self.conns.len() > MAX_CONNECTIONS && !self.too_big {
            self.too_big = true;
            self.f
                .error(espan, "configuration too large: too many connections");
            return Vec::new();
        }
        created
    }

    fn is_tunnel(&self, i: usize) -> bool {
        matches!(self.elems.get(i).map(|e| &e.kind), Some(Kind::Tunnel))
    }

    /// Diagnoses tunnel ends with nothing on the other side: connections to
    /// ports a compound does not have (errors), and compound ports that are
    /// used inside but not connected outside (warnings).
    fn check_tunnels(
        &mut self,
        by_to: &HashMap<(usize, usize), Vec<usize>>,
        by_from: &HashMap<(usize, usize), Vec<usize>>,
    ) {
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        enum Role {
            Outer,
            Input,
            Output,
        }
        let mut role: HashMap<usize, (Role, usize)> = HashMap::new();
        for (&outer, &(inp, outp)) in &self.triples {
            role.insert(outer, (Role::Outer, outer));
            role.insert(inp, (Role::Input, outer));
            role.insert(outp, (Role::Output, outer));
        }
        let mut reported = HashSet::new();
        let conns = self.conns.clone();
        for c in &conns {
            let ends = [(c.to, c.to_port, false), (c.from, c.from_port, true)];
            for (e, p, is_from) in ends {
                let Some(&(r, outer)) = role.get(&e) else {
                    continue;
                };
                let Some(&(inp, outp)) = self.triples.get(&outer) else {
                    continue;
                };
                let (ok, error, what) = match (r, is_from) {
                    (Role::Outer, false) => (by_from.contains_key(&(inp, p)), true, "has no input"),
                    (Role::Outer, true) => (by_to.contains_key(&(outp, p)), true, "has no output"),
                    (Role::Input, true) => (by_to.contains_key(&(outer, p)), false, "input"),
                    (Role::Output, false) => (by_from.contains_key(&(outer, p)), false, "output"),
                    _ => (true, false, ""),
                };
                if ok || !reported.insert((outer, p, what)) {
                    continue;
                }
                let Some(oe) = self.elems.get(outer) else {
                    continue;
                };
                let d = if error {
                    Diagnostic::error(Some(oe.span), format!("'{}' {what} {p}", oe.name))
                } else {
                    Diagnostic::warning(Some(oe.span), format!("'{}' {what} {p} unused", oe.name))
                };
                self.f.diags.push(d);
            }
        }
    }

    /// The real (element, input port) ends a connection into `start`
    /// reaches through tunnels, memoized per tunnel end.
    fn dests(
        &self,
        start: (usize, usize),
        by_from: &HashMap<(usize, usize), Vec<usize>>,
        memo: &mut HashMap<(usize, usize), Vec<(usize, usize)>>,
    ) -> Vec<(usize, usize)> {
        if !self.is_tunnel(start.0) {
            return vec![start];
        }
        let children = |node: (usize, usize)| -> Vec<(usize, usize)> {
            let Some(&partner) = self.in_pair.get(&node.0) else {
                return Vec::new();
            };
            by_from
                .get(&(partner, node.1))
                .map(|v| {
                    v.iter()
                        .filter_map(|&ci| self.conns.get(ci))
                        .map(|c| (c.to, c.to_port))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut stack = vec![(start, false)];
        let mut in_progress = HashSet::new();
        while let Some((node, done)) = stack.pop() {
            if memo.contains_key(&node) {
                continue;
            }
            if !done {
                if !in_progress.insert(node) {
                    // A cycle (cannot happen with well-formed tunnels).
                    continue;
                }
                stack.push((node, true));
                for c in children(node) {
                    if self.is_tunnel(c.0) && !memo.contains_key(&c) {
                        stack.push((c, false));
                    }
                }
            } else {
                let mut out = Vec::new();
                for c in children(node) {
                    if !self.is_tunnel(c.0) {
                        out.push(c);
                    } else if let Some(m) = memo.get(&c) {
                        out.extend_from_slice(m);
                    }
                    if out.len() > MAX_CONNECTIONS {
                        break;
                    }
                }
                out.sort_unstable();
                out.dedup();
                memo.insert(node, out);
            }
        }
        memo.get(&start).cloned().unwrap_or_default()
    }
}

/// The file of parameters given on the command line (no text).
const COMMAND_LINE: crate::span::FileId = crate::span::FileId(u32::MAX);

/// Flattens a parsed configuration against the engine's classes.
pub fn flatten(
    config: &Config,
    sources: &SourceMap,
    classes: &dyn ClassLookup,
) -> Result<RouterGraph, Vec<Diagnostic>> {
    flatten_with_params(config, sources, classes, &[])
}

/// As [`flatten`], with `$NAME` parameters given from outside (Click's
/// `click CONFIG NAME=VALUE`), which take precedence over the
/// configuration's own `define`s.
pub fn flatten_with_params(
    config: &Config,
    sources: &SourceMap,
    classes: &dyn ClassLookup,
    params: &[(String, String)],
) -> Result<RouterGraph, Vec<Diagnostic>> {
    let mut f = Flattener {
        sources,
        classes,
        compounds: Vec::new(),
        scopes: vec![HashMap::new()],
        depth: 0,
        diags: Vec::new(),
        requirements: Vec::new(),
        class_names_cache: None,
    };
    let mut defines: Vec<(Define, Span)> = params
        .iter()
        .map(|(var, value)| {
            (
                Define {
                    var: var.clone(),
                    value: value.clone(),
                },
                Span::new(COMMAND_LINE, 0, 0),
            )
        })
        .collect();
    let mut top = f.body(&config.stmts, false, &mut defines);
    deanonymize(&mut top);

    let mut x = Expander {
        f: &mut f,
        elems: Vec::new(),
        conns: Vec::new(),
        map: HashMap::new(),
        envs: vec![Env {
            depth: 0,
            parent: None,
            vars: Vec::new(),
        }],
        in_pair: HashMap::new(),
        out_pair: HashMap::new(),
        triples: HashMap::new(),
        too_big: false,
        expansion_budget: MAX_TOTAL_EXPANSION,
    };
    for (d, _) in &defines {
        if let Some(e) = x.envs.get_mut(0) {
            e.vars.push((d.var.clone(), d.value.clone()));
        }
    }
    for e in &top.elems {
        x.push(e.clone());
    }
    x.conns = top.conns.clone();
    // Top-level group tunnels pair up now.
    let mut i = 0;
    while i < top.elems.len() {
        if matches!(top.elems[i].kind, Kind::Tunnel) && i + 2 < top.elems.len() {
            let (outer, a, b) = (i, i + 1, i + 2);
            x.in_pair.insert(outer, a);
            x.out_pair.insert(a, outer);
            x.in_pair.insert(b, outer);
            x.out_pair.insert(outer, b);
            x.triples.insert(outer, (a, b));
            i += 3;
        } else {
            i += 1;
        }
    }
    // Expand compounds depth-first in Click's order.
    let mut stack: Vec<(usize, usize)> = (0..top.elems.len()).rev().map(|i| (i, 0)).collect();
    while let Some((which, env)) = stack.pop() {
        if x.too_big {
            break;
        }
        let created = x.expand(which, env);
        for c in created.into_iter().rev() {
            stack.push(c);
        }
    }

    // Resolve connections through tunnels.
    let mut by_to: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    let mut by_from: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for (ci, c) in x.conns.iter().enumerate() {
        by_to.entry((c.to, c.to_port)).or_default().push(ci);
        by_from.entry((c.from, c.from_port)).or_default().push(ci);
    }
    x.check_tunnels(&by_to, &by_from);
    // Every final connection starts at a real element's output.
    let mut memo = HashMap::new();
    let mut final_conns: Vec<GraphConnection> = Vec::new();
    let conns = x.conns.clone();
    for c in &conns {
        if x.too_big {
            break;
        }
        if x.is_tunnel(c.from) {
            continue;
        }
        for (te, tp) in x.dests((c.to, c.to_port), &by_from, &mut memo) {
            final_conns.push(GraphConnection {
                from: c.from,
                from_port: c.from_port,
                to: te,
                to_port: tp,
                span: c.span,
            });
        }
        if final_conns.len() > MAX_CONNECTIONS {
            x.too_big = true;
            x.f.error(c.span, "configuration too large: too many connections");
        }
    }

    // Keep real elements, renumber.
    let mut index = vec![usize::MAX; x.elems.len()];
    let mut elements = Vec::new();
    for (i, e) in x.elems.iter().enumerate() {
        match &e.kind {
            Kind::Class(ClassRef::Primitive(cls)) => {
                index[i] = elements.len();
                elements.push(GraphElement {
                    name: e.name.clone(),
                    class: cls.clone(),
                    config: e.config.clone(),
                    span: e.span,
                    config_span: e.config_span,
                });
            }
            Kind::Class(_) | Kind::Tunnel => {}
        }
    }
    let mut connections: Vec<GraphConnection> = final_conns
        .into_iter()
        .filter_map(|c| {
            let from = *index.get(c.from)?;
            let to = *index.get(c.to)?;
            (from != usize::MAX && to != usize::MAX).then_some(GraphConnection { from, to, ..c })
        })
        .collect();
    connections.sort_by_key(|c| (c.from, c.from_port, c.to, c.to_port));
    connections.dedup_by_key(|c| (c.from, c.from_port, c.to, c.to_port));

    let diags = std::mem::take(&mut f.diags);
    if diags.iter().any(|d| d.is_error()) {
        return Err(diags);
    }
    Ok(RouterGraph {
        sources: sources.clone(),
        elements,
        connections,
        requirements: std::mem::take(&mut f.requirements),
        warnings: diags,
    })
}

#[cfg(test)]
mod tests;
