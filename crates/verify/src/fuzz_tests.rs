//! Fuzzing the topology and query parsers: any text gives a result or an
//! error located at `file:line:col`, never a panic.

use proptest::prelude::*;

use crate::Flow;
use crate::model::{Cx, Model, ModelArgs, ModelError, ModelRegistry};
use crate::net::Network;
use crate::query::{parse_queries, run_query};

struct Classes;

impl clickconf::ClassLookup for Classes {
    fn is_class(&self, name: &str) -> bool {
        matches!(
            name,
            "FromDevice" | "ToDevice" | "Idle" | "Discard" | "Null"
        )
    }
    fn class_names(&self) -> Vec<String> {
        ["FromDevice", "ToDevice", "Idle", "Discard", "Null"]
            .iter()
            .map(|s| s.to_string())
            .collect()
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

/// Text made of the parsers' own tokens, so that the fuzzer gets past
/// the first word.
fn tokens() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just(":".to_string()),
        Just("in".to_string()),
        Just("out".to_string()),
        Just("n".to_string()),
        Just("0".to_string()),
        Just("7".to_string()),
        Just("->".to_string()),
        Just(" ".to_string()),
        Just("\n".to_string()),
        Just("#".to_string()),
        Just("reach".to_string()),
        Just("tcp-connect".to_string()),
        Just("inv".to_string()),
        Just("loops".to_string()),
        Just("when".to_string()),
        Just("ip.dst".to_string()),
        Just("=".to_string()),
        Just("!=".to_string()),
        Just("10.0.0.0/8".to_string()),
        Just("1-".to_string()),
        Just(" and ".to_string()),
        Just(": ".to_string()),
        Just(",".to_string()),
        Just("-".to_string()),
        Just("99999999999999999999".to_string()),
        "[ -~]{0,4}",
    ];
    proptest::collection::vec(token, 0..24).prop_map(|v| v.concat())
}

fn located(e: &crate::InputError, file: &str) -> bool {
    let mut parts = e.location.rsplitn(3, ':');
    let (col, line, f) = (parts.next(), parts.next(), parts.next());
    f == Some(file)
        && line.is_some_and(|l| l.parse::<usize>().is_ok_and(|l| l >= 1))
        && col.is_some_and(|c| c.parse::<usize>().is_ok_and(|c| c >= 1))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn links_never_panic(text in prop_oneof![tokens(), "\\PC{0,64}"]) {
        let mut net = network();
        if let Err(e) = net.read_links("links", &text) {
            prop_assert!(located(&e, "links"), "{e}");
        }
    }

    #[test]
    fn queries_never_panic(text in prop_oneof![tokens(), "\\PC{0,64}"]) {
        let mut net = network();
        let _ = net.read_links("links", "a:out:0 -> b:in:0\nb:out:0 -> a:in:0\n");
        match parse_queries(&net, "queries", &text) {
            Ok(qs) => {
                for (q, t) in qs {
                    let r = run_query(&net, &q, &t);
                    prop_assert!(!r.verdict.is_empty());
                }
            }
            Err(e) => prop_assert!(located(&e, "queries"), "{e}"),
        }
    }
}
