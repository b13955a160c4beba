//! Generated networks for measuring the verifier at scale (`yard verify
//! --bench`): a chain of stateful boxes with its return chain, a binary
//! tree of routers with a NAT at each leaf, and one router with a very
//! large routing table.
//!
//! Key decision: the networks are Click text and topology text, loaded
//! through the same path as a user's directory, so the figures include
//! parsing and model building, as a user would see them.

use std::collections::HashMap;
use std::fmt::Write;
use std::time::{Duration, Instant};

use clickconf::ClassLookup;

use crate::explore::explore;
use crate::flow::Flow;
use crate::model::ModelRegistry;
use crate::net::{InputError, Network};
use crate::query::{Report, parse_query, run_query};

/// A network as files: boxes (name, Click text) and the links file.
pub struct Generated {
    pub boxes: Vec<(String, String)>,
    pub links: String,
}

impl Generated {
    pub fn load(
        &self,
        classes: &dyn ClassLookup,
        models: &ModelRegistry,
    ) -> Result<Network, InputError> {
        let mut net = Network::new();
        for (name, text) in &self.boxes {
            net.add_box(name, &format!("{name}.click"), text, classes, models)?;
        }
        net.read_links("links", &self.links)?;
        Ok(net)
    }
}

const HOST: &str = "Idle -> out :: ToDevice(eth0);\nin :: FromDevice(eth0) -> Discard;\n";
const SERVER: &str = "in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> mirror :: IPMirror\n   -> Unstrip(14) -> EtherMirror -> out :: ToDevice(eth0);\n";

/// A box whose element `x` takes the outbound direction on input 0 and
/// the return direction on input 1.
fn two_way_box(element: &str) -> String {
    format!(
        "x :: {element};\n\
         in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> [0]x;\n\
         back :: FromDevice(eth1) -> Strip(14) -> CheckIPHeader -> [1]x;\n\
         x[0] -> Unstrip(14) -> out :: ToDevice(eth1);\n\
         x[1] -> Unstrip(14) -> inside :: ToDevice(eth0);\n"
    )
}

/// Client, `n` stateful boxes cycling through `kinds` (Click element
/// texts), a server that answers; replies retrace the chain.
pub fn chain(n: usize, kinds: &[String]) -> Generated {
    let mut boxes = vec![
        ("client".to_string(), HOST.to_string()),
        ("server".to_string(), SERVER.to_string()),
    ];
    let mut links = String::from("client:out:0 -> b0:in:0\n");
    for k in 0..n {
        let kind = kinds[k % kinds.len()].replace("{k}", &(k % 250 + 1).to_string());
        boxes.push((format!("b{k}"), two_way_box(&kind)));
        let next = if k + 1 == n {
            "server:in:0".to_string()
        } else {
            format!("b{}:in:0", k + 1)
        };
        writeln!(links, "b{k}:out:0 -> {next}").expect("string");
        let back = if k == 0 {
            "client:in:0".to_string()
        } else {
            format!("b{}:back:0", k - 1)
        };
        writeln!(links, "b{k}:inside:0 -> {back}").expect("string");
    }
    writeln!(links, "server:out:0 -> b{}:back:0", n - 1).expect("string");
    Generated { boxes, links }
}

/// A complete binary tree of `depth` levels of routers under 10.0.0.0/8
/// (each sends the lower half of its prefix left, the upper right), with
/// a NAT at each of the 2^depth leaves.
pub fn router_tree(depth: u32) -> Generated {
    let mut boxes = Vec::new();
    let mut links = String::new();
    let internal = (1usize << depth) - 1;
    let leaves = 1usize << depth;
    for i in 0..internal {
        let level = usize::BITS - 1 - (i + 1).leading_zeros();
        let pos = (i + 1) - (1 << level);
        let len = 8 + level;
        let base: u32 = 0x0a00_0000 | ((pos as u32) << (32 - len));
        let half = 1u32 << (32 - len - 1);
        let left = std::net::Ipv4Addr::from(base);
        let right = std::net::Ipv4Addr::from(base | half);
        boxes.push((
            format!("r{i}"),
            format!(
                "in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> GetIPAddress(16)\n   \
                 -> rt :: RadixIPLookup({left}/{l} 0, {right}/{l} 1);\n\
                 rt[0] -> Unstrip(14) -> left :: ToDevice(eth1);\n\
                 rt[1] -> Unstrip(14) -> right :: ToDevice(eth2);\n",
                l = len + 1
            ),
        ));
        for (side, child) in [("left", 2 * i + 1), ("right", 2 * i + 2)] {
            let name = if child < internal {
                format!("r{child}")
            } else {
                format!("leaf{}", child - internal)
            };
            writeln!(links, "r{i}:{side}:0 -> {name}:in:0").expect("string");
        }
    }
    for j in 0..leaves {
        boxes.push((
            format!("leaf{j}"),
            format!(
                "rw :: IPRewriter(pattern 192.0.2.{} 1024-65535 - - 0 1, drop);\n\
                 in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> [0]rw;\n\
                 rw[0] -> Unstrip(14) -> out :: ToDevice(eth1);\n\
                 rw[1] -> Discard;\n",
                j % 250 + 1
            ),
        ));
    }
    Generated { boxes, links }
}

/// One router with `routes` prefixes spread over `ports` outputs.
pub fn big_router(routes: usize, ports: usize) -> Generated {
    let mut table = String::new();
    // Deterministic prefixes: /16 to /24 under 10/8 .. 100/8, with
    // more-specifics inside earlier ones.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for r in 0..routes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = 16 + (x % 9) as u32;
        let addr = ((10 + (x >> 8) % 90) << 24 | ((x >> 20) & 0x00ff_ffff)) as u32;
        let mask = u32::MAX << (32 - len);
        let _ = write!(
            table,
            "{}/{len} {}, ",
            std::net::Ipv4Addr::from(addr & mask),
            r % ports
        );
    }
    table.push_str(&format!("0.0.0.0/0 {}", ports - 1));
    let mut text = format!(
        "in :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> GetIPAddress(16)\n   -> rt :: RadixIPLookup({table});\n"
    );
    for p in 0..ports {
        writeln!(
            text,
            "rt[{p}] -> Unstrip(14) -> out{p} :: ToDevice(eth{p});"
        )
        .expect("string");
    }
    Generated {
        boxes: vec![("router".to_string(), text)],
        links: String::new(),
    }
}

/// One measurement.
pub struct Measured {
    pub what: String,
    pub boxes: usize,
    pub load: Duration,
    pub check: Duration,
    pub verdict: String,
}

/// Runs `tcp-connect` over a chain of `n` boxes.
pub fn measure_chain(
    n: usize,
    kinds: &[String],
    classes: &dyn ClassLookup,
    models: &ModelRegistry,
) -> Result<(Measured, Report), InputError> {
    let g = chain(n, kinds);
    let t = Instant::now();
    let net = g.load(classes, models)?;
    let load = t.elapsed();
    let q = "tcp-connect client:out:0 server:mirror:0";
    let query = parse_query(&net, q, "bench", 1)?;
    let t = Instant::now();
    let report = run_query(&net, &query, q);
    let check = t.elapsed();
    Ok((
        Measured {
            what: format!("chain of {n} stateful boxes, tcp-connect"),
            boxes: net.nodes.len(),
            load,
            check,
            verdict: report.verdict.clone(),
        },
        report,
    ))
}

/// Explores from the root of a router tree: the number of flows leaving
/// each leaf.
pub fn measure_tree(
    depth: u32,
    classes: &dyn ClassLookup,
    models: &ModelRegistry,
) -> Result<(Measured, HashMap<String, usize>), InputError> {
    let g = router_tree(depth);
    let t = Instant::now();
    let net = g.load(classes, models)?;
    let load = t.elapsed();
    let start = net.place("r0:in:0").map_err(|m| InputError {
        location: "bench".into(),
        message: m,
    })?;
    let t = Instant::now();
    let mut vars = net.vars.clone();
    let flow = Flow::ethernet(&mut vars);
    let outcome = explore(&net, &mut vars, start, flow, &|_| false);
    let check = t.elapsed();
    let mut per_leaf: HashMap<String, usize> = HashMap::new();
    for (p, _) in &outcome.exits {
        let name = &net.nodes[p.node as usize].name;
        if name.starts_with("leaf") {
            *per_leaf.entry(name.clone()).or_default() += 1;
        }
    }
    let leaves = 1usize << depth;
    let exact = per_leaf.len() == leaves && per_leaf.values().all(|&c| c == 1);
    Ok((
        Measured {
            what: format!("binary tree of routers, NAT at each of {leaves} leaves"),
            boxes: net.nodes.len(),
            load,
            check,
            verdict: if exact {
                "one path per leaf".into()
            } else {
                format!(
                    "{} leaves reached, {} paths",
                    per_leaf.len(),
                    per_leaf.values().sum::<usize>()
                )
            },
        },
        per_leaf,
    ))
}

/// Explores a router with a large table: the number of flows per port.
pub fn measure_big_router(
    routes: usize,
    ports: usize,
    classes: &dyn ClassLookup,
    models: &ModelRegistry,
) -> Result<(Measured, Vec<usize>), InputError> {
    let g = big_router(routes, ports);
    let t = Instant::now();
    let net = g.load(classes, models)?;
    let load = t.elapsed();
    let start = net.place("router:in:0").map_err(|m| InputError {
        location: "bench".into(),
        message: m,
    })?;
    let t = Instant::now();
    let mut vars = net.vars.clone();
    let flow = Flow::ethernet(&mut vars);
    let outcome = explore(&net, &mut vars, start, flow, &|_| false);
    let check = t.elapsed();
    let mut per_port = vec![0usize; ports];
    let graph = &net.nodes[0].graph;
    for (p, _) in &outcome.exits {
        let name = &graph.elements[p.element as usize].name;
        if let Some(k) = name
            .strip_prefix("out")
            .and_then(|k| k.parse::<usize>().ok())
        {
            per_port[k] += 1;
        }
    }
    let exact = per_port.iter().all(|&c| c == 1);
    Ok((
        Measured {
            what: format!("router with {routes} prefixes over {ports} ports"),
            boxes: 1,
            load,
            check,
            verdict: if exact {
                "one path per port".into()
            } else {
                format!("paths per port: {per_port:?}")
            },
        },
        per_port,
    ))
}
