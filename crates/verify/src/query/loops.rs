//! `loops`: flows injected where traffic enters the network, told apart
//! by whether they come back unchanged (infinite) or changed (finite).

use super::*;

/// Where flows enter the network: link ends and the devices packets come
/// in by.
pub(super) fn entry_places(net: &Network) -> Vec<Place> {
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

pub(super) fn loops(net: &Network) -> Report {
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
