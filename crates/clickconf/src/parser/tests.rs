use super::*;
use crate::span::SourceMap;

fn p(text: &str) -> Config {
    let mut sm = SourceMap::new();
    match parse(&mut sm, "t.click", text) {
        Ok(c) => c,
        Err(d) => panic!("{}", d[0].render(&sm)),
    }
}

/// The single parse error: (message, line, col).
fn perr(text: &str) -> (String, u32, u32) {
    let mut sm = SourceMap::new();
    match parse(&mut sm, "t.click", text) {
        Ok(c) => panic!("expected an error, got {c:?}"),
        Err(d) => {
            assert_eq!(d.len(), 1);
            let (l, c) = d[0].span.map_or((0, 0), |s| sm.line_col(s));
            (d[0].message.clone(), l, c)
        }
    }
}

fn conn(c: &Config, i: usize) -> &Connection {
    match &c.stmts[i] {
        Stmt::Connection(c) => c,
        other => panic!("not a connection: {other:?}"),
    }
}

fn named(e: &Endpoint) -> (&str, Option<&str>, Option<&str>) {
    match &e.element {
        ElementExpr::Named {
            name,
            class,
            config,
        } => (
            name.name.as_str(),
            match class {
                Some(ClassExpr::Name(c)) => Some(c.name.as_str()),
                Some(ClassExpr::Compound(_)) => Some("{}"),
                None => None,
            },
            config.as_ref().map(|c| c.text.as_str()),
        ),
        other => panic!("not named: {other:?}"),
    }
}

#[test]
fn declarations() {
    let c = p("a :: Counter(1, 2); b, c :: Queue\nd::Discard");
    assert_eq!(c.stmts.len(), 3);
    assert_eq!(
        named(&conn(&c, 0).groups[0][0]),
        ("a", Some("Counter"), Some("1, 2"))
    );
    let g = &conn(&c, 1).groups[0];
    assert_eq!(g.len(), 2);
    assert_eq!(named(&g[0]), ("b", None, None));
    assert_eq!(named(&g[1]), ("c", Some("Queue"), None));
    assert_eq!(
        named(&conn(&c, 2).groups[0][0]),
        ("d", Some("Discard"), None)
    );
}

#[test]
fn connections_with_ports() {
    let c = p("a[1] -> [0]b; a [1] -> [2] b\nx -> y -> z");
    let k = conn(&c, 0);
    assert_eq!(k.groups.len(), 2);
    assert_eq!(k.groups[0][0].out_ports.as_ref().unwrap().ports, [1]);
    assert_eq!(k.groups[1][0].in_ports.as_ref().unwrap().ports, [0]);
    let k = conn(&c, 1);
    assert_eq!(k.groups[1][0].in_ports.as_ref().unwrap().ports, [2]);
    assert_eq!(conn(&c, 2).groups.len(), 3);
    assert!(!conn(&c, 2).arrows[0].many);
}

#[test]
fn statements_end_without_semicolons() {
    // Click ends a connection where the next token cannot continue it.
    let c = p("a -> b c -> d\n\n;;\ne :: F");
    assert_eq!(c.stmts.len(), 3);
    assert_eq!(conn(&c, 0).groups.len(), 2);
    assert_eq!(named(&conn(&c, 1).groups[0][0]).0, "c");
}

#[test]
fn declarations_inside_connections_and_anonymous() {
    let c = p("src -> c :: Counter -> Discard; Idle(3) -> Discard");
    let k = conn(&c, 0);
    assert_eq!(named(&k.groups[1][0]), ("c", Some("Counter"), None));
    assert_eq!(named(&k.groups[2][0]), ("Discard", None, None));
    assert_eq!(named(&conn(&c, 1).groups[0][0]), ("Idle", None, Some("3")));
}

#[test]
fn config_strings_are_raw() {
    let c = p("a :: Print(\"x)y\" /* ) */, 'q(', \\<29 28>, (nested, parens)) -> b");
    assert_eq!(
        named(&conn(&c, 0).groups[0][0]).2,
        Some("\"x)y\" /* ) */, 'q(', \\<29 28>, (nested, parens)")
    );
    let c = p("a :: X(); b :: Y");
    assert_eq!(named(&conn(&c, 0).groups[0][0]).2, Some(""));
}

#[test]
fn config_span_points_into_source() {
    let text = "a :: Print(hello, world)";
    let c = p(text);
    let ElementExpr::Named {
        config: Some(cfg), ..
    } = &conn(&c, 0).groups[0][0].element
    else {
        panic!()
    };
    assert_eq!(&text[cfg.span.start..cfg.span.end], "hello, world");
}

#[test]
fn comments_and_line_directives() {
    let c = p("// comment\na /* b -> c */ -> d // e -> f\n# 12 \"other.click\"\n#line 3\ng -> h");
    assert_eq!(c.stmts.len(), 2);
    // A line directive inside a configuration string is removed from it.
    let c = p("a :: X(1,\n# 5 \"f\"\n2)");
    assert_eq!(named(&conn(&c, 0).groups[0][0]).2, Some("1,\n\n2"));
}

#[test]
fn elementclass_forms() {
    let c = p(
        "elementclass Foo { $a, $b, KEY $k | input -> Print($a) -> output }\n\
               elementclass Bar Foo\n\
               elementclass Baz { input -> output || input -> Discard || ... }",
    );
    let Stmt::ElementClass(d) = &c.stmts[0] else {
        panic!()
    };
    assert_eq!(d.name.name, "Foo");
    let ClassDef::Compound(def) = &d.def else {
        panic!()
    };
    let f = &def.bodies[0].formals;
    assert_eq!(f.len(), 3);
    assert_eq!((f[0].keyword.as_deref(), f[0].var.as_str()), (None, "a"));
    assert_eq!(
        (f[2].keyword.as_deref(), f[2].var.as_str()),
        (Some("KEY"), "k")
    );
    let Stmt::ElementClass(d) = &c.stmts[1] else {
        panic!()
    };
    assert!(matches!(&d.def, ClassDef::Synonym(i) if i.name == "Foo"));
    let Stmt::ElementClass(d) = &c.stmts[2] else {
        panic!()
    };
    let ClassDef::Compound(def) = &d.def else {
        panic!()
    };
    assert_eq!(def.bodies.len(), 2);
    assert!(def.extends);
}

#[test]
fn inline_compounds() {
    let c = p("x :: { input -> Counter -> output }; a -> { input -> output }(1) -> b");
    assert_eq!(named(&conn(&c, 0).groups[0][0]).1, Some("{}"));
    let k = conn(&c, 1);
    assert!(
        matches!(&k.groups[1][0].element, ElementExpr::Compound { config: Some(c), .. } if c.text == "1")
    );
}

#[test]
fn implicit_ports_in_compounds() {
    let c = p("elementclass A { -> Counter -> ; [1] -> Discard; Idle -> [1] }");
    let Stmt::ElementClass(d) = &c.stmts[0] else {
        panic!()
    };
    let ClassDef::Compound(def) = &d.def else {
        panic!()
    };
    let body = &def.bodies[0].body;
    let k = conn(body, 0);
    assert!(matches!(
        k.groups[0][0].element,
        ElementExpr::Implicit { .. }
    ));
    assert!(matches!(
        k.groups[2][0].element,
        ElementExpr::Implicit { .. }
    ));
    let k = conn(body, 1);
    assert_eq!(k.groups[0][0].out_ports.as_ref().unwrap().ports, [1]);
    let k = conn(body, 2);
    assert_eq!(k.groups[1][0].in_ports.as_ref().unwrap().ports, [1]);
}

#[test]
fn port_lists_groups_and_many_arrows() {
    let c = p("a [0, 2-4] => [] b; x => (input -> y -> output) -> z");
    let k = conn(&c, 0);
    assert_eq!(
        k.groups[0][0].out_ports.as_ref().unwrap().ports,
        [0, 2, 3, 4]
    );
    let ip = k.groups[1][0].in_ports.as_ref().unwrap();
    assert_eq!((ip.ports.as_slice(), ip.expandable), (&[0u32][..], true));
    assert!(k.arrows[0].many);
    let k = conn(&c, 1);
    assert!(matches!(k.groups[1][0].element, ElementExpr::Group { .. }));
}

#[test]
fn require_and_define() {
    let c = p("require(package \"foo\", bar); define($N 10, $M 20) provide(x)");
    assert!(matches!(&c.stmts[0], Stmt::Require(d) if d.args.text == "package \"foo\", bar"));
    assert!(matches!(&c.stmts[1], Stmt::Define(d) if d.args.text == "$N 10, $M 20"));
    assert!(matches!(&c.stmts[2], Stmt::Provide(_)));
}

#[test]
fn syntax_errors_have_positions() {
    assert_eq!(
        perr("Idle -> Discard = x"),
        (
            "syntax error: expected '->' or ';', found '='".into(),
            1,
            17
        )
    );
    assert_eq!(
        perr("a -> b\n  -> ;"),
        (
            "syntax error: expected element after '->', found ';'".into(),
            2,
            6
        )
    );
    assert_eq!(
        perr("a :: ;"),
        (
            "missing element type in declaration: expected class name or '{' after '::', found ';'"
                .into(),
            1,
            6
        )
    );
    assert_eq!(
        perr("x :: Foo\n/* open"),
        ("unterminated comment: expected '*/'".into(), 2, 1)
    );
    assert_eq!(
        perr("x :: Foo(\"abc)"),
        (
            "unterminated quoted string: expected closing \"".into(),
            1,
            10
        )
    );
    assert_eq!(
        perr("x :: Foo(a, b\n -> c"),
        (
            "unterminated configuration string: expected ')' to match '('".into(),
            1,
            9
        )
    );
    assert_eq!(
        perr("elementclass X {\n input -> output\n"),
        (
            "unterminated compound element: expected '}' to match '{'".into(),
            1,
            16
        )
    );
    assert_eq!(
        perr("a -> (b -> c"),
        (
            "unterminated element group: expected ')' to match '('".into(),
            1,
            6
        )
    );
    assert_eq!(
        perr("a }"),
        (
            "syntax error: expected statement (element, connection, 'elementclass', 'require' or 'define'), found '}'"
                .into(),
            1,
            3
        )
    );
    assert_eq!(
        perr("a[x] -> b"),
        (
            "syntax error: port number should be integer, found 'x'".into(),
            1,
            3
        )
    );
    assert_eq!(
        perr("a[1 2] -> b"),
        (
            "syntax error: expected ',' or ']' in port list, found '2'".into(),
            1,
            5
        )
    );
    assert_eq!(
        perr("a[70000] -> b"),
        ("port number 70000 too large (maximum 65535)".into(), 1, 3)
    );
    assert_eq!(
        perr("elementclass { }"),
        (
            "expected element class name after 'elementclass', found '{'".into(),
            1,
            14
        )
    );
    assert_eq!(
        perr("elementclass X { $a $b | }"),
        (
            "expected ',' or '|' after compound parameter, found '$b'".into(),
            1,
            21
        )
    );
    assert_eq!(
        perr("elementclass X { ... }"),
        (
            "'...' should occur last, after one or more compounds: expected '}' after it".into(),
            1,
            18
        )
    );
    assert_eq!(
        perr("require x"),
        ("expected '(' after 'require', found 'x'".into(), 1, 9)
    );
    assert_eq!(
        perr("#pragma once\n"),
        (
            "unknown preprocessor directive: expected '# LINE \"FILE\"'".into(),
            1,
            1
        )
    );
    // Outside a compound an arrow cannot start a connection.
    assert_eq!(
        perr("-> a"),
        (
            "syntax error: expected element name or class, found '->'".into(),
            1,
            1
        )
    );
}

#[test]
fn nesting_is_bounded() {
    let deep = "{".repeat(MAX_DEPTH + 5);
    let text = format!("x :: {deep}");
    let (msg, _, _) = perr(&text);
    assert!(msg.contains("nesting depth"), "{msg}");
    let deep = "(".repeat(MAX_DEPTH + 5);
    let text = format!("x -> {deep}");
    let (msg, _, _) = perr(&text);
    assert!(msg.contains("nesting depth"), "{msg}");
}

#[test]
fn empty_inputs() {
    assert!(p("").stmts.is_empty());
    assert!(p("  // nothing\n;;").stmts.is_empty());
}

#[test]
fn port_lists_are_bounded() {
    let text = "a[0-65535] -> b\n".repeat(17);
    let (msg, line, col) = perr(&text);
    assert_eq!(
        msg,
        format!("too many ports: a configuration may list at most {MAX_TOTAL_PORTS}")
    );
    assert_eq!((line, col), (17, 5));
    // Backwards ranges add nothing, as in Click.
    let c = p("a[3-1] -> b");
    assert_eq!(
        conn(&c, 0).groups[0][0].out_ports.as_ref().unwrap().ports,
        [3]
    );
}
