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
