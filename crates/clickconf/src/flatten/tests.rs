use super::*;
use crate::{load, parse};

pub(crate) const CLASSES: [&str; 12] = [
    "Idle",
    "Counter",
    "Discard",
    "Queue",
    "Print",
    "Tee",
    "InfiniteSource",
    "Unqueue",
    "Classifier",
    "Paint",
    "Strip",
    "ToDump",
];

fn ok(text: &str) -> RouterGraph {
    match load("t.click", text, &CLASSES) {
        Ok(g) => g,
        Err((sm, d)) => panic!(
            "unexpected errors:\n{}",
            d.iter()
                .map(|d| d.render(&sm))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn names(g: &RouterGraph) -> Vec<String> {
    g.elements
        .iter()
        .map(|e| format!("{} :: {}", e.name, e.class))
        .collect()
}

fn conns(g: &RouterGraph) -> Vec<String> {
    g.connections
        .iter()
        .map(|c| {
            format!(
                "{}[{}] -> [{}]{}",
                g.elements[c.from].name, c.from_port, c.to_port, g.elements[c.to].name
            )
        })
        .collect()
}

#[test]
fn smoke() {
    let g = ok("Idle -> c :: Counter -> Discard;");
    assert_eq!(
        names(&g),
        ["Idle@1 :: Idle", "c :: Counter", "Discard@3 :: Discard"]
    );
    assert_eq!(conns(&g), ["Idle@1[0] -> [0]c", "c[0] -> [0]Discard@3"]);
}

#[test]
fn compound_smoke() {
    let g = ok(
        "elementclass Foo { $n | input -> Counter -> Print($n) -> output }\n\
                Idle -> f :: Foo(hello) -> Discard",
    );
    assert_eq!(
        names(&g),
        [
            "Idle@1 :: Idle",
            "Discard@3 :: Discard",
            "f/Counter@1 :: Counter",
            "f/Print@2 :: Print"
        ]
    );
    assert_eq!(g.elements[3].config, "hello");
    assert_eq!(
        conns(&g),
        [
            "Idle@1[0] -> [0]f/Counter@1",
            "f/Counter@1[0] -> [0]f/Print@2",
            "f/Print@2[0] -> [0]Discard@3"
        ]
    );
    let _ = parse;
}
