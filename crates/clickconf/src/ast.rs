//! The syntax tree of a Click configuration, before any name resolution.
//!
//! Key decision: the tree records what was written, not what it means.
//! Whether `Foo` in `a -> Foo -> b` is an element reference or an anonymous
//! element of class `Foo` depends on the class list, which the parser does
//! not have; flattening decides. Every node keeps its span; `PartialEq`
//! compares spans too, so use [`Config::eq_ignoring_spans`] (or
//! [`Config::strip_spans`]) to compare trees from different texts.

use crate::span::{FileId, Span};

/// A whole configuration (or a compound element's body).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Config {
    pub stmts: Vec<Stmt>,
}

/// One statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    /// A connection chain or a declaration (`a :: X`, `a, b :: X`,
    /// `a -> b -> c`).
    Connection(Connection),
    /// `elementclass Name { ... }` or `elementclass Name Other`.
    ElementClass(ElementClassDecl),
    /// `require(...)`.
    Require(Directive),
    /// `provide(...)`.
    Provide(Directive),
    /// `define($N value, ...)`.
    Define(Directive),
}

/// An identifier with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A raw configuration string between parentheses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigText {
    /// The text between `(` and `)`, comments kept (as Click keeps them;
    /// they are removed when the arguments are split).
    pub text: String,
    /// The span of the text (not including the parentheses).
    pub span: Span,
}

/// `require(...)`, `provide(...)` or `define(...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub args: ConfigText,
    pub span: Span,
}

/// A chain `group -> group -> ...`; a lone group is a declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// Comma-separated element lists, joined by `arrows`.
    pub groups: Vec<Vec<Endpoint>>,
    /// `arrows.len() == groups.len() - 1`.
    pub arrows: Vec<Arrow>,
    pub span: Span,
}

/// `->` or `=>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrow {
    /// True for `=>` (many-to-many connections).
    pub many: bool,
    pub span: Span,
}

/// A list of port numbers in brackets: `[0]`, `[0, 2-3]`, `[]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortList {
    /// Explicit ports, ranges expanded.
    pub ports: Vec<u32>,
    /// A trailing empty item (`[]`, `[1,]`) makes the last port
    /// expandable in `=>` connections.
    pub expandable: bool,
    pub span: Span,
}

/// One element in a connection, with optional input ports before it and
/// output ports after it: `[1] x :: Foo(args) [2]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub in_ports: Option<PortList>,
    pub element: ElementExpr,
    pub out_ports: Option<PortList>,
    pub span: Span,
}

/// What an endpoint names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElementExpr {
    /// `name`, `name :: Class`, `name(config)`, `name :: Class(config)`.
    /// A bare `Class` or `Class(config)` is also this: an anonymous element
    /// when `name` is a class.
    Named {
        name: Ident,
        class: Option<ClassExpr>,
        config: Option<ConfigText>,
    },
    /// An anonymous compound class used in place: `{ ... }` or `{ ... }(args)`.
    Compound {
        def: Box<CompoundDef>,
        config: Option<ConfigText>,
    },
    /// An element group: `( statements )`.
    Group { body: Config, span: Span },
    /// The implicit `input`/`output` of a compound body: `-> x ->`. At the
    /// start of a chain it is `input` (ports go in `out_ports`), at the end
    /// `output` (ports in `in_ports`).
    Implicit { span: Span },
}

/// The class after `::`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClassExpr {
    Name(Ident),
    Compound(Box<CompoundDef>),
}

/// `elementclass Name ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementClassDecl {
    pub name: Ident,
    pub def: ClassDef,
    pub span: Span,
}

/// The right-hand side of `elementclass Name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClassDef {
    /// `{ ... || ... }`
    Compound(CompoundDef),
    /// `elementclass A B` makes `A` another name for `B`.
    Synonym(Ident),
}

/// A compound class: one or more bodies separated by `||` (overloads),
/// optionally ending with `|| ...` (fall back to the previous definition of
/// the same name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompoundDef {
    pub bodies: Vec<CompoundBody>,
    pub extends: bool,
    pub span: Span,
}

/// One body: `$a, KEYWORD $b | statements`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompoundBody {
    pub formals: Vec<Formal>,
    pub body: Config,
    pub span: Span,
}

/// A formal parameter: positional `$a` or keyword `KEYWORD $a`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Formal {
    pub keyword: Option<String>,
    pub var: String,
    pub span: Span,
}

/// A span used when spans do not matter.
pub const NO_SPAN: Span = Span {
    file: FileId(0),
    start: 0,
    end: 0,
};

impl Config {
    /// Compares two trees, ignoring all spans.
    pub fn eq_ignoring_spans(&self, other: &Config) -> bool {
        let mut a = self.clone();
        let mut b = other.clone();
        a.strip_spans();
        b.strip_spans();
        a == b
    }

    /// Sets every span in the tree to [`NO_SPAN`].
    pub fn strip_spans(&mut self) {
        self.visit_spans(&mut |s| *s = NO_SPAN);
    }

    /// Calls `f` on every span in the tree.
    pub fn visit_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        for s in &mut self.stmts {
            s.visit_spans(f);
        }
    }
}

impl Stmt {
    fn visit_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        match self {
            Stmt::Connection(c) => {
                f(&mut c.span);
                for a in &mut c.arrows {
                    f(&mut a.span);
                }
                for g in &mut c.groups {
                    for e in g {
                        e.visit_spans(f);
                    }
                }
            }
            Stmt::ElementClass(d) => {
                f(&mut d.span);
                f(&mut d.name.span);
                match &mut d.def {
                    ClassDef::Compound(c) => c.visit_spans(f),
                    ClassDef::Synonym(i) => f(&mut i.span),
                }
            }
            Stmt::Require(d) | Stmt::Provide(d) | Stmt::Define(d) => {
                f(&mut d.span);
                f(&mut d.args.span);
            }
        }
    }
}

impl Endpoint {
    fn visit_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
        if let Some(p) = &mut self.in_ports {
            f(&mut p.span);
        }
        if let Some(p) = &mut self.out_ports {
            f(&mut p.span);
        }
        match &mut self.element {
            ElementExpr::Named {
                name,
                class,
                config,
            } => {
                f(&mut name.span);
                match class {
                    Some(ClassExpr::Name(i)) => f(&mut i.span),
                    Some(ClassExpr::Compound(c)) => c.visit_spans(f),
                    None => {}
                }
                if let Some(c) = config {
                    f(&mut c.span);
                }
            }
            ElementExpr::Compound { def, config } => {
                def.visit_spans(f);
                if let Some(c) = config {
                    f(&mut c.span);
                }
            }
            ElementExpr::Group { body, span } => {
                f(span);
                body.visit_spans(f);
            }
            ElementExpr::Implicit { span } => f(span),
        }
    }
}

impl CompoundDef {
    fn visit_spans(&mut self, f: &mut dyn FnMut(&mut Span)) {
        f(&mut self.span);
        for b in &mut self.bodies {
            f(&mut b.span);
            for fm in &mut b.formals {
                f(&mut fm.span);
            }
            b.body.visit_spans(f);
        }
    }
}
