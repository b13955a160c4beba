//! Symbolic models of the routing elements: the route lookups,
//! `IPMirror`, `GetIPAddress`, `SetIPAddress`.
//!
//! A route table is turned, once, into the share of the address space
//! each (output, gateway) pair gets by longest-prefix match, so a flow
//! forks once per output used, not once per prefix: 100,000 routes over
//! 16 ports give at most 16 flows.

use verify::{
    Anno, Cx, Expr, Field, Flow, IntervalSet, Model, ModelArgs, ModelError, ModelRegistry,
};

use super::table::parse_route;

pub fn register(r: &mut ModelRegistry) {
    for class in [
        "LinearIPLookup",
        "RadixIPLookup",
        "DirectIPLookup",
        "StaticIPLookup",
        "LookupIPRoute",
    ] {
        r.add(class, lookup);
    }
    r.add("IPMirror", ip_mirror);
    r.add("GetIPAddress", get_ip_address);
    r.add("SetIPAddress", set_ip_address);
}

/// The (output, gateway) groups and the addresses each gets.
struct Lookup {
    groups: Vec<(usize, u32, IntervalSet)>,
}

/// Longest-prefix match as disjoint address ranges per route label: a
/// sweep over prefixes sorted by start, outer before inner.
pub fn lpm_partition(routes: &[(u32, u8, usize)]) -> Vec<Vec<(u64, u64)>> {
    let labels = routes.iter().map(|r| r.2).max().map_or(0, |m| m + 1);
    let mut out = vec![Vec::new(); labels];
    let mut sorted: Vec<(u64, u64, u8, usize)> = routes
        .iter()
        .map(|&(addr, len, label)| {
            let set = IntervalSet::prefix(addr, len);
            let (a, b) = set.ranges()[0];
            (a, b, len, label)
        })
        .collect();
    // The first of equal prefixes wins (Click keeps the first route).
    sorted.sort_by_key(|r| (r.0, r.2));
    sorted.dedup_by_key(|r| (r.0, r.2));
    let mut stack: Vec<(u64, usize)> = Vec::new();
    let mut cursor = 0u64;
    let emit = |a: u64, b: u64, label: usize, out: &mut Vec<Vec<(u64, u64)>>| {
        if a <= b {
            out[label].push((a, b));
        }
    };
    for (start, end, _, label) in sorted {
        while let Some(&(e, l)) = stack.last() {
            if e < start {
                emit(cursor, e, l, &mut out);
                cursor = e + 1;
                stack.pop();
            } else {
                break;
            }
        }
        if let Some(&(_, l)) = stack.last()
            && start > cursor
        {
            emit(cursor, start - 1, l, &mut out);
        }
        cursor = start;
        stack.push((end, label));
    }
    while let Some((e, l)) = stack.pop() {
        emit(cursor, e, l, &mut out);
        cursor = e + 1;
    }
    out
}

impl Model for Lookup {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let dst = flow.anno(Anno::DstIp);
        let mut rest = Some(flow);
        for (out, gw, set) in &self.groups {
            let Some(f) = rest.take() else { break };
            let (yes, no) = cx.split(&f, &dst, set);
            if let Some(mut y) = yes {
                if *gw != 0 {
                    y.set_anno(Anno::DstIp, Expr::constant(u64::from(*gw), 32));
                }
                cx.emit(*out, y);
            }
            rest = no;
        }
        if let Some(r) = rest {
            cx.drop_flow(r, "no route to the destination annotation");
        }
    }
}

fn lookup(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let mut labels: Vec<(usize, u32)> = Vec::new();
    let mut routes = Vec::new();
    for (i, text) in args.args().iter().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        let r = parse_route(text, false)
            .ok_or_else(|| format!("route {i}: expected 'ADDR/MASK [GW] OUT'"))?;
        if r.port < 0 {
            return Err(format!("route {i}: bad output"));
        }
        let key = (r.port as usize, r.gw);
        let label = match labels.iter().position(|k| *k == key) {
            Some(l) => l,
            None => {
                labels.push(key);
                labels.len() - 1
            }
        };
        routes.push((r.addr, r.prefix_len(), label));
    }
    let parts = lpm_partition(&routes);
    let groups = labels
        .iter()
        .zip(parts)
        .filter(|(_, p)| !p.is_empty())
        .map(|(&(out, gw), p)| (out, gw, IntervalSet::from_ranges(p)))
        .collect();
    Ok(Box::new(Lookup { groups }))
}

/// Swaps addresses, and ports for TCP and UDP.
struct Mirror;

impl Model for Mirror {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let (Ok(src), Ok(dst), Ok(proto)) = (
            flow.ip_field(Field::IpSrc),
            flow.ip_field(Field::IpDst),
            flow.ip_field(Field::IpProto),
        ) else {
            let v = flow.ip().err().unwrap_or(verify::MemoryViolation {
                wanted: verify::HeaderKind::Ipv4,
                found: None,
            });
            cx.memory(flow, &v);
            return;
        };
        flow.set_ip_field(Field::IpSrc, dst).expect("read above");
        flow.set_ip_field(Field::IpDst, src).expect("read above");
        let ports = IntervalSet::point(6).union(&IntervalSet::point(17));
        let (tcpudp, other) = cx.split(&flow, &proto, &ports);
        if let Some(mut t) = tcpudp {
            match (t.ip_field(Field::SrcPort), t.ip_field(Field::DstPort)) {
                (Ok(s), Ok(d)) => {
                    t.set_ip_field(Field::SrcPort, d).expect("read above");
                    t.set_ip_field(Field::DstPort, s).expect("read above");
                    cx.emit(port, t);
                }
                _ => {
                    let v = t.transport().expect_err("no transport header");
                    cx.memory(t, &v);
                }
            }
        }
        if let Some(o) = other {
            cx.emit(port, o);
        }
    }
}

fn ip_mirror(_args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(Mirror))
}

/// `GetIPAddress(16)`: the destination address annotation from the header.
struct GetDst;

impl Model for GetDst {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let Some(dst) = verify::model::read_ip(&flow, cx, Field::IpDst) else {
            return;
        };
        flow.set_anno(Anno::DstIp, dst);
        cx.emit(port, flow);
    }
}

fn get_ip_address(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    match a.first().map(|s| s.trim()) {
        Some("16") | Some("IP dst") | Some("dst") => Ok(Box::new(GetDst)),
        other => Err(format!(
            "only GetIPAddress(16) (the destination address) is modelled, not {other:?}"
        )),
    }
}

struct SetDst {
    addr: Expr,
}

impl Model for SetDst {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        flow.set_anno(Anno::DstIp, self.addr.clone());
        cx.emit(port, flow);
    }
}

fn set_ip_address(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let Some(addr) = a.first() else {
        return Err("expected SetIPAddress(ADDR)".into());
    };
    let addr = args.ip(addr)?;
    Ok(Box::new(SetDst { addr }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_partition() {
        // 10/8 -> 0, 10.1/16 -> 1, 0/0 -> 2.
        let p = lpm_partition(&[(0x0a00_0000, 8, 0), (0x0a01_0000, 16, 1), (0, 0, 2)]);
        let set = |i: usize| IntervalSet::from_ranges(p[i].clone());
        assert!(set(0).contains(0x0a02_0000) && !set(0).contains(0x0a01_0005));
        assert!(set(1).contains(0x0a01_0005));
        assert!(set(2).contains(0x0b00_0000) && set(2).contains(0x0900_0000));
        assert_eq!(set(0).size() + set(1).size() + set(2).size(), 1 << 32);
    }
}
