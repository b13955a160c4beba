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

/// All diagnostics of a failing load: (severity, message, line, col, notes).
fn errs(text: &str) -> Vec<(String, u32, u32, Vec<String>)> {
    match load("t.click", text, &CLASSES) {
        Ok(g) => panic!("expected errors, got {:?}", names(&g)),
        Err((sm, d)) => d
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                let (l, c) = d.span.map_or((0, 0), |s| sm.line_col(s));
                (d.message.clone(), l, c, d.notes.clone())
            })
            .collect(),
    }
}

fn first_err(text: &str) -> (String, u32, u32) {
    let e = errs(text);
    let (m, l, c, _) = e.into_iter().next().expect("an error");
    (m, l, c)
}

fn warnings(g: &RouterGraph) -> Vec<(String, u32, u32)> {
    g.warnings
        .iter()
        .map(|d| {
            let (l, c) = d.span.map_or((0, 0), |s| g.sources.line_col(s));
            (d.message.clone(), l, c)
        })
        .collect()
}

#[test]
fn declarations_and_multiple_declarations() {
    let g = ok("a :: Counter; b, c :: Queue(10)\nd, e :: Discard; a -> b; c -> d; Idle -> e");
    assert_eq!(
        names(&g),
        [
            "a :: Counter",
            "b :: Queue",
            "c :: Queue",
            "d :: Discard",
            "e :: Discard",
            "Idle@6 :: Idle"
        ]
    );
    // The class and configuration of the last spread over the list.
    assert_eq!(g.elements[1].config, "10");
    assert_eq!(g.elements[2].config, "10");
}

#[test]
fn anonymous_names_count_every_element_of_the_body() {
    let g = ok("x :: Idle; Idle -> Counter -> Discard; Idle -> Discard; x -> Discard");
    assert_eq!(
        names(&g),
        [
            "x :: Idle",
            "Idle@2 :: Idle",
            "Counter@3 :: Counter",
            "Discard@4 :: Discard",
            "Idle@5 :: Idle",
            "Discard@6 :: Discard",
            "Discard@7 :: Discard"
        ]
    );
    // A clash with a declared name bumps the number.
    let g = ok("Idle -> Discard; Idle@3 :: Idle -> Discard");
    assert_eq!(
        names(&g),
        [
            "Idle@1 :: Idle",
            "Discard@2 :: Discard",
            "Idle@3 :: Idle",
            "Discard@4 :: Discard"
        ]
    );
    let g = ok("Discard@3 :: Discard; Idle -> Discard");
    assert_eq!(names(&g)[2], "Discard@4 :: Discard");
}

#[test]
fn ports_and_chains() {
    let g = ok(
        "t :: Tee(2); q :: Queue; Idle -> t; t[1] -> [0]q; t [0] -> [0] Discard; q -> Unqueue -> Discard",
    );
    assert_eq!(
        conns(&g),
        [
            "t[0] -> [0]Discard@4",
            "t[1] -> [0]q",
            "q[0] -> [0]Unqueue@5",
            "Idle@3[0] -> [0]t",
            "Unqueue@5[0] -> [0]Discard@6",
        ]
    );
    let c = g.connections[1];
    assert_eq!(g.sources.line_col(c.span), (1, 37));
}

#[test]
fn comma_lists_in_connections() {
    let g = ok("a, b :: Idle; a, b -> d :: Discard; t :: Tee -> x :: Discard, y :: Discard");
    assert_eq!(
        conns(&g),
        [
            "a[0] -> [0]d",
            "b[0] -> [0]d",
            "t[0] -> [0]x",
            "t[0] -> [0]y"
        ]
    );
}

#[test]
fn many_to_many_and_port_lists() {
    let g =
        ok("t :: Tee(3); Idle -> t; t [0, 1-2] => [0] x :: Discard, y :: Discard, z :: Discard");
    assert_eq!(
        conns(&g),
        [
            "t[0] -> [0]x",
            "t[1] -> [0]y",
            "t[2] -> [0]z",
            "Idle@2[0] -> [0]t"
        ]
    );
    let g = ok("t :: Tee(3); Idle -> t; t => x :: Discard, y :: Discard");
    assert_eq!(conns(&g)[..2], ["t[0] -> [0]x", "t[1] -> [0]y"]);
    assert_eq!(
        first_err("t :: Tee; t[0, 1] -> x :: Discard, y :: Discard"),
        (
            "syntax error: many-to-many connections require '=>'".into(),
            1,
            19
        )
    );
    assert_eq!(
        first_err("t :: Tee; t[0, 1] => x :: Discard, y :: Discard, z :: Discard"),
        (
            "connection mismatch: 2 outputs connected to 3 inputs".into(),
            1,
            19
        )
    );
}

#[test]
fn compounds_expand_with_slash_names() {
    let g = ok(
        "elementclass Wrap { input -> c :: Counter -> Queue -> output }\n\
                Idle -> w :: Wrap -> Unqueue -> Discard; Idle -> Wrap -> Discard",
    );
    assert_eq!(
        names(&g),
        [
            "Idle@1 :: Idle",
            "Unqueue@3 :: Unqueue",
            "Discard@4 :: Discard",
            "Idle@5 :: Idle",
            "Discard@7 :: Discard",
            "w/c :: Counter",
            "w/Queue@2 :: Queue",
            "Wrap@6/c :: Counter",
            "Wrap@6/Queue@2 :: Queue"
        ]
    );
    assert_eq!(
        conns(&g),
        [
            "Idle@1[0] -> [0]w/c",
            "Unqueue@3[0] -> [0]Discard@4",
            "Idle@5[0] -> [0]Wrap@6/c",
            "w/c[0] -> [0]w/Queue@2",
            "w/Queue@2[0] -> [0]Unqueue@3",
            "Wrap@6/c[0] -> [0]Wrap@6/Queue@2",
            "Wrap@6/Queue@2[0] -> [0]Discard@7"
        ]
    );
    // The inner element's span points into the class body.
    let i = g.find("w/c").unwrap();
    assert_eq!(g.sources.line_col(g.elements[i].span), (1, 30));
}

#[test]
fn nested_compounds_and_multiple_ports() {
    let g = ok("elementclass In { input -> Counter -> output }\n\
                elementclass Out { input -> t :: Tee(2); t[0] -> In -> [0]output; t[1] -> [1]output }\n\
                o :: Out; Idle -> o; o[0] -> Discard; o[1] -> Discard");
    assert_eq!(
        names(&g),
        [
            "Idle@2 :: Idle",
            "Discard@3 :: Discard",
            "Discard@4 :: Discard",
            "o/t :: Tee",
            "o/In@2/Counter@1 :: Counter"
        ]
    );
    assert_eq!(
        conns(&g),
        [
            "Idle@2[0] -> [0]o/t",
            "o/t[0] -> [0]o/In@2/Counter@1",
            "o/t[1] -> [0]Discard@4",
            "o/In@2/Counter@1[0] -> [0]Discard@3"
        ]
    );
}

#[test]
fn passthrough_compound() {
    let g = ok("elementclass P { input -> output }\nIdle -> P -> P -> Discard");
    assert_eq!(names(&g), ["Idle@1 :: Idle", "Discard@4 :: Discard"]);
    assert_eq!(conns(&g), ["Idle@1[0] -> [0]Discard@4"]);
}

#[test]
fn inline_compounds_declared_and_anonymous() {
    let g = ok(
        "x :: { input -> Counter -> output }; Idle -> x -> { input -> Queue -> output } -> Unqueue -> Discard",
    );
    assert_eq!(
        names(&g),
        [
            "Idle@2 :: Idle",
            "Unqueue@4 :: Unqueue",
            "Discard@5 :: Discard",
            "x/Counter@1 :: Counter",
            "@3/Queue@1 :: Queue"
        ]
    );
    assert_eq!(
        conns(&g),
        [
            "Idle@2[0] -> [0]x/Counter@1",
            "Unqueue@4[0] -> [0]Discard@5",
            "x/Counter@1[0] -> [0]@3/Queue@1",
            "@3/Queue@1[0] -> [0]Unqueue@4"
        ]
    );
}

#[test]
fn compound_parameters_and_defines() {
    let g = ok("define($N 10, $LABEL \"hi there\")\n\
                elementclass Q { $cap, NAME $name | input -> Queue($cap) -> Print($name, $N) -> output }\n\
                Idle -> Q(5, NAME x) -> Q($N, NAME y) -> Unqueue -> Print($LABEL) -> Discard");
    let q = g.find("Q@2/Queue@1").unwrap();
    assert_eq!(g.elements[q].config, "5");
    let p = g.find("Q@2/Print@2").unwrap();
    assert_eq!(g.elements[p].config, "x, 10");
    let q = g.find("Q@3/Queue@1").unwrap();
    assert_eq!(g.elements[q].config, "10");
    let p = g.find("Q@3/Print@2").unwrap();
    assert_eq!(g.elements[p].config, "y, 10");
    let p = g.find("Print@5").unwrap();
    assert_eq!(g.elements[p].config, "\"hi there\"");
    // The configuration span still points at the source text.
    let s = g.elements[p].config_span.unwrap();
    assert_eq!(&g.sources.text(s.file)[s.start..s.end], "$LABEL");
}

#[test]
fn variables_inside_double_quotes_are_quoted_and_single_quotes_protect() {
    let g =
        ok("define($X a\\b c)\nIdle -> Print(\"[$X]\", '$X', ${X}, ${Y-dflt}, ${X[1]}) -> Discard");
    let p = g.find("Print@2").unwrap();
    assert_eq!(
        g.elements[p].config,
        "\"[a\\\\b c]\", '$X', a\\b c, dflt, c"
    );
}

#[test]
fn define_inside_compound_and_lexical_scoping() {
    let g = ok("define($A top)\n\
                elementclass C { $x | define($Y $x-$A); input -> Print($Y) -> output }\n\
                Idle -> C(arg) -> Discard");
    let p = g.find("C@2/Print@1").unwrap();
    assert_eq!(g.elements[p].config, "arg-top");
}

#[test]
fn rest_parameter() {
    let g = ok(
        "elementclass C { $a, __REST__ $r | input -> Print($a: $r) -> output }\nIdle -> C(1, 2, 3) -> Discard",
    );
    let p = g.find("C@2/Print@1").unwrap();
    assert_eq!(g.elements[p].config, "1: 2, 3");
}

#[test]
fn overloads_pick_by_ports_and_arguments() {
    let g = ok(
        "elementclass O { input -> Counter -> output || $a | input -> Print($a) -> output || input -> Discard }\n\
                Idle -> O -> Discard; Idle -> O(z) -> Discard; Idle -> O",
    );
    assert!(g.find("O@2/Counter@1").is_some());
    assert!(g.find("O@5/Print@1").is_some());
    assert!(g.find("O@8/Discard@1").is_some());
    let e = errs(
        "elementclass O { input -> Counter -> output || $a | input -> output }\nIdle -> O(1, 2) -> Discard",
    );
    assert_eq!(e[0].0, "no match for 'O[2 arguments, 1 input, 1 output]'");
    assert_eq!((e[0].1, e[0].2), (2, 9));
    assert_eq!(
        e[0].3,
        [
            "candidates are: O[1 input, 1 output] (at t.click:1:18); O(<arg>)[1 input, 1 output] (at t.click:1:48)"
        ]
    );
}

#[test]
fn extension_falls_back_to_previous_class() {
    let g = ok(
        "elementclass Queue { $a, $b | input -> Counter -> output || ... }\n\
                Idle -> Queue(1, 2) -> Discard; Idle -> Queue(7) -> Unqueue -> Discard",
    );
    assert!(g.find("Queue@2/Counter@1").is_some());
    let q = g.find("Queue@5").unwrap();
    assert_eq!(g.elements[q].class, "Queue");
    assert_eq!(g.elements[q].config, "7");
}

#[test]
fn synonyms() {
    let g = ok(
        "elementclass Sink Discard; elementclass W { input -> output }; elementclass W2 W\nIdle -> W2 -> Sink",
    );
    assert_eq!(names(&g), ["Idle@1 :: Idle", "Sink@3 :: Discard"]);
    assert_eq!(conns(&g), ["Idle@1[0] -> [0]Sink@3"]);
}

#[test]
fn implicit_ports() {
    let g = ok("elementclass A { -> Counter -> }\nIdle -> A -> Discard");
    assert_eq!(
        conns(&g),
        [
            "Idle@1[0] -> [0]A@2/Counter@1",
            "A@2/Counter@1[0] -> [0]Discard@3"
        ]
    );
}

#[test]
fn groups() {
    let g = ok("Idle -> (input -> Counter -> output) -> Discard");
    assert_eq!(
        names(&g),
        [
            "Idle@1 :: Idle",
            "Counter@5 :: Counter",
            "Discard@6 :: Discard"
        ]
    );
    assert_eq!(
        conns(&g),
        ["Idle@1[0] -> [0]Counter@5", "Counter@5[0] -> [0]Discard@6"]
    );
    // A group's inputs and outputs are all implied on both sides.
    let inner = "(input[0] -> a :: Counter; input[1] -> b :: Counter; a, b => output)";
    let g = ok(&format!("Idle -> {inner} => x :: Discard, y :: Discard"));
    assert_eq!(
        conns(&g),
        [
            "Idle@1[0] -> [0]a",
            "Idle@1[0] -> [0]b",
            "a[0] -> [0]x",
            "b[0] -> [0]y"
        ]
    );
    // With '=>' a port-less element's ports expand to match.
    let g = ok(&format!("Idle => {inner} -> x :: Discard"));
    assert_eq!(
        conns(&g),
        [
            "Idle@1[0] -> [0]a",
            "Idle@1[1] -> [0]b",
            "a[0] -> [0]x",
            "b[0] -> [0]x"
        ]
    );
}

#[test]
fn requirements_recorded() {
    let g =
        ok("require(package \"ipsec\", fastclassifier)\nrequire(compact_config) Idle -> Discard");
    let r: Vec<_> = g.requirements.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(r, ["ipsec", "fastclassifier"]);
    assert_eq!(g.sources.line_col(g.requirements[1].span), (1, 26));
    assert_eq!(
        first_err("require(library foo.click)"),
        (
            "'require(library ...)' is not supported: configurations are loaded from one text"
                .into(),
            1,
            9
        )
    );
    assert_eq!(
        first_err("require(package a b)"),
        (
            "syntax error at requirement: expected 'package NAME' or 'NAME'".into(),
            1,
            9
        )
    );
}

#[test]
fn graph_helpers() {
    let g = ok("a :: Idle -> b :: Discard");
    assert_eq!(g.find("b"), Some(1));
    assert_eq!(g.find("zz"), None);
    let dot = g.to_dot();
    assert!(dot.contains("n0 [label=\"a :: Idle\"];"), "{dot}");
    assert!(dot.contains("n0 -> n1 [label=\"[0] -> [0]\"];"), "{dot}");
    assert_eq!(g.outputs_of(0).count(), 1);
    assert_eq!(g.inputs_of(1).count(), 1);
}

#[test]
fn duplicate_connections_collapse() {
    let g = ok("a :: Idle; b :: Discard; a -> b; a -> b; a[0] -> [0]b");
    assert_eq!(conns(&g), ["a[0] -> [0]b"]);
}

// ----- errors -----

#[test]
fn undeclared_element() {
    let e = errs("Idle -> x;\nfoo -> Discard");
    assert_eq!(e[0].0, "undeclared element 'x'");
    assert_eq!((e[0].1, e[0].2), (1, 9));
    assert_eq!(e[1].0, "undeclared element 'foo'");
    assert_eq!((e[1].1, e[1].2), (2, 1));
    // Use before declaration is an error too, as in Click.
    assert_eq!(
        first_err("a -> Discard; a :: Idle"),
        ("undeclared element 'a'".into(), 1, 1)
    );
}

#[test]
fn unknown_element_class_with_suggestion() {
    let e = errs("Idle -> c :: Cuonter -> Discard");
    assert_eq!(e[0].0, "unknown element class 'Cuonter'");
    assert_eq!((e[0].1, e[0].2), (1, 14));
    assert_eq!(e[0].3, ["did you mean 'Counter'?"]);
    // Used with a configuration string, an unknown name is a class.
    let e = errs("Idle -> Cuonter(1) -> Discard");
    assert_eq!(e[0].0, "unknown element class 'Cuonter'");
    assert_eq!(e[0].3, ["did you mean 'Counter'?"]);
    // Compound classes are candidates too.
    let e = errs("elementclass MyThing { input -> output }\nIdle -> m :: MyThign -> Discard");
    assert_eq!(e[0].3, ["did you mean 'MyThing'?"]);
    assert_eq!((e[0].1, e[0].2), (2, 14));
    // Nothing close: no note.
    let e = errs("x :: Zzzzzzzzzz");
    assert!(e[0].3.is_empty());
}

#[test]
fn redeclaration() {
    let e = errs("a :: Idle;\n\na :: Counter");
    assert_eq!(e[0].0, "redeclaration of element 'a'");
    assert_eq!((e[0].1, e[0].2), (3, 1));
    assert_eq!(e[0].3, ["element 'a' previously declared at t.click:1:1"]);
    let e = errs("elementclass C { input :: Counter }");
    assert_eq!(e[0].0, "redeclaration of element 'input'");
    assert_eq!(
        first_err("Counter :: Counter"),
        ("class 'Counter' used as element name".into(), 1, 1)
    );
    assert_eq!(
        first_err("1 :: Idle"),
        ("element name '1' has all-digit component".into(), 1, 1)
    );
    assert_eq!(
        first_err("a :: Idle; a(3) -> Discard"),
        (
            "configuration string ignored on element reference 'a'".into(),
            1,
            14
        )
    );
}

#[test]
fn compound_port_problems() {
    // Connecting to a port the compound does not have.
    let e = errs(
        "elementclass C { input -> Counter -> output }\nc :: C; Idle -> [1]c; c -> Discard; Idle -> c",
    );
    assert_eq!(e[0].0, "'c' has no input 1");
    assert_eq!((e[0].1, e[0].2), (2, 1));
    let e = errs(
        "elementclass C { input -> Counter -> output }\nc :: C; Idle -> c; c[2] -> Discard; c -> Discard",
    );
    assert_eq!(e[0].0, "'c' has no output 2");
    // Pseudo-elements used the wrong way round.
    let e = errs("elementclass C { Idle -> input; output -> Discard }");
    assert_eq!(
        e[0].0,
        "'C' pseudoelement 'input' may only be used as output"
    );
    assert_eq!((e[0].1, e[0].2), (1, 18));
    assert_eq!(
        e[1].0,
        "'C' pseudoelement 'output' may only be used as input"
    );
    // A gap in the ports used.
    let e = errs("elementclass C { input -> Counter -> output; input[2] -> Discard }");
    assert_eq!(e[0].0, "'C' input 1 missing");
    // Unused ports are warnings.
    let g = ok(
        "elementclass C { input -> t :: Tee; t[0] -> output; t[1] -> [1]output }\n\
                Idle -> c :: C -> Discard",
    );
    assert_eq!(warnings(&g), [("'c' output 1 unused".into(), 2, 9)]);
    let g = ok("elementclass C { input -> Discard; input[1] -> Discard }\nIdle -> c :: C");
    assert_eq!(warnings(&g), [("'c' input 1 unused".into(), 2, 9)]);
}

#[test]
fn wrong_number_of_compound_arguments() {
    let e = errs(
        "elementclass C { $a, $b | input -> Print($a $b) -> output }\nIdle -> C(1) -> Discard",
    );
    assert_eq!(
        e[0].0,
        "wrong number of arguments for compound element 'C@2': class 'C' expects 2 ($a, $b), got 1"
    );
    assert_eq!((e[0].1, e[0].2), (2, 9));
    assert_eq!(e[0].3[0], "no match for 'C[1 argument, 1 input, 1 output]'");
    let e = errs("elementclass C { input -> output }\nIdle -> x :: C(1) -> Discard");
    assert_eq!(
        e[0].0,
        "wrong number of arguments for compound element 'x': class 'C' expects 0 (), got 1"
    );
}

#[test]
fn undefined_parameter() {
    let e =
        errs("elementclass C { $a | input -> Print($a, $b) -> output }\nIdle -> C(1) -> Discard");
    assert_eq!(e[0].0, "undefined parameter '$b'");
    assert_eq!((e[0].1, e[0].2), (1, 42));
    let e = errs("Idle -> Print(${NOPE}) -> Discard");
    assert_eq!(e[0].0, "undefined parameter '$NOPE'");
    assert_eq!((e[0].1, e[0].2), (1, 15));
    // '$(...)' is left alone (Script-style expansions).
    ok("Idle -> Print($(c.count)) -> Discard");
    // Script's arguments have their own variables.
    let classes = ["Script", "Idle"];
    let g = load(
        "s.click",
        "Script(init x 0, set x $(sub 1000 $x), write s.rate $x)",
        &classes,
    )
    .map_err(|(_, d)| d)
    .unwrap();
    assert_eq!(
        g.elements[0].config,
        "init x 0, set x $(sub 1000 $x), write s.rate $x"
    );
}

#[test]
fn parameter_declaration_errors() {
    assert_eq!(
        first_err("elementclass C { KEY $k, $a | input -> output }"),
        ("compound element parameters out of order".into(), 1, 26)
    );
    assert_eq!(
        first_err("elementclass C { $a, $a | input -> output }"),
        ("parameter '$a' multiply defined".into(), 1, 22)
    );
    assert_eq!(
        first_err("define($A 1, $A 2)"),
        ("parameter '$A' multiply defined".into(), 1, 14)
    );
    assert_eq!(
        first_err("define(A 1)"),
        (
            "bad 'define' declaration: expected '$NAME value'".into(),
            1,
            8
        )
    );
    assert_eq!(
        first_err("elementclass C { input -> output || ... }"),
        ("cannot extend unknown element class 'C'".into(), 1, 14)
    );
}

#[test]
fn chain_port_errors() {
    assert_eq!(
        first_err("[1] a :: Idle -> Discard"),
        ("input ports ignored at start of chain".into(), 1, 1)
    );
    assert_eq!(
        first_err("Idle -> a :: Discard [1]"),
        ("output ports ignored at end of chain".into(), 1, 22)
    );
}

#[test]
fn expansion_is_bounded() {
    // Each level doubles the number of elements: 2^30 would never finish.
    let mut text = String::from("elementclass L0 { input -> Counter -> output }\n");
    for i in 1..=30 {
        text.push_str(&format!(
            "elementclass L{i} {{ input -> L{} -> L{} -> output }}\n",
            i - 1,
            i - 1
        ));
    }
    text.push_str("Idle -> L30 -> Discard\n");
    let e = errs(&text);
    assert!(e[0].0.starts_with("configuration too large"), "{}", e[0].0);
}

#[test]
fn deep_class_chains_do_not_overflow() {
    let mut text = String::from("elementclass L0 { input -> Counter -> output }\n");
    for i in 1..=3000 {
        text.push_str(&format!(
            "elementclass L{i} {{ input -> L{} -> output }}\n",
            i - 1
        ));
    }
    text.push_str("Idle -> L3000 -> Discard\n");
    let g = ok(&text);
    assert_eq!(g.elements.len(), 3);
    assert_eq!(g.connections.len(), 2);
}

#[test]
fn variable_expansion_is_bounded() {
    // Self reference is left as written instead of recursing.
    let g = ok("define($N a$N)\nIdle -> Print($N) -> Discard");
    let p = g.find("Print@2").unwrap();
    assert_eq!(g.elements[p].config, "a$N");
    // Ten levels of ten references would be 10^10 bytes.
    let mut text = String::from("define($V0 xxxxxxxxxx");
    for i in 1..=10 {
        let refs = format!("${{V{}}}", i - 1).repeat(10);
        text.push_str(&format!(", $V{i} {refs}"));
    }
    text.push_str(")\nIdle -> Print($V10) -> Discard");
    let e = errs(&text);
    assert_eq!(
        (e[0].0.as_str(), e[0].1, e[0].2),
        (
            "parameter expansion too large in the configuration of 'Print@2'",
            2,
            15
        )
    );
}

#[test]
fn load_reports_rendered_errors_with_sources() {
    let Err((sm, d)) = load("cfg.click", "Idle -> c :: Cuonter\n  -> Discard", &CLASSES) else {
        panic!("expected an error");
    };
    assert_eq!(
        d[0].render(&sm),
        "cfg.click:1:14: error: unknown element class 'Cuonter'\n\
         1 | Idle -> c :: Cuonter\n  \
           |              ^^^^^^^\n  \
         = note: did you mean 'Counter'?"
    );
    // Parse errors come back the same way.
    let Err((sm, d)) = load("cfg.click", "Idle -> ;", &CLASSES) else {
        panic!("expected an error");
    };
    assert_eq!(sm.location(d[0].span.unwrap()), "cfg.click:1:9");
}

#[test]
fn empty_configuration() {
    let g = ok("");
    assert!(g.elements.is_empty() && g.connections.is_empty() && g.warnings.is_empty());
}

#[test]
fn click5_group_equivalences() {
    // The five equivalent lines from click(5).
    for line in [
        "x -> y;",
        "x -> ( input -> output ) -> y;",
        "x -> ( [0] -> [0] ) -> y;",
        "x -> (->) -> y;",
        "x -> ( [0]->[0]; [1]->[1] ) => ( [0]->[0]; [1]->[1] ) -> y;",
    ] {
        let g = ok(&format!("x :: Idle; y :: Discard;\n{line}"));
        assert_eq!(names(&g), ["x :: Idle", "y :: Discard"], "{line}");
        assert_eq!(conns(&g), ["x[0] -> [0]y"], "{line}");
    }
}

#[test]
fn click5_parameter_examples() {
    let g = ok(
        "Idle -> { $a, COUNT $count, __REST__ $rest | input -> Print($a|$count|$rest) -> output }\
                (1, 2, COUNT 3, FOO 4) -> Discard",
    );
    let p = g.find("@2/Print@1").unwrap();
    assert_eq!(g.elements[p].config, "1|3|2, FOO 4");
    let g = ok("Idle -> { $a | input -> Print(1, $a, 3) -> output } (100) -> Discard");
    assert_eq!(
        g.elements[g.find("@2/Print@1").unwrap()].config,
        "1, 100, 3"
    );
    for bad in [
        "{ $a, $b | input -> output } (1)",
        "{ $a, $b | input -> output } (1, 2, 3)",
        "{ COUNT $count | input -> output } (1)",
    ] {
        let e = errs(&format!("Idle -> {bad} -> Discard"));
        assert!(
            e[0].0.starts_with("wrong number of arguments"),
            "{bad}: {}",
            e[0].0
        );
    }
    // Keyword parameters may come in any order, and '$' in single quotes
    // stays.
    let g =
        ok("Idle -> { A $a, B $b | input -> Print($a $b '$a') -> output } (B 2, A 1) -> Discard");
    assert_eq!(g.elements[g.find("@2/Print@1").unwrap()].config, "1 2 '$a'");
}

#[test]
fn element_classes_are_lexically_scoped() {
    // The Queue inside refers to the original Queue.
    let g = ok(
        "elementclass Queue { input -> Queue -> Counter -> output }\n\
                Idle -> Queue -> Unqueue -> Discard",
    );
    assert_eq!(
        names(&g),
        [
            "Idle@1 :: Idle",
            "Unqueue@3 :: Unqueue",
            "Discard@4 :: Discard",
            "Queue@2/Queue@1 :: Queue",
            "Queue@2/Counter@2 :: Counter"
        ]
    );
    // A class defined inside a compound is not visible outside it.
    let e = errs(
        "elementclass A { elementclass B { input -> output }; input -> B -> output }\n\
                  Idle -> B -> Discard",
    );
    assert_eq!(e[0].0, "undeclared element 'B'");
    assert_eq!((e[0].1, e[0].2), (2, 9));
}
