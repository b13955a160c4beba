//! The pretty-printer: canonical Click text for a [`Config`].
//!
//! Key decision: output is canonical rather than faithful — one statement
//! per line ending in `;`, four-space indentation inside compounds, single
//! spaces around `::` and `->` — but configuration strings are printed
//! byte for byte, so parsing the output gives back the same tree (spans
//! aside). Comments are not kept by the parser and so are not printed.

use std::fmt::{self, Write};

use crate::ast::*;

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_stmts(&mut out, &self.stmts, 0);
        f.write_str(&out)
    }
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn write_stmts(out: &mut String, stmts: &[Stmt], level: usize) {
    for s in stmts {
        indent(out, level);
        write_stmt(out, s, level);
        out.push_str(";\n");
    }
}

fn write_stmt(out: &mut String, s: &Stmt, level: usize) {
    match s {
        Stmt::Connection(c) => write_connection(out, c, level),
        Stmt::ElementClass(d) => {
            let _ = write!(out, "elementclass {} ", d.name.name);
            match &d.def {
                ClassDef::Compound(c) => write_compound(out, c, level),
                ClassDef::Synonym(i) => out.push_str(&i.name),
            }
        }
        Stmt::Require(d) => {
            let _ = write!(out, "require({})", d.args.text);
        }
        Stmt::Provide(d) => {
            let _ = write!(out, "provide({})", d.args.text);
        }
        Stmt::Define(d) => {
            let _ = write!(out, "define({})", d.args.text);
        }
    }
}

fn write_connection(out: &mut String, c: &Connection, level: usize) {
    for (i, g) in c.groups.iter().enumerate() {
        if i > 0 {
            let arrow = c.arrows.get(i - 1).is_some_and(|a| a.many);
            out.push_str(if arrow { " => " } else { " -> " });
        }
        for (j, e) in g.iter().enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            write_endpoint(out, e, level);
        }
    }
}

fn write_ports(out: &mut String, p: &PortList) {
    if p.expandable && p.ports == [0] {
        out.push_str("[]");
        return;
    }
    out.push('[');
    for (i, n) in p.ports.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{n}");
    }
    if p.expandable {
        out.push_str(", ");
    }
    out.push(']');
}

fn write_endpoint(out: &mut String, e: &Endpoint, level: usize) {
    if let ElementExpr::Implicit { .. } = e.element {
        // Implicit input carries its ports as outputs, implicit output as
        // inputs; either way they print before the arrow / after it.
        if let Some(p) = e.out_ports.as_ref().or(e.in_ports.as_ref()) {
            write_ports(out, p);
        }
        return;
    }
    if let Some(p) = &e.in_ports {
        write_ports(out, p);
        out.push(' ');
    }
    match &e.element {
        ElementExpr::Named {
            name,
            class,
            config,
        } => {
            out.push_str(&name.name);
            match class {
                Some(ClassExpr::Name(c)) => {
                    let _ = write!(out, " :: {}", c.name);
                }
                Some(ClassExpr::Compound(c)) => {
                    out.push_str(" :: ");
                    write_compound(out, c, level);
                }
                None => {}
            }
            if let Some(c) = config {
                let _ = write!(out, "({})", c.text);
            }
        }
        ElementExpr::Compound { def, config } => {
            write_compound(out, def, level);
            if let Some(c) = config {
                let _ = write!(out, "({})", c.text);
            }
        }
        ElementExpr::Group { body, .. } => {
            out.push_str("(\n");
            write_stmts(out, &body.stmts, level + 1);
            indent(out, level);
            out.push(')');
        }
        ElementExpr::Implicit { .. } => {}
    }
    if let Some(p) = &e.out_ports {
        out.push(' ');
        write_ports(out, p);
    }
}

fn write_compound(out: &mut String, c: &CompoundDef, level: usize) {
    out.push('{');
    for (i, b) in c.bodies.iter().enumerate() {
        if i > 0 {
            indent(out, level);
            out.push_str("||");
        }
        if !b.formals.is_empty() {
            out.push(' ');
            for (j, f) in b.formals.iter().enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                if let Some(k) = &f.keyword {
                    let _ = write!(out, "{k} ");
                }
                let _ = write!(out, "${}", f.var);
            }
            out.push_str(" |");
        }
        out.push('\n');
        write_stmts(out, &b.body.stmts, level + 1);
    }
    indent(out, level);
    if c.extends {
        out.push_str("|| ...\n");
        indent(out, level);
    }
    out.push('}');
}
