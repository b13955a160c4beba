//! Queries (`reach`, `tcp-connect`, `inv`, `loops`): parsing them and
//! answering them over a [`Network`].
//!
//! Key decision: every query is answered by exploration from a freshly
//! made symbolic packet, and every answer is checked the same way —
//! adding the property as a constraint and asking the store whether it
//! can fail. A property that holds only for some of the values a
//! middlebox may choose (a NAT port, an ISN offset) does not hold: the
//! answer names a choice that breaks it.

use std::collections::HashMap;

use crate::domain::IntervalSet;
use crate::explore::{Outcome, explore, explore_after};
use crate::expr::{Expr, Var, VarKind, Vars};
use crate::flow::{Field, Flow, HeaderKind, Place, tcp_flags};
use crate::model::{Death, DeathKind};
use crate::net::{InputError, Network};
use crate::store::Store;

mod inv;
mod loops;
mod reach;
mod report;
mod tcp;

use inv::*;
use loops::*;
use reach::*;
use report::*;
use tcp::*;

pub use report::{PathReport, Report};

/// A condition on a field of the injected packet, or on a `?NAME`
/// parameter of the configurations: `field ∈ set`.
#[derive(Clone, Debug)]
pub struct Cond {
    pub field: Field,
    /// When set, the condition is on this parameter (`field` then only
    /// gives how values are read).
    pub param: Option<Var>,
    pub set: IntervalSet,
}

/// What an invariant compares: a field, or the difference of two fields
/// of one width (`tcp.sack - tcp.ack`: SACK edges must move with the
/// acknowledgment number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvTerm {
    pub field: Field,
    pub minus: Option<Field>,
}

impl InvTerm {
    pub fn name(&self) -> String {
        match self.minus {
            Some(m) => format!("{} - {}", self.field.name(), m.name()),
            None => self.field.name().to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Query {
    Reach {
        from: Place,
        to: Place,
        when: Vec<Cond>,
    },
    TcpConnect {
        client: Place,
        server: Place,
        when: Vec<Cond>,
    },
    Inv {
        from: Place,
        to: Place,
        fields: Vec<InvTerm>,
        /// `over CLIENT SERVER`: compare a segment the server sends on the
        /// connection the client opened.
        over: Option<(Place, Place)>,
    },
    Loops,
    /// `reach FROM -> TO over CLIENT SERVER`: what FROM sends to SERVER's
    /// box is forwarded by SERVER inside a connection CLIENT opened to it
    /// (a push proxy): the request rides on the connection's state.
    ReachOver {
        from: Place,
        to: Place,
        client: Place,
        server: Place,
    },
}

/// Parses one query line (already stripped of comments and known to be
/// non-empty). `line`/`col0` place errors in their file.
pub fn parse_query(
    net: &Network,
    text: &str,
    file: &str,
    line: usize,
) -> Result<Query, InputError> {
    let err = |col: usize, m: String| InputError::at(file, line, col, m);
    let trimmed = text.trim_start();
    let indent = text.len() - trimmed.len();
    let (word, rest) = trimmed
        .split_once(char::is_whitespace)
        .unwrap_or((trimmed, ""));
    let rest_col = indent + word.len() + 1 + (rest.len() - rest.trim_start().len()) + 1;
    let rest = rest.trim();
    let col_in = |s: &str| text.find(s).map(|i| i + 1).unwrap_or(rest_col);
    let place = |s: &str| net.place(s.trim()).map_err(|m| err(col_in(s.trim()), m));
    match word {
        "reach" if rest.contains(" over ") => {
            let (places, over) = rest.split_once(" over ").expect("checked");
            let Some((from, to)) = places.split_once("->") else {
                return Err(err(
                    rest_col,
                    "expected 'reach FROM -> TO over CLIENT SERVER'".into(),
                ));
            };
            let parts: Vec<&str> = over.split_whitespace().collect();
            let [c, sv] = parts.as_slice() else {
                return Err(err(
                    col_in(over.trim()),
                    "expected 'over CLIENT SERVER'".into(),
                ));
            };
            Ok(Query::ReachOver {
                from: place(from)?,
                to: place(to)?,
                client: place(c)?,
                server: place(sv)?,
            })
        }
        "reach" => {
            let (places, when) = match rest.split_once(" when ") {
                Some((p, w)) => (p, Some(w)),
                None => (rest, None),
            };
            let Some((from, to)) = places.split_once("->") else {
                return Err(err(
                    rest_col,
                    "expected 'reach FROM -> TO [when CONSTRAINT]'".into(),
                ));
            };
            let when = match when {
                Some(w) => parse_conditions(w, &net.vars).map_err(|m| err(col_in(w.trim()), m))?,
                None => Vec::new(),
            };
            Ok(Query::Reach {
                from: place(from)?,
                to: place(to)?,
                when,
            })
        }
        "tcp-connect" => {
            let (places, when) = match rest.split_once(" when ") {
                Some((p, w)) => (p, Some(w)),
                None => (rest, None),
            };
            let parts: Vec<&str> = places.split_whitespace().collect();
            let [c, s] = parts.as_slice() else {
                return Err(err(
                    rest_col,
                    "expected 'tcp-connect CLIENT SERVER [when CONSTRAINT]'".into(),
                ));
            };
            let when = match when {
                Some(w) => parse_conditions(w, &net.vars).map_err(|m| err(col_in(w.trim()), m))?,
                None => Vec::new(),
            };
            Ok(Query::TcpConnect {
                client: place(c)?,
                server: place(s)?,
                when,
            })
        }
        "inv" => {
            let (rest, over) = match rest.split_once(" over ") {
                Some((r, o)) => (r, Some(o)),
                None => (rest, None),
            };
            let over = match over {
                Some(o) => {
                    let parts: Vec<&str> = o.split_whitespace().collect();
                    let [c, sv] = parts.as_slice() else {
                        return Err(err(
                            col_in(o.trim()),
                            "expected 'over CLIENT SERVER'".into(),
                        ));
                    };
                    Some((place(c)?, place(sv)?))
                }
                None => None,
            };
            let Some((places, fields)) = rest.split_once(": ") else {
                return Err(err(rest_col, "expected 'inv FROM TO: FIELD, ...'".into()));
            };
            let places = places.replace("->", " ");
            let parts: Vec<&str> = places.split_whitespace().collect();
            let [from, to] = parts.as_slice() else {
                return Err(err(rest_col, "expected 'inv FROM TO: FIELD, ...'".into()));
            };
            let tokens: Vec<&str> = fields
                .split([',', ' ', '\t'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            let field_of = |name: &str| {
                Field::parse(name).ok_or_else(|| {
                    err(
                        col_in(name),
                        format!("unknown field '{name}' (fields: {})", field_names()),
                    )
                })
            };
            let mut fs = Vec::new();
            let mut i = 0;
            while i < tokens.len() {
                let field = field_of(tokens[i])?;
                if tokens.get(i + 1) == Some(&"-") {
                    let Some(other) = tokens.get(i + 2) else {
                        return Err(err(col_in(tokens[i]), "expected 'FIELD - FIELD'".into()));
                    };
                    let minus = field_of(other)?;
                    if minus.width() != field.width() {
                        return Err(err(
                            col_in(other),
                            format!("{} and {} differ in width", field.name(), minus.name()),
                        ));
                    }
                    fs.push(InvTerm {
                        field,
                        minus: Some(minus),
                    });
                    i += 3;
                } else {
                    fs.push(InvTerm { field, minus: None });
                    i += 1;
                }
            }
            if fs.is_empty() {
                return Err(err(col_in(fields.trim()), "no fields named".into()));
            }
            Ok(Query::Inv {
                from: place(from)?,
                to: place(to)?,
                fields: fs,
                over,
            })
        }
        "loops" => {
            if !rest.is_empty() {
                return Err(err(rest_col, "'loops' takes no arguments".into()));
            }
            Ok(Query::Loops)
        }
        other => Err(err(
            indent + 1,
            format!("unknown query '{other}' (queries: reach, tcp-connect, inv, loops)"),
        )),
    }
}

fn field_names() -> String {
    Field::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `FIELD OP VALUE [and ...]`; values are numbers, addresses, prefixes
/// (`10.0.0.0/8`), ranges (`1024-65535`) or protocol names.
pub fn parse_conditions(text: &str, vars: &Vars) -> Result<Vec<Cond>, String> {
    let mut out = Vec::new();
    let norm = text.replace("&&", " and ");
    for term in norm.split(" and ").map(str::trim).filter(|t| !t.is_empty()) {
        let ops = ["==", "!=", "<=", ">=", "=", "<", ">", " in "];
        let Some((i, op)) = ops
            .iter()
            .filter_map(|op| term.find(op).map(|i| (i, *op)))
            .min_by_key(|(i, op)| (*i, std::cmp::Reverse(op.len())))
        else {
            return Err(format!("expected FIELD OP VALUE, got '{term}'"));
        };
        let name = term[..i].trim();
        let value = term[i + op.len()..].trim();
        let param = vars.find_param(name);
        let field = match param {
            // Parameters are addresses.
            Some(_) => Field::IpDst,
            None => Field::parse(name).ok_or_else(|| {
                format!(
                    "unknown field or parameter '{name}' (fields: {})",
                    field_names()
                )
            })?,
        };
        let w = field.width();
        let set = match op.trim() {
            "=" | "==" | "in" => parse_value_set(field, value)?,
            "!=" => parse_value_set(field, value)?.complement(w),
            op => {
                let v = parse_value(field, value)?;
                match op {
                    "<" if v == 0 => IntervalSet::empty(),
                    "<" => IntervalSet::range(0, v - 1),
                    "<=" => IntervalSet::range(0, v),
                    ">" => IntervalSet::range(v.saturating_add(1), crate::domain::max_of(w)),
                    _ => IntervalSet::range(v, crate::domain::max_of(w)),
                }
            }
        };
        out.push(Cond { field, param, set });
    }
    Ok(out)
}

fn parse_value(field: Field, text: &str) -> Result<u64, String> {
    let t = text.trim();
    if field == Field::IpProto {
        match t {
            "tcp" | "TCP" => return Ok(6),
            "udp" | "UDP" => return Ok(17),
            "icmp" | "ICMP" => return Ok(1),
            _ => {}
        }
    }
    if let Ok(a) = t.parse::<std::net::Ipv4Addr>() {
        return Ok(u64::from(u32::from(a)));
    }
    let v = if let Some(h) = t.strip_prefix("0x") {
        u64::from_str_radix(h, 16).ok()
    } else {
        t.parse::<u64>().ok()
    };
    match v {
        Some(v) if v <= crate::domain::max_of(field.width()) => Ok(v),
        Some(_) => Err(format!("{t} is too large for {}", field.name())),
        None => Err(format!("'{t}' is not a value of {}", field.name())),
    }
}

fn parse_value_set(field: Field, text: &str) -> Result<IntervalSet, String> {
    let t = text.trim();
    if let Some((a, len)) = t.split_once('/') {
        let a: std::net::Ipv4Addr = a.parse().map_err(|_| format!("'{t}' is not a prefix"))?;
        let len: u8 = len
            .parse()
            .ok()
            .filter(|l| *l <= 32)
            .ok_or_else(|| format!("'{t}' is not a prefix"))?;
        return Ok(IntervalSet::prefix(u32::from(a), len));
    }
    if let Some((a, b)) = t.split_once('-')
        && !a.is_empty()
    {
        let (a, b) = (parse_value(field, a)?, parse_value(field, b)?);
        return Ok(IntervalSet::range(a, b));
    }
    Ok(IntervalSet::point(parse_value(field, t)?))
}

/// Answers a query.
pub fn run_query(net: &Network, query: &Query, text: &str) -> Report {
    let mut report = match query {
        Query::Reach { from, to, when } => reach(net, *from, *to, when),
        Query::TcpConnect {
            client,
            server,
            when,
        } => tcp_connect(net, *client, *server, when),
        Query::Inv {
            from,
            to,
            fields,
            over: None,
        } => invariant(net, *from, *to, fields),
        Query::Inv {
            from,
            to,
            fields,
            over: Some(over),
        } => invariant_over(net, (*from, *to), fields, *over),
        Query::Loops => loops(net),
        Query::ReachOver {
            from,
            to,
            client,
            server,
        } => reach_over(net, *from, *to, *client, *server),
    };
    report.query = text.trim().to_string();
    report
}

/// Reads a query file: one query per line, `#` comments.
pub fn parse_queries(
    net: &Network,
    file: &str,
    text: &str,
) -> Result<Vec<(Query, String)>, InputError> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or_default();
        if line.trim().is_empty() {
            continue;
        }
        out.push((
            parse_query(net, line, file, n + 1)?,
            line.trim().to_string(),
        ));
    }
    Ok(out)
}
