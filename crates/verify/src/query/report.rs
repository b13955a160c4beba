//! Reports: what a query answers, how it is written (text and JSON), and
//! the pieces every query uses to build one (injected packets, paths,
//! witnesses, the death that explains a "no").

use super::*;

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

/// The injected packet: a fresh Ethernet frame with `when` applied.
pub(super) struct Injected {
    pub(super) flow: Flow,
    /// The injected headers' field expressions, for witnesses.
    pub(super) fields: Vec<(String, Expr)>,
}

pub(super) fn inject(vars: &mut Vars, when: &[Cond]) -> Result<Injected, String> {
    inject_named(vars, when, "")
}

pub(super) fn inject_named(
    vars: &mut Vars,
    when: &[Cond],
    prefix: &str,
) -> Result<Injected, String> {
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
pub(super) fn header_fields(flow: &Flow, from: usize) -> Vec<(String, Expr)> {
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

pub(super) fn path_report(net: &Network, vars: &Vars, flow: &Flow) -> PathReport {
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
pub(super) fn typical_value(name: &str) -> Option<u64> {
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
pub(super) fn witness(
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
pub(super) fn best_death(deaths: &[(Place, Death)]) -> Option<&(Place, Death)> {
    deaths.iter().max_by_key(|(_, d)| {
        (
            d.kind == DeathKind::Memory,
            d.kind != DeathKind::Dropped,
            d.flow.history.len(),
        )
    })
}

#[allow(clippy::too_many_arguments)] // every part of a failure report is needed
pub(super) fn fail_report(
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

pub(super) fn unmodelled_in(net: &Network, outcome: &Outcome) -> Vec<String> {
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

pub(super) fn memsafe_report(
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

/// What ends a query when nothing reached its destination.
pub(super) struct NoArrival<'a> {
    pub verdict: &'a str,
    /// Put before a death's reason (`"SYN: "`).
    pub leg: &'a str,
    /// How to tell a flow that left by an output linked nowhere, if such
    /// flows explain the answer.
    pub exit_reason: Option<&'a dyn Fn(Place) -> String>,
    /// When no flow died or left: the place and reason, with the flow to
    /// draw a witness from if there is one.
    pub otherwise: (Place, String, Option<&'a Flow>),
}

/// The report for an outcome that delivered nothing: the death that
/// explains best, else a flow that left the network, else `otherwise`.
pub(super) fn nothing_arrived(
    net: &Network,
    vars: &Vars,
    outcome: &Outcome,
    fields: &[(String, Expr)],
    how: NoArrival<'_>,
) -> Report {
    let report = |at: Place, reason: String, flow: &Flow| {
        fail_report(
            net,
            vars,
            how.verdict,
            at,
            reason,
            flow,
            fields,
            &HashMap::new(),
        )
    };
    if let Some((p, d)) = best_death(&outcome.deaths) {
        return report(*p, format!("{}{}", how.leg, d.reason), &d.flow);
    }
    if let (Some(exit_reason), Some((p, f))) = (how.exit_reason, outcome.exits.first()) {
        return report(*p, exit_reason(*p), f);
    }
    let (at, reason, flow) = how.otherwise;
    match flow {
        Some(f) => report(at, reason, f),
        None => Report {
            verdict: how.verdict.into(),
            at: Some(net.place_name(at)),
            reason: Some(reason),
            ..Report::default()
        },
    }
}
