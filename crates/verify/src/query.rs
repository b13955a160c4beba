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
use crate::explore::{Outcome, explore};
use crate::expr::{Expr, Var, VarKind, Vars};
use crate::flow::{Field, Flow, HeaderKind, Place, tcp_flags};
use crate::model::{Death, DeathKind};
use crate::net::{InputError, Network};
use crate::store::Store;

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
            let Some((places, fields)) = rest
                .split_once(": ")
                .or_else(|| rest.split_once(':').filter(|_| false))
            else {
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

/// A delivered path: its places and the fields at its end.
#[derive(Clone, Debug, Default)]
pub struct PathReport {
    pub history: Vec<String>,
    /// (field, value, constraint) at the destination.
    pub fields: Vec<(String, String, String)>,
    pub notes: Vec<String>,
}

/// The answer to one query.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub query: String,
    pub verdict: String,
    /// REACHABLE-IF's condition, INVARIANT-VIOLATED's field,
    /// LOOP-FINITE's bound.
    pub condition: Option<String>,
    pub paths: Vec<PathReport>,
    pub at: Option<String>,
    pub reason: Option<String>,
    /// Port history of the failing flow.
    pub history: Vec<String>,
    /// A concrete packet (and choices) that shows the answer.
    pub witness: Vec<(String, String)>,
    pub cycles: Vec<Vec<String>>,
    /// Elements the answer depended on that have no model.
    pub unmodelled: Vec<String>,
    /// For CONNECTED: the connection as the server last saw it, with the
    /// variables it uses (`reach ... over` continues from it).
    pub established: Option<Box<(Flow, Vars)>>,
}

impl Report {
    /// The verdict with its arguments, as the text output writes it.
    pub fn headline(&self) -> String {
        match (&self.at, &self.reason, &self.condition) {
            (Some(at), Some(reason), _) if self.verdict == "NOT-CONNECTED" => {
                format!("{}({at}, {reason})", self.verdict)
            }
            (Some(at), Some(reason), _) if self.verdict == "MEMSAFE-VIOLATION" => {
                format!("{}({at}, {reason})", self.verdict)
            }
            (_, _, Some(c)) if self.verdict == "REACHABLE-IF" => format!("{} {c}", self.verdict),
            (_, _, Some(c)) => format!("{}({c})", self.verdict),
            _ => self.verdict.clone(),
        }
    }

    pub fn to_text(&self) -> String {
        let mut s = format!("{}\n  {}\n", self.query, self.headline());
        if let (Some(at), Some(reason)) = (&self.at, &self.reason) {
            s.push_str(&format!("  at {at}: {reason}\n"));
        }
        if !self.history.is_empty() {
            s.push_str(&format!("  history: {}\n", self.history.join(" > ")));
        }
        if !self.witness.is_empty() {
            let w: Vec<String> = self
                .witness
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            s.push_str(&format!("  witness: {}\n", w.join(" ")));
        }
        for c in &self.cycles {
            s.push_str(&format!("  cycle: {}\n", c.join(" > ")));
        }
        for (i, p) in self.paths.iter().enumerate() {
            s.push_str(&format!("  path {}: {}\n", i + 1, p.history.join(" > ")));
            for n in &p.notes {
                s.push_str(&format!("    note: {n}\n"));
            }
            for (f, v, c) in &p.fields {
                if c.is_empty() {
                    s.push_str(&format!("    {f} = {v}\n"));
                } else {
                    s.push_str(&format!("    {f} = {v}  [{c}]\n"));
                }
            }
        }
        for u in &self.unmodelled {
            s.push_str(&format!("  no model: {u}\n"));
        }
        s
    }

    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Map, Value, json};
        let mut o = Map::new();
        o.insert("query".into(), json!(self.query));
        o.insert("verdict".into(), json!(self.verdict));
        if let Some(c) = &self.condition {
            o.insert("condition".into(), json!(c));
        }
        let paths: Vec<Value> = self
            .paths
            .iter()
            .map(|p| {
                let fields: Map<String, Value> = p
                    .fields
                    .iter()
                    .map(|(f, v, c)| (f.clone(), json!({"value": v, "constraint": c})))
                    .collect();
                json!({"history": p.history, "fields": fields, "notes": p.notes})
            })
            .collect();
        o.insert("paths".into(), Value::Array(paths));
        if let Some(at) = &self.at {
            o.insert("at".into(), json!(at));
        }
        if let Some(r) = &self.reason {
            o.insert("reason".into(), json!(r));
        }
        if !self.history.is_empty() {
            o.insert("history".into(), json!(self.history));
        }
        if !self.witness.is_empty() {
            let w: Map<String, Value> = self
                .witness
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            o.insert("witness".into(), Value::Object(w));
        }
        if !self.cycles.is_empty() {
            o.insert("cycles".into(), json!(self.cycles));
        }
        if !self.unmodelled.is_empty() {
            o.insert("unmodelled".into(), json!(self.unmodelled));
        }
        Value::Object(o)
    }
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
        Query::Inv { from, to, fields } => invariant(net, *from, *to, fields),
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

/// The injected packet: a fresh Ethernet frame with `when` applied.
struct Injected {
    flow: Flow,
    /// The injected headers' field expressions, for witnesses.
    fields: Vec<(String, Expr)>,
}

fn inject(vars: &mut Vars, when: &[Cond]) -> Result<Injected, String> {
    inject_named(vars, when, "")
}

fn inject_named(vars: &mut Vars, when: &[Cond], prefix: &str) -> Result<Injected, String> {
    let mut flow = Flow::ethernet_named(vars, prefix);
    for c in when {
        if let Some(p) = c.param {
            flow.store
                .constrain(vars, &Expr::var(p, 32), &c.set)
                .map_err(|_| format!("the condition on {} cannot hold", vars.info(p).name))?;
            continue;
        }
        let h = flow
            .headers
            .iter()
            .position(|h| h.kind == c.field.header())
            .expect("the injected packet has every header");
        let e = flow.field(h, c.field).clone();
        flow.store
            .constrain(vars, &e, &c.set)
            .map_err(|_| format!("the condition on {} cannot hold", c.field.name()))?;
    }
    let fields = header_fields(&flow, 0);
    Ok(Injected { flow, fields })
}

/// The fields of the headers from `from` on, named by kind and
/// occurrence (`ip.src`, then `ip.src#2` for an inner header).
fn header_fields(flow: &Flow, from: usize) -> Vec<(String, Expr)> {
    let mut seen: HashMap<HeaderKind, usize> = HashMap::new();
    let mut out = Vec::new();
    for h in &flow.headers[from.min(flow.headers.len())..] {
        let n = seen.entry(h.kind).or_insert(0);
        *n += 1;
        for &f in h.kind.fields() {
            let name = if *n == 1 {
                f.name().to_string()
            } else {
                format!("{}#{n}", f.name())
            };
            out.push((name, h.get(f).clone()));
        }
    }
    out
}

fn path_report(net: &Network, vars: &Vars, flow: &Flow) -> PathReport {
    let fields = header_fields(flow, flow.head)
        .into_iter()
        .map(|(name, e)| {
            let r = flow.store.resolve(&e);
            let field = Field::parse(name.split('#').next().unwrap_or(&name));
            let fmt = field.map(|f| f.format()).unwrap_or_default();
            let value = match r.as_const() {
                Some(c) => fmt.show(c),
                None => r.display(vars).to_string(),
            };
            let poss = flow.store.possible(vars, &r);
            let constraint = if r.as_const().is_some() || poss.is_full(r.width) {
                String::new()
            } else {
                poss.describe(&name, r.width, &|x| fmt.show(x))
            };
            (name, value, constraint)
        })
        .collect();
    PathReport {
        history: flow
            .history
            .places()
            .into_iter()
            .map(|p| net.place_name(p))
            .collect(),
        fields,
        notes: flow.notes.iter().map(|n| n.to_string()).collect(),
    }
}

/// A value a packet commonly has in this field.
fn typical_value(name: &str) -> Option<u64> {
    Some(match name {
        "eth.dst" => 0x0200_0000_0002,
        "eth.src" => 0x0200_0000_0001,
        "eth.type" => 0x0800,
        "ip.len" => 60,
        "ip.id" => 1,
        "ip.frag" => 0x4000,
        "ip.ttl" => 64,
        "ip.proto" => 6,
        "ip.src" => 0x0a00_0001,
        "ip.dst" => 0xc000_020a,
        "sport" => 40000,
        "dport" => 80,
        "tcp.seq" => 1000,
        "tcp.flags" => 0x02,
        "tcp.win" => 65535,
        _ => return None,
    })
}

/// Concrete values for the injected packet's fields (and any variable a
/// middlebox chose) under the flow's constraints.
fn witness(
    vars: &Vars,
    store: &Store,
    injected: &[(String, Expr)],
    prefer: &HashMap<Var, u64>,
) -> Vec<(String, String)> {
    let mut wanted: Vec<Var> = Vec::new();
    for (_, e) in injected {
        wanted.extend(e.vars());
    }
    let extra: Vec<Var> = store
        .constrained_vars()
        .into_iter()
        .filter(|v| vars.info(*v).kind != VarKind::Input)
        .chain(prefer.keys().copied())
        .collect();
    wanted.extend(extra.iter().copied());
    wanted.sort();
    wanted.dedup();
    // Ordinary values where the constraints allow them, so that a witness
    // reads like a packet someone would send.
    let mut preferred = prefer.clone();
    for (name, e) in injected {
        if let (Some(v), Some(typical)) = (e.as_var(), typical_value(name)) {
            preferred.entry(v).or_insert(typical);
        }
    }
    let Some(values) = store.witness(vars, &wanted, &preferred) else {
        return vec![("note".into(), "no concrete packet found".into())];
    };
    let value_of = |v: Var| values.get(&v).copied().unwrap_or(0);
    let mut out: Vec<(String, String)> = injected
        .iter()
        .map(|(name, e)| {
            let field = Field::parse(name.split('#').next().unwrap_or(name));
            let fmt = field.map(|f| f.format()).unwrap_or_default();
            (name.clone(), fmt.show(store.resolve(e).eval(&value_of)))
        })
        .collect();
    let mut extra = extra;
    extra.sort();
    extra.dedup();
    for v in extra {
        let info = vars.info(v);
        let e = store.resolve(&Expr::var(v, info.width));
        out.push((info.name.clone(), info.format.show(e.eval(&value_of))));
    }
    out
}

/// The death that explains best why nothing arrived: memory violations
/// first, then the flow that got furthest.
fn best_death(deaths: &[(Place, Death)]) -> Option<&(Place, Death)> {
    deaths.iter().max_by_key(|(_, d)| {
        (
            d.kind == DeathKind::Memory,
            d.kind != DeathKind::Dropped,
            d.flow.history.len(),
        )
    })
}

#[allow(clippy::too_many_arguments)] // every part of a failure report is needed
fn fail_report(
    net: &Network,
    vars: &Vars,
    verdict: &str,
    at: Place,
    reason: String,
    flow: &Flow,
    injected: &[(String, Expr)],
    prefer: &HashMap<Var, u64>,
) -> Report {
    Report {
        verdict: verdict.to_string(),
        at: Some(net.place_name(at)),
        reason: Some(reason),
        history: flow
            .history
            .places()
            .into_iter()
            .map(|p| net.place_name(p))
            .collect(),
        witness: witness(vars, &flow.store, injected, prefer),
        ..Report::default()
    }
}

fn unmodelled_in(net: &Network, outcome: &Outcome) -> Vec<String> {
    let mut out: Vec<String> = outcome
        .deaths
        .iter()
        .filter(|(_, d)| d.reason.contains("has no symbolic model"))
        .map(|(p, d)| format!("{} ({})", net.place_name(*p), d.reason))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn memsafe_report(
    net: &Network,
    vars: &Vars,
    outcome: &Outcome,
    injected: &[(String, Expr)],
) -> Option<Report> {
    let (place, d) = outcome
        .deaths
        .iter()
        .find(|(_, d)| d.kind == DeathKind::Memory)?;
    let node = &net.nodes[place.node as usize];
    let mut r = fail_report(
        net,
        vars,
        "MEMSAFE-VIOLATION",
        *place,
        d.reason.clone(),
        &d.flow,
        injected,
        &HashMap::new(),
    );
    r.at = Some(format!(
        "{}:{}",
        node.name, node.graph.elements[place.element as usize].name
    ));
    Some(r)
}

fn reach(net: &Network, from: Place, to: Place, when: &[Cond]) -> Report {
    let mut vars = net.vars.clone();
    let inj = match inject(&mut vars, when) {
        Ok(i) => i,
        Err(reason) => {
            return Report {
                verdict: "UNREACHABLE".into(),
                at: Some(net.place_name(from)),
                reason: Some(reason),
                ..Report::default()
            };
        }
    };
    let start = inj.flow.store.clone();
    let outcome = explore(net, &mut vars, from, inj.flow.clone(), &|p| p == to);
    let unmodelled = unmodelled_in(net, &outcome);
    if let Some(mut r) = memsafe_report(net, &vars, &outcome, &inj.fields) {
        r.paths = outcome
            .delivered
            .iter()
            .map(|f| path_report(net, &vars, f))
            .collect();
        r.unmodelled = unmodelled;
        return r;
    }
    if outcome.delivered.is_empty() {
        let mut r = match best_death(&outcome.deaths) {
            Some((place, d)) => fail_report(
                net,
                &vars,
                "UNREACHABLE",
                *place,
                d.reason.clone(),
                &d.flow,
                &inj.fields,
                &HashMap::new(),
            ),
            None => match outcome.exits.first() {
                Some((p, f)) => fail_report(
                    net,
                    &vars,
                    "UNREACHABLE",
                    *p,
                    format!("leaves the network by output {} (linked nowhere)", p.port),
                    f,
                    &inj.fields,
                    &HashMap::new(),
                ),
                None => Report {
                    verdict: "UNREACHABLE".into(),
                    at: Some(net.place_name(from)),
                    reason: Some("no flow leaves the starting place".into()),
                    ..Report::default()
                },
            },
        };
        r.unmodelled = unmodelled;
        return r;
    }
    // Conditions each path adds to what the query assumed.
    let mut conditions: Vec<String> = Vec::new();
    let mut unconditional = false;
    for f in &outcome.delivered {
        let added: Vec<String> = f
            .store
            .constrained_vars()
            .into_iter()
            .filter(|&v| f.store.describe_var(&vars, v) != start.describe_var(&vars, v))
            .flat_map(|v| f.store.describe_var(&vars, v))
            .collect();
        if added.is_empty() {
            unconditional = true;
        } else {
            let c = added.join(" and ");
            if !conditions.contains(&c) {
                conditions.push(c);
            }
        }
    }
    let paths = outcome
        .delivered
        .iter()
        .map(|f| path_report(net, &vars, f))
        .collect();
    let (verdict, condition) = if unconditional {
        ("REACHABLE", None)
    } else if conditions.len() == 1 {
        ("REACHABLE-IF", Some(conditions[0].clone()))
    } else {
        (
            "REACHABLE-IF",
            Some(
                conditions
                    .iter()
                    .map(|c| format!("({c})"))
                    .collect::<Vec<_>>()
                    .join(" or "),
            ),
        )
    };
    Report {
        verdict: verdict.into(),
        condition,
        paths,
        unmodelled,
        ..Report::default()
    }
}

/// The IPv4 header a host looks at: the annotated one, else the first
/// from the data pointer.
fn host_ip(flow: &Flow) -> Option<usize> {
    if let Ok(i) = flow.ip() {
        return Some(i);
    }
    (flow.head..flow.headers.len()).find(|&i| flow.headers[i].kind == HeaderKind::Ipv4)
}

/// How a required equality fares under a flow's constraints.
enum Check {
    Holds,
    /// Cannot hold for any packet.
    Never,
    /// Holds only for some choices: these values break it.
    Only(String, HashMap<Var, u64>),
}

/// An endpoint's check holds only when the flow's constraints imply it:
/// a host's own address and ports are what they are, not whatever would
/// make the answer fit.
fn check_eq(vars: &Vars, flow: &mut Flow, got: &Expr, want: &Expr, what: &str) -> Check {
    let mut broken = flow.store.clone();
    if broken.assert_ne(vars, got, want).is_err() {
        return Check::Holds;
    }
    let mut s = flow.store.clone();
    if s.assert_eq(vars, got, want).is_err() {
        return Check::Never;
    }
    let cond = format!(
        "{} = {}",
        show_expr(vars, &flow.store, got, what),
        show_expr(vars, &flow.store, want, what)
    );
    let mut prefer = HashMap::new();
    let chosen: Vec<Var> = broken
        .constrained_vars()
        .into_iter()
        .filter(|&v| vars.info(v).kind != VarKind::Input)
        .collect();
    if let Some(w) = broken.witness(vars, &chosen, &HashMap::new()) {
        for v in &chosen {
            prefer.insert(*v, w[v]);
        }
    }
    flow.store = broken;
    Check::Only(cond, prefer)
}

/// Writes the server's answer numbers into the packet it received. The
/// server place's element turns that packet round as `IPMirror` does —
/// addresses, ports, and the sequence and acknowledgment numbers swapped
/// — so the answer's sequence number goes in the acknowledgment slot and
/// its acknowledgment in the sequence slot.
fn answer_numbers(flow: &mut Flow, tr: usize, seq: Expr, ack: Expr) {
    flow.set_field(tr, Field::TcpAck, seq);
    flow.set_field(tr, Field::TcpSeq, ack);
}

fn tcp_connect(net: &Network, client: Place, server: Place, when: &[Cond]) -> Report {
    let mut vars = net.vars.clone();
    let mut conds = vec![
        Cond {
            field: Field::IpProto,
            param: None,
            set: IntervalSet::point(6),
        },
        Cond {
            field: Field::TcpFlags,
            param: None,
            set: IntervalSet::point(tcp_flags::SYN),
        },
    ];
    conds.extend(when.iter().cloned());
    let mut inj = match inject(&mut vars, &conds) {
        Ok(i) => i,
        Err(reason) => {
            return Report {
                verdict: "NOT-CONNECTED".into(),
                at: Some(net.place_name(client)),
                reason: Some(reason),
                ..Report::default()
            };
        }
    };
    let original = inj.flow.headers.clone();
    let field = |f: Field| {
        original[if f.header() == HeaderKind::Ipv4 { 1 } else { 2 }]
            .get(f)
            .clone()
    };
    let (c_src, c_dst, c_sport, c_dport, c_seq) = (
        field(Field::IpSrc),
        field(Field::IpDst),
        field(Field::SrcPort),
        field(Field::DstPort),
        field(Field::TcpSeq),
    );
    inj.flow
        .set_state("tcp/client.expect_ack", c_seq.add_const(1));
    let fields = inj.fields.clone();
    let mut last_failure: Option<Report> = None;
    let fail = |r: Report, last: &mut Option<Report>| {
        let better = match last {
            None => true,
            Some(l) => r.history.len() > l.history.len(),
        };
        if better {
            *last = Some(r);
        }
    };

    // Leg 1: the SYN.
    let leg1 = explore(net, &mut vars, client, inj.flow.clone(), &|p| p == server);
    if let Some(r) = memsafe_report(net, &vars, &leg1, &fields) {
        return r;
    }
    let unmodelled = unmodelled_in(net, &leg1);
    if leg1.delivered.is_empty() {
        let mut r = match best_death(&leg1.deaths) {
            Some((p, d)) => fail_report(
                net,
                &vars,
                "NOT-CONNECTED",
                *p,
                format!("SYN: {}", d.reason),
                &d.flow,
                &fields,
                &HashMap::new(),
            ),
            None => Report {
                verdict: "NOT-CONNECTED".into(),
                at: Some(net.place_name(client)),
                reason: Some("SYN: no flow reaches the server".into()),
                ..Report::default()
            },
        };
        r.unmodelled = unmodelled;
        return r;
    }
    for f1 in leg1.delivered {
        // The server answers: SYN/ACK, its own ISN, acknowledging seq + 1.
        let mut f2 = f1.clone();
        let Some(ip) = host_ip(&f2) else {
            fail(
                fail_report(
                    net,
                    &vars,
                    "NOT-CONNECTED",
                    server,
                    "SYN arrives without an IPv4 header".into(),
                    &f1,
                    &fields,
                    &HashMap::new(),
                ),
                &mut last_failure,
            );
            continue;
        };
        let tr = ip + 1;
        if f2.headers.get(tr).map(|h| h.kind) != Some(HeaderKind::Transport) {
            fail(
                fail_report(
                    net,
                    &vars,
                    "NOT-CONNECTED",
                    server,
                    "SYN arrives without a TCP header".into(),
                    &f1,
                    &fields,
                    &HashMap::new(),
                ),
                &mut last_failure,
            );
            continue;
        }
        let seen: Vec<(Field, Expr)> = [Field::IpSrc, Field::IpDst]
            .iter()
            .map(|&f| (f, f2.field(ip, f).clone()))
            .chain(
                [Field::SrcPort, Field::DstPort]
                    .iter()
                    .map(|&f| (f, f2.field(tr, f).clone())),
            )
            .collect();
        let isn = vars.fresh("server.isn", 32, VarKind::Choice);
        let recv_seq = f2.field(tr, Field::TcpSeq).clone();
        f2.set_field(
            tr,
            Field::TcpFlags,
            Expr::constant(tcp_flags::SYN | tcp_flags::ACK, 8),
        );
        answer_numbers(&mut f2, tr, Expr::var(isn, 32), recv_seq.add_const(1));
        f2.set_state("tcp/server.expect_ack", Expr::var(isn, 32).add_const(1));
        // Leg 2: the SYN/ACK, back to the client's box.
        let cnode = client.node;
        // Each leg is a new packet: coming back to places an earlier leg
        // crossed is not a loop.
        f2.visits = imbl::HashMap::new();
        let leg2 = explore(net, &mut vars, server, f2, &|p| p.node == cnode);
        if let Some(r) = memsafe_report(net, &vars, &leg2, &fields) {
            return r;
        }
        if leg2.delivered.is_empty() {
            let r = match best_death(&leg2.deaths) {
                Some((p, d)) => fail_report(
                    net,
                    &vars,
                    "NOT-CONNECTED",
                    *p,
                    format!("SYN/ACK: {}", d.reason),
                    &d.flow,
                    &fields,
                    &HashMap::new(),
                ),
                None => match leg2.exits.first() {
                    Some((p, f)) => fail_report(
                        net,
                        &vars,
                        "NOT-CONNECTED",
                        *p,
                        "SYN/ACK: leaves the network without reaching the client".into(),
                        f,
                        &fields,
                        &HashMap::new(),
                    ),
                    None => fail_report(
                        net,
                        &vars,
                        "NOT-CONNECTED",
                        server,
                        "SYN/ACK: the server sends nothing back".into(),
                        &f1,
                        &fields,
                        &HashMap::new(),
                    ),
                },
            };
            fail(r, &mut last_failure);
            continue;
        }
        'answers: for mut g in leg2.delivered {
            let at = *g
                .history
                .places()
                .last()
                .expect("delivered flows have a history");
            let Some(ip) = host_ip(&g) else {
                fail(
                    fail_report(
                        net,
                        &vars,
                        "NOT-CONNECTED",
                        at,
                        "SYN/ACK arrives without an IPv4 header".into(),
                        &g,
                        &fields,
                        &HashMap::new(),
                    ),
                    &mut last_failure,
                );
                continue;
            };
            let tr = ip + 1;
            if g.headers.get(tr).map(|h| h.kind) != Some(HeaderKind::Transport) {
                fail(
                    fail_report(
                        net,
                        &vars,
                        "NOT-CONNECTED",
                        at,
                        "SYN/ACK arrives without a TCP header".into(),
                        &g,
                        &fields,
                        &HashMap::new(),
                    ),
                    &mut last_failure,
                );
                continue;
            }
            let expect_ack = g
                .state("tcp/client.expect_ack")
                .cloned()
                .unwrap_or_else(|| c_seq.add_const(1));
            let checks = [
                (
                    "destination address",
                    g.field(ip, Field::IpDst).clone(),
                    c_src.clone(),
                ),
                (
                    "source address",
                    g.field(ip, Field::IpSrc).clone(),
                    c_dst.clone(),
                ),
                (
                    "destination port",
                    g.field(tr, Field::DstPort).clone(),
                    c_sport.clone(),
                ),
                (
                    "source port",
                    g.field(tr, Field::SrcPort).clone(),
                    c_dport.clone(),
                ),
                (
                    "flags",
                    g.field(tr, Field::TcpFlags).clone(),
                    Expr::constant(tcp_flags::SYN | tcp_flags::ACK, 8),
                ),
                ("ack", g.field(tr, Field::TcpAck).clone(), expect_ack),
            ];
            for (what, got, want) in checks {
                match check_eq(&vars, &mut g, &got, &want, what) {
                    Check::Holds => {}
                    Check::Never => {
                        let reason = format!(
                            "state mismatch: SYN/ACK {what} is {} where the client expects {}",
                            show_expr(&vars, &g.store, &got, what),
                            show_expr(&vars, &g.store, &want, what)
                        );
                        fail(
                            fail_report(
                                net,
                                &vars,
                                "NOT-CONNECTED",
                                at,
                                reason,
                                &g,
                                &fields,
                                &HashMap::new(),
                            ),
                            &mut last_failure,
                        );
                        continue 'answers;
                    }
                    Check::Only(cond, prefer) => {
                        let reason = format!("SYN/ACK {what} matches only if {cond}");
                        fail(
                            fail_report(
                                net,
                                &vars,
                                "NOT-CONNECTED",
                                at,
                                reason,
                                &g,
                                &fields,
                                &prefer,
                            ),
                            &mut last_failure,
                        );
                        continue 'answers;
                    }
                }
            }
            // Leg 3: the client's ACK, with its own addressing again.
            let mut f3 = g.clone();
            let server_seq = g.field(tr, Field::TcpSeq).clone();
            f3.headers = original.clone();
            f3.head = 0;
            f3.net = None;
            f3.annos = imbl::HashMap::new();
            f3.set_field(2, Field::TcpFlags, Expr::constant(tcp_flags::ACK, 8));
            f3.set_field(2, Field::TcpSeq, c_seq.add_const(1));
            f3.set_field(2, Field::TcpAck, server_seq.add_const(1));
            f3.visits = imbl::HashMap::new();
            let leg3 = explore(net, &mut vars, client, f3, &|p| p == server);
            if let Some(r) = memsafe_report(net, &vars, &leg3, &fields) {
                return r;
            }
            if leg3.delivered.is_empty() {
                let r = match best_death(&leg3.deaths) {
                    Some((p, d)) => fail_report(
                        net,
                        &vars,
                        "NOT-CONNECTED",
                        *p,
                        format!("ACK: {}", d.reason),
                        &d.flow,
                        &fields,
                        &HashMap::new(),
                    ),
                    None => fail_report(
                        net,
                        &vars,
                        "NOT-CONNECTED",
                        client,
                        "ACK: no flow reaches the server".into(),
                        &g,
                        &fields,
                        &HashMap::new(),
                    ),
                };
                fail(r, &mut last_failure);
                continue;
            }
            'acks: for mut h in leg3.delivered {
                let Some(ip) = host_ip(&h) else { continue };
                let tr = ip + 1;
                if h.headers.get(tr).map(|x| x.kind) != Some(HeaderKind::Transport) {
                    continue;
                }
                let expect = h
                    .state("tcp/server.expect_ack")
                    .cloned()
                    .expect("set on leg 2");
                let mut checks: Vec<(&str, Expr, Expr)> = seen
                    .iter()
                    .map(|(f, e)| {
                        let i = if f.header() == HeaderKind::Ipv4 {
                            ip
                        } else {
                            tr
                        };
                        (f.name(), h.field(i, *f).clone(), e.clone())
                    })
                    .collect();
                checks.push(("ack", h.field(tr, Field::TcpAck).clone(), expect));
                for (what, got, want) in checks {
                    match check_eq(&vars, &mut h, &got, &want, what) {
                        Check::Holds => {}
                        Check::Never => {
                            let reason = format!(
                                "state mismatch: ACK {what} is {} where the server expects {}",
                                show_expr(&vars, &h.store, &got, what),
                                show_expr(&vars, &h.store, &want, what)
                            );
                            fail(
                                fail_report(
                                    net,
                                    &vars,
                                    "NOT-CONNECTED",
                                    server,
                                    reason,
                                    &h,
                                    &fields,
                                    &HashMap::new(),
                                ),
                                &mut last_failure,
                            );
                            continue 'acks;
                        }
                        Check::Only(cond, prefer) => {
                            let reason = format!("ACK {what} matches only if {cond}");
                            fail(
                                fail_report(
                                    net,
                                    &vars,
                                    "NOT-CONNECTED",
                                    server,
                                    reason,
                                    &h,
                                    &fields,
                                    &prefer,
                                ),
                                &mut last_failure,
                            );
                            continue 'acks;
                        }
                    }
                }
                // Choices the legs themselves narrowed.
                let narrowed: Vec<Var> = h
                    .store
                    .constrained_vars()
                    .into_iter()
                    .filter(|&v| vars.info(v).kind == VarKind::Choice)
                    .collect();
                if !narrowed.is_empty() {
                    let cond: Vec<String> = narrowed
                        .iter()
                        .flat_map(|&v| h.store.describe_var(&vars, v))
                        .collect();
                    let reason = format!("connects only if {}", cond.join(" and "));
                    fail(
                        fail_report(
                            net,
                            &vars,
                            "NOT-CONNECTED",
                            server,
                            reason,
                            &h,
                            &fields,
                            &HashMap::new(),
                        ),
                        &mut last_failure,
                    );
                    continue;
                }
                let mut r = Report {
                    verdict: "CONNECTED".into(),
                    paths: vec![path_report(net, &vars, &h)],
                    unmodelled: unmodelled.clone(),
                    ..Report::default()
                };
                let cond: Vec<String> = h
                    .store
                    .constrained_vars()
                    .into_iter()
                    .filter(|&v| vars.info(v).kind == VarKind::Param)
                    .flat_map(|v| h.store.describe_var(&vars, v))
                    .collect();
                if !cond.is_empty() {
                    r.paths[0]
                        .notes
                        .push(format!("parameters: {}", cond.join(" and ")));
                }
                r.established = Some(Box::new((h.clone(), vars.clone())));
                return r;
            }
        }
    }
    let mut r = last_failure.unwrap_or_else(|| Report {
        verdict: "NOT-CONNECTED".into(),
        at: Some(net.place_name(server)),
        reason: Some("no answer reaches the client".into()),
        ..Report::default()
    });
    r.unmodelled = unmodelled;
    r
}

fn show_expr(vars: &Vars, store: &Store, e: &Expr, what: &str) -> String {
    let r = store.resolve(e);
    match r.as_const() {
        Some(c) if what.contains("address") || what.starts_with("ip.") => {
            crate::expr::Format::Ipv4.show(c)
        }
        Some(c) => c.to_string(),
        None => r.display(vars).to_string(),
    }
}

fn invariant(net: &Network, from: Place, to: Place, fields: &[InvTerm]) -> Report {
    let mut vars = net.vars.clone();
    let inj = inject(&mut vars, &[]).expect("no conditions");
    let outcome = explore(net, &mut vars, from, inj.flow.clone(), &|p| p == to);
    if let Some(r) = memsafe_report(net, &vars, &outcome, &inj.fields) {
        return r;
    }
    if outcome.delivered.is_empty() {
        let mut r = reach(net, from, to, &[]);
        r.unmodelled = unmodelled_in(net, &outcome);
        return r;
    }
    let paths: Vec<PathReport> = outcome
        .delivered
        .iter()
        .map(|f| path_report(net, &vars, f))
        .collect();
    let injected_expr = |f: Field| {
        let h = inj
            .flow
            .headers
            .iter()
            .position(|h| h.kind == f.header())
            .expect("injected packet has every header");
        inj.flow.headers[h].get(f).clone()
    };
    for flow in &outcome.delivered {
        let at = *flow.history.places().last().expect("delivered");
        let at_to = |f: Field| {
            (flow.head..flow.headers.len())
                .find(|&i| flow.headers[i].kind == f.header())
                .map(|i| flow.headers[i].get(f).clone())
        };
        for term in fields {
            let fields_of_term: Vec<Field> =
                std::iter::once(term.field).chain(term.minus).collect();
            let mut after = Vec::new();
            for &f in &fields_of_term {
                match at_to(f) {
                    Some(e) => after.push(e),
                    None => {
                        let mut r = fail_report(
                            net,
                            &vars,
                            "INVARIANT-VIOLATED",
                            at,
                            format!("the packet no longer has a {} header", f.header().name()),
                            flow,
                            &inj.fields,
                            &HashMap::new(),
                        );
                        r.condition = Some(term.name());
                        r.paths = paths;
                        return r;
                    }
                }
            }
            let (before, after) = match term.minus {
                Some(m) => (
                    injected_expr(term.field).minus(&injected_expr(m)),
                    after[0].minus(&after[1]),
                ),
                None => (injected_expr(term.field), after[0].clone()),
            };
            let mut differs = flow.store.clone();
            if differs.assert_ne(&vars, &after, &before).is_ok() {
                let fmt = if term.minus.is_some() {
                    crate::expr::Format::Decimal
                } else {
                    term.field.format()
                };
                let show = |e: &Expr| match flow.store.resolve(e).as_const() {
                    Some(c) => fmt.show(c),
                    None => flow.store.resolve(e).display(&vars).to_string(),
                };
                let reason = format!(
                    "{} becomes {} (was {})",
                    term.name(),
                    show(&after),
                    show(&before)
                );
                let mut r = fail_report(
                    net,
                    &vars,
                    "INVARIANT-VIOLATED",
                    at,
                    reason,
                    flow,
                    &inj.fields,
                    &HashMap::new(),
                );
                r.witness = witness(&vars, &differs, &inj.fields, &HashMap::new());
                let after_value = flow.store.resolve(&after);
                if let Some(values) = differs.witness(
                    &vars,
                    &after_value.vars().collect::<Vec<_>>(),
                    &HashMap::new(),
                ) {
                    let v = after_value.eval(&|x| values.get(&x).copied().unwrap_or(0));
                    r.witness.push((
                        format!("{} at {}", term.name(), net.place_name(at)),
                        fmt.show(v),
                    ));
                }
                r.condition = Some(term.name());
                r.paths = paths;
                return r;
            }
        }
    }
    Report {
        verdict: "INVARIANT-HOLDS".into(),
        paths,
        unmodelled: unmodelled_in(net, &outcome),
        ..Report::default()
    }
}

/// Where flows enter the network: link ends and the devices packets come
/// in by.
fn entry_places(net: &Network) -> Vec<Place> {
    let mut out: Vec<Place> = net.links.values().copied().collect();
    for (ni, n) in net.nodes.iter().enumerate() {
        for (ei, _) in n.graph.elements.iter().enumerate() {
            let has_inputs = n.graph.connections.iter().any(|c| c.to == ei);
            if !has_inputs && n.models[ei].is_device() {
                out.push(Place {
                    node: ni as u32,
                    element: ei as u32,
                    port: 0,
                });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn loops(net: &Network) -> Report {
    let mut vars = net.vars.clone();
    let mut infinite: Vec<Vec<Place>> = Vec::new();
    let mut finite: Vec<(Vec<Place>, u32)> = Vec::new();
    let mut witness_flow: Option<(Flow, Vec<(String, Expr)>)> = None;
    for start in entry_places(net) {
        let inj = inject(&mut vars, &[]).expect("no conditions");
        let outcome = explore(net, &mut vars, start, inj.flow.clone(), &|_| false);
        for l in outcome.loops {
            if l.infinite {
                if !infinite
                    .iter()
                    .any(|c| crate::explore::same_cycle(c, &l.cycle))
                {
                    infinite.push(l.cycle.clone());
                    if witness_flow.is_none() {
                        witness_flow = Some((l.flow.clone(), inj.fields.clone()));
                    }
                }
            } else if let Some(f) = finite
                .iter_mut()
                .find(|(c, _)| crate::explore::same_cycle(c, &l.cycle))
            {
                f.1 = f.1.max(l.passes);
            } else {
                finite.push((l.cycle.clone(), l.passes));
            }
        }
    }
    let names = |c: &[Place]| c.iter().map(|p| net.place_name(*p)).collect::<Vec<_>>();
    if !infinite.is_empty() {
        let (flow, fields) = witness_flow.expect("recorded with the first cycle");
        return Report {
            verdict: "LOOP-INFINITE".into(),
            condition: Some(names(&infinite[0]).join(" > ")),
            cycles: infinite.iter().map(|c| names(c)).collect(),
            witness: witness(&vars, &flow.store, &fields, &HashMap::new()),
            history: names(&flow.history.places()),
            reason: Some("a packet comes back to the same place unchanged".into()),
            at: Some(net.place_name(infinite[0][0])),
            ..Report::default()
        };
    }
    finite.retain(|(c, _)| !infinite.iter().any(|i| crate::explore::same_cycle(i, c)));
    if !finite.is_empty() {
        let bound = finite.iter().map(|f| f.1).max().unwrap_or(0);
        return Report {
            verdict: "LOOP-FINITE".into(),
            condition: Some(format!(
                "{}; at most {bound} passes",
                names(&finite[0].0).join(" > ")
            )),
            cycles: finite.iter().map(|(c, _)| names(c)).collect(),
            ..Report::default()
        };
    }
    Report {
        verdict: "NO-LOOP".into(),
        ..Report::default()
    }
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

fn reach_over(net: &Network, from: Place, to: Place, client: Place, server: Place) -> Report {
    let conn = tcp_connect(net, client, server, &[]);
    let Some(est) = conn.established else {
        let mut r = conn;
        r.verdict = "UNREACHABLE".into();
        r.reason = Some(format!(
            "the connection to carry the request does not open: {}",
            r.reason.clone().unwrap_or_default()
        ));
        return r;
    };
    let (conn_flow, mut vars) = *est;
    // The request, from FROM to the proxy's box.
    let inj = inject_named(&mut vars, &[], "request.").expect("no conditions");
    let snode = server.node;
    let to_proxy = explore(net, &mut vars, from, inj.flow.clone(), &|p| p.node == snode);
    if to_proxy.delivered.is_empty() {
        let mut r = reach(net, from, server, &[]);
        r.verdict = "UNREACHABLE".into();
        return r;
    }
    let mut outcome = Outcome::default();
    for req in &to_proxy.delivered {
        // The proxy answers on the connection: the connection's headers
        // outside, the request's headers inside, state and constraints of
        // both.
        let mut carrier = conn_flow.clone();
        let Some(ip) = host_ip(&carrier) else {
            continue;
        };
        let tr = ip + 1;
        let inner: Vec<crate::flow::Header> = req.headers[req.head.min(req.headers.len())..]
            .iter()
            .filter(|h| h.kind != HeaderKind::Ether)
            .cloned()
            .collect();
        carrier.headers.truncate(tr + 1);
        carrier.headers.extend(inner);
        if carrier.store.absorb(&vars, &req.store).is_err() {
            continue;
        }
        for (k, v) in req.state.iter() {
            carrier.set_state(k, v.clone());
        }
        let next_seq = carrier
            .state("tcp/server.expect_ack")
            .cloned()
            .unwrap_or_else(|| carrier.field(tr, Field::TcpAck).clone());
        let ack = carrier.field(tr, Field::TcpSeq).clone();
        carrier.set_field(
            tr,
            Field::TcpFlags,
            Expr::constant(tcp_flags::ACK | tcp_flags::PSH, 8),
        );
        answer_numbers(&mut carrier, tr, next_seq, ack);
        carrier.visits = imbl::HashMap::new();
        carrier.note(format!(
            "{} forwards the request inside the connection from {}",
            net.place_name(server),
            net.place_name(client)
        ));
        let o = explore(net, &mut vars, server, carrier, &|p| p == to);
        outcome.delivered.extend(o.delivered);
        outcome.deaths.extend(o.deaths);
        outcome.exits.extend(o.exits);
    }
    if outcome.delivered.is_empty() {
        let mut r = match best_death(&outcome.deaths) {
            Some((p, d)) => fail_report(
                net,
                &vars,
                "UNREACHABLE",
                *p,
                d.reason.clone(),
                &d.flow,
                &inj.fields,
                &HashMap::new(),
            ),
            None => Report {
                verdict: "UNREACHABLE".into(),
                at: Some(net.place_name(server)),
                reason: Some("nothing the proxy forwards reaches the destination".into()),
                ..Report::default()
            },
        };
        r.unmodelled = unmodelled_in(net, &outcome);
        return r;
    }
    Report {
        verdict: "REACHABLE".into(),
        paths: outcome
            .delivered
            .iter()
            .map(|f| path_report(net, &vars, f))
            .collect(),
        ..Report::default()
    }
}
