//! `reach FROM -> TO [when C]`.

use super::*;

pub(super) fn reach(net: &Network, from: Place, to: Place, when: &[Cond]) -> Report {
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
        let exit = |p: Place| format!("leaves the network by output {} (linked nowhere)", p.port);
        let mut r = nothing_arrived(
            net,
            &vars,
            &outcome,
            &inj.fields,
            NoArrival {
                verdict: "UNREACHABLE",
                leg: "",
                exit_reason: Some(&exit),
                otherwise: (from, "no flow leaves the starting place".into(), None),
            },
        );
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
