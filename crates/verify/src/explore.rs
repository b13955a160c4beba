//! Symbolic execution over the network: flows are pushed from place to
//! place through element models until they reach a target, die, leave the
//! network, or loop.
//!
//! Key decision: exploration is a depth-first walk with an explicit stack,
//! each flow carrying its own history and the record of the places it has
//! visited. That is Symnet's least fix-point computed path by path: a
//! flow that comes back to a place with the same headers, annotations,
//! state and constraints as at its last visit would repeat forever (an
//! infinite loop) and is stopped; one that comes back changed (a smaller
//! TTL, a narrower constraint) goes round again until it dies, which
//! bounds it.

use crate::expr::Vars;
use crate::flow::{Flow, Place, Visit};
use crate::model::{Cx, Death};
use crate::net::Network;

/// More passes than this through one place, without repeating, are
/// reported as an infinite loop: the flow changes every time round but
/// nothing ends it (e.g. a fresh NAT port each pass).
pub const MAX_PASSES: u32 = 1024;

/// A loop a flow went round.
#[derive(Clone, Debug)]
pub struct LoopSeen {
    /// The places of one pass, starting and ending at the repeated place.
    pub cycle: Vec<Place>,
    /// Infinite: the flow came back unchanged, or never stopped changing.
    pub infinite: bool,
    /// Passes made before the flow died or was stopped.
    pub passes: u32,
    pub flow: Flow,
}

/// Everything one exploration found.
#[derive(Default)]
pub struct Outcome {
    pub delivered: Vec<Flow>,
    pub deaths: Vec<(Place, Death)>,
    /// Flows that left by an output linked nowhere: (element's place with
    /// the output port as `port`, flow).
    pub exits: Vec<(Place, Flow)>,
    pub loops: Vec<LoopSeen>,
    /// Steps taken (element applications).
    pub steps: u64,
}

/// Runs `flow` from `start` until it reaches a place for which `target`
/// is true (it is then delivered, not processed further) or ends.
pub fn explore(
    net: &Network,
    vars: &mut Vars,
    start: Place,
    flow: Flow,
    target: &dyn Fn(Place) -> bool,
) -> Outcome {
    let mut out = Outcome::default();
    let mut stack: Vec<(Place, Flow)> = vec![(start, flow)];
    let mut scope = String::new();
    while let Some((place, mut flow)) = stack.pop() {
        flow.history.push(place);
        let here = flow.history.len() - 1;
        let shape = flow.shape();
        let version = flow.store.version;
        let revisit = flow.visits.get(&place).cloned();
        if let Some(prev) = &revisit {
            let same = prev.shape == shape && prev.version == version;
            if same || prev.count + 1 > MAX_PASSES {
                out.loops.push(LoopSeen {
                    cycle: flow.history.places()[prev.at..].to_vec(),
                    infinite: true,
                    passes: prev.count,
                    flow,
                });
                continue;
            }
        }
        let count = revisit.as_ref().map_or(1, |p| p.count + 1);
        if let Some(prev) = &revisit {
            note_finite_loop(&mut out.loops, &flow, prev, count);
        }
        flow.visits.insert(
            place,
            Visit {
                at: here,
                count,
                shape,
                version,
            },
        );
        if target(place) {
            out.delivered.push(flow);
            continue;
        }
        let node = &net.nodes[place.node as usize];
        scope.clear();
        scope.push_str(&node.name);
        scope.push('/');
        scope.push_str(&node.graph.elements[place.element as usize].name);
        let mut cx = Cx::new(vars, &scope);
        node.models[place.element as usize].apply(usize::from(place.port), flow, &mut cx);
        out.steps += 1;
        let Cx {
            out: emitted,
            deaths,
            ..
        } = cx;
        for d in deaths {
            out.deaths.push((place, d));
        }
        for (port, f) in emitted.into_iter().rev() {
            let port = port as u16;
            let next = net.next_places(place.node, place.element, port);
            match next.len() {
                0 => out.exits.push((
                    Place {
                        node: place.node,
                        element: place.element,
                        port,
                    },
                    f,
                )),
                1 => stack.push((next[0], f)),
                _ => {
                    for p in next {
                        stack.push((p, f.clone()));
                    }
                }
            }
        }
    }
    out
}

/// Runs `flow` as if `place`'s element had just sent it out of `port`
/// (an endpoint's answer leaves by the element's output, not through it).
pub fn explore_after(
    net: &Network,
    vars: &mut Vars,
    place: Place,
    port: u16,
    flow: Flow,
    target: &dyn Fn(Place) -> bool,
) -> Outcome {
    let next = net.next_places(place.node, place.element, port);
    if next.is_empty() {
        let mut out = Outcome::default();
        out.exits.push((
            Place {
                node: place.node,
                element: place.element,
                port,
            },
            flow,
        ));
        return out;
    }
    let mut all = Outcome::default();
    for p in next {
        let o = explore(net, vars, p, flow.clone(), target);
        all.delivered.extend(o.delivered);
        all.deaths.extend(o.deaths);
        all.exits.extend(o.exits);
        all.loops.extend(o.loops);
        all.steps += o.steps;
    }
    all
}

/// Records (or updates) a loop that ends: the flow came back changed.
fn note_finite_loop(loops: &mut Vec<LoopSeen>, flow: &Flow, prev: &Visit, count: u32) {
    let places = flow.history.places();
    let cycle = places[prev.at..].to_vec();
    if let Some(l) = loops
        .iter_mut()
        .find(|l| !l.infinite && same_cycle(&l.cycle, &cycle))
    {
        l.passes = l.passes.max(count - 1);
        return;
    }
    loops.push(LoopSeen {
        cycle,
        infinite: false,
        passes: count - 1,
        flow: flow.clone(),
    });
}

/// Whether two cycles are the same ring of places.
pub fn same_cycle(a: &[Place], b: &[Place]) -> bool {
    let ring = |c: &[Place]| -> Vec<Place> {
        let mut r: Vec<Place> = c[..c.len().saturating_sub(1)].to_vec();
        if let Some(min) = r
            .iter()
            .enumerate()
            .min_by_key(|(_, p)| **p)
            .map(|(i, _)| i)
        {
            r.rotate_left(min);
        }
        r
    };
    ring(a) == ring(b)
}
