//! `yard verify`'s text inputs on arbitrary text: the topology and query
//! parsers must never panic, errors must name `file:line:col`, and every
//! query that parses must run to a verdict on a small network with a loop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use verify::{Cx, Flow, Model, ModelArgs, ModelError, ModelRegistry, Network};

struct Classes;

impl clickconf::ClassLookup for Classes {
    fn is_class(&self, name: &str) -> bool {
        matches!(name, "FromDevice" | "ToDevice" | "Null")
    }
    fn class_names(&self) -> Vec<String> {
        vec!["FromDevice".into(), "ToDevice".into(), "Null".into()]
    }
}

struct Wire;

impl Model for Wire {
    fn apply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>) {
        cx.emit(port, flow);
    }
}

fn wire(_: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(Wire))
}

fn network() -> Network {
    let mut models = ModelRegistry::new();
    for c in ["FromDevice", "ToDevice", "Null"] {
        models.add(c, wire);
    }
    let mut net = Network::new();
    for name in ["a", "b"] {
        net.add_box(
            name,
            &format!("{name}.click"),
            "in :: FromDevice(eth0) -> n :: Null -> out :: ToDevice(eth1);",
            &Classes,
            &models,
        )
        .expect("valid box");
    }
    net
}

fn located(location: &str, file: &str) -> bool {
    let mut parts = location.rsplitn(3, ':');
    let (col, line, f) = (parts.next(), parts.next(), parts.next());
    f == Some(file)
        && line.is_some_and(|l| l.parse::<usize>().is_ok_and(|l| l >= 1))
        && col.is_some_and(|c| c.parse::<usize>().is_ok_and(|c| c >= 1))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The text as a topology.
    let mut net = network();
    if let Err(e) = net.read_links("links", text) {
        assert!(located(&e.location, "links"), "{e}");
    }
    // The text as queries, over two boxes linked in a loop.
    let mut net = network();
    net.read_links("links", "a:out:0 -> b:in:0\nb:out:0 -> a:in:0\n")
        .expect("valid links");
    match verify::parse_queries(&net, "queries", text) {
        Ok(queries) => {
            for (q, t) in queries.iter().take(4) {
                let r = verify::run_query(&net, q, t);
                assert!(!r.verdict.is_empty());
            }
        }
        Err(e) => assert!(located(&e.location, "queries"), "{e}"),
    }
});
