//! `inv FROM TO: FIELDS`: fields (or differences of fields) unchanged
//! between two places, for every packet.

use super::*;

pub(super) fn invariant(net: &Network, from: Place, to: Place, fields: &[InvTerm]) -> Report {
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
    compare(net, &vars, &inj, outcome, fields)
}

/// `inv FROM TO: FIELDS over CLIENT SERVER`: the connection CLIENT opens
/// to SERVER is established; then the server sends a segment on it (its
/// next sequence number, acknowledging the client's, a SACK block of its
/// own), out of FROM's element; the terms must arrive at TO unchanged.
/// This is how a property of translated numbers (SACK edges moving with
/// the acknowledgment through an ISN randomiser) is checked: only a
/// packet of the connection carries the state that translates it.
pub(super) fn invariant_over(
    net: &Network,
    (from, to): (Place, Place),
    fields: &[InvTerm],
    (client, server): (Place, Place),
) -> Report {
    let conn = tcp_connect(net, client, server, &[]);
    let Some(est) = conn.established else {
        let mut r = conn;
        r.reason = Some(format!(
            "the connection does not open: {}",
            r.reason.clone().unwrap_or_default()
        ));
        return r;
    };
    let (mut seg, mut vars) = *est;
    let Some(ip) = host_ip(&seg) else {
        return Report {
            verdict: "NOT-CONNECTED".into(),
            at: Some(net.place_name(server)),
            reason: Some("the connection has no IPv4 header at the server".into()),
            ..Report::default()
        };
    };
    let tr = ip + 1;
    server_segment(&mut seg, ip, tr);
    // A SACK block the server reports, in the client's numbers as the
    // server sees them.
    let edge = vars.fresh("server.sack", 32, VarKind::Input);
    seg.set_field(tr, Field::TcpSack, Expr::var(edge, 32));
    seg.visits = imbl::HashMap::new();
    // What the terms compare against: the segment as sent.
    let sent = Injected {
        flow: {
            let mut f = seg.clone();
            f.headers = f.headers[f.head.min(f.headers.len())..].to_vec();
            f.head = 0;
            f
        },
        fields: header_fields(&seg, seg.head),
    };
    let outcome = explore_after(net, &mut vars, from, 0, seg, &|p| p == to);
    if let Some(r) = memsafe_report(net, &vars, &outcome, &sent.fields) {
        return r;
    }
    if outcome.delivered.is_empty() {
        let mut r = nothing_arrived(
            net,
            &vars,
            &outcome,
            &sent.fields,
            NoArrival {
                verdict: "UNREACHABLE",
                leg: "",
                exit_reason: None,
                otherwise: (
                    from,
                    "the server's segment does not reach the destination".into(),
                    None,
                ),
            },
        );
        r.unmodelled = unmodelled_in(net, &outcome);
        return r;
    }
    compare(net, &vars, &sent, outcome, fields)
}

/// Compares each term of the packet as injected (`inj`) with the same term
/// where each delivered flow arrived.
fn compare(
    net: &Network,
    vars: &Vars,
    inj: &Injected,
    outcome: Outcome,
    fields: &[InvTerm],
) -> Report {
    let vars = vars.clone();
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
