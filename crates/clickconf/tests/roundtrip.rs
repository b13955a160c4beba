//! Property tests: random syntax trees print to text that parses back to
//! the same tree, printed parses re-print identically, and nothing panics
//! on arbitrary input.

use clickconf::ast::*;
use clickconf::{Config, SourceMap, parse};
use proptest::prelude::*;

const S: clickconf::Span = NO_SPAN;

fn ident() -> impl Strategy<Value = String> {
    "[A-Za-z_@][A-Za-z0-9_@]{0,6}(/[A-Za-z0-9_@]{1,4})?".prop_filter("keyword", |s| {
        !matches!(
            s.as_str(),
            "elementclass" | "require" | "provide" | "define"
        )
    })
}

fn id() -> impl Strategy<Value = Ident> {
    ident().prop_map(|name| Ident { name, span: S })
}

/// Configuration text as a parser would capture it: balanced parentheses,
/// closed quotes and comments, no line directives.
fn config_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        "[A-Za-z0-9_.:-]{1,8}",
        Just(", ".to_string()),
        Just(" ".to_string()),
        Just("\"a, b ) (\"".to_string()),
        Just("'x)('".to_string()),
        Just("\\<0a 1B>".to_string()),
        Just("/* ) c */".to_string()),
        Just("// line ) comment\n".to_string()),
        Just("$x".to_string()),
        Just("\"q\\\"uote\"".to_string()),
        Just("\n  ".to_string()),
    ];
    let leaf = prop::collection::vec(atom, 0..6).prop_map(|v| v.concat());
    leaf.prop_recursive(2, 16, 3, |inner| {
        prop::collection::vec(inner, 1..3).prop_map(|v| format!("({})", v.join(", ")))
    })
}

fn cfg() -> impl Strategy<Value = ConfigText> {
    config_text().prop_map(|text| ConfigText { text, span: S })
}

fn ports() -> impl Strategy<Value = PortList> {
    (prop::collection::vec(0u32..70, 1..4), any::<bool>()).prop_map(|(ports, expandable)| {
        PortList {
            ports,
            expandable,
            span: S,
        }
    })
}

fn formals() -> impl Strategy<Value = Vec<Formal>> {
    prop::collection::vec(
        (prop::option::of("[A-Z][A-Z_]{0,5}"), "[a-z][a-z0-9_]{0,4}"),
        0..3,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(keyword, var)| Formal {
                keyword,
                var,
                span: S,
            })
            .collect()
    })
}

fn compound(depth: u32) -> BoxedStrategy<CompoundDef> {
    (
        prop::collection::vec((formals(), stmts(depth, true)), 1..3),
        any::<bool>(),
    )
        .prop_map(|(bodies, extends)| CompoundDef {
            bodies: bodies
                .into_iter()
                .map(|(formals, body)| CompoundBody {
                    formals,
                    body,
                    span: S,
                })
                .collect(),
            extends,
            span: S,
        })
        .boxed()
}

fn element(depth: u32) -> BoxedStrategy<ElementExpr> {
    let named = (
        id(),
        prop::option::of(id().prop_map(ClassExpr::Name)),
        prop::option::of(cfg()),
    )
        .prop_map(|(name, class, config)| ElementExpr::Named {
            name,
            class,
            config,
        });
    if depth == 0 {
        return named.boxed();
    }
    prop_oneof![
        6 => named,
        1 => (id(), compound(depth - 1), prop::option::of(cfg())).prop_map(|(name, c, config)| {
            ElementExpr::Named {
                name,
                class: Some(ClassExpr::Compound(Box::new(c))),
                config,
            }
        }),
        1 => (compound(depth - 1), prop::option::of(cfg()))
            .prop_map(|(def, config)| ElementExpr::Compound { def: Box::new(def), config }),
        1 => stmts(depth - 1, true).prop_map(|body| ElementExpr::Group { body, span: S }),
    ]
    .boxed()
}

fn endpoint(depth: u32) -> impl Strategy<Value = Endpoint> {
    (
        prop::option::of(ports()),
        element(depth),
        prop::option::of(ports()),
    )
        .prop_map(|(in_ports, element, out_ports)| Endpoint {
            in_ports,
            element,
            out_ports,
            span: S,
        })
}

fn connection(depth: u32, nested: bool) -> impl Strategy<Value = Connection> {
    (
        prop::collection::vec(
            (prop::collection::vec(endpoint(depth), 1..3), any::<bool>()),
            1..4,
        ),
        any::<bool>(),
        prop::option::of(ports()),
        any::<bool>(),
        prop::option::of(ports()),
    )
        .prop_map(move |(groups, imp_in, in_p, imp_out, out_p)| {
            let mut arrows = Vec::new();
            let mut gs: Vec<Vec<Endpoint>> = Vec::new();
            for (i, (g, many)) in groups.into_iter().enumerate() {
                if i > 0 {
                    arrows.push(Arrow { many, span: S });
                }
                gs.push(g);
            }
            // Implicit input/output only inside compounds and groups.
            if nested && imp_in {
                gs.insert(
                    0,
                    vec![Endpoint {
                        in_ports: None,
                        element: ElementExpr::Implicit { span: S },
                        out_ports: in_p,
                        span: S,
                    }],
                );
                arrows.insert(
                    0,
                    Arrow {
                        many: false,
                        span: S,
                    },
                );
            }
            if nested && imp_out {
                gs.push(vec![Endpoint {
                    in_ports: out_p,
                    element: ElementExpr::Implicit { span: S },
                    out_ports: None,
                    span: S,
                }]);
                arrows.push(Arrow {
                    many: true,
                    span: S,
                });
            }
            Connection {
                groups: gs,
                arrows,
                span: S,
            }
        })
}

fn stmt(depth: u32, nested: bool) -> BoxedStrategy<Stmt> {
    let dir = || cfg().prop_map(|args| Directive { args, span: S });
    let mut options: Vec<(u32, BoxedStrategy<Stmt>)> = vec![
        (
            8,
            connection(depth, nested).prop_map(Stmt::Connection).boxed(),
        ),
        (1, dir().prop_map(Stmt::Require).boxed()),
        (1, dir().prop_map(Stmt::Provide).boxed()),
        (1, dir().prop_map(Stmt::Define).boxed()),
        (
            1,
            (id(), id())
                .prop_map(|(name, other)| {
                    Stmt::ElementClass(ElementClassDecl {
                        name,
                        def: ClassDef::Synonym(other),
                        span: S,
                    })
                })
                .boxed(),
        ),
    ];
    if depth > 0 {
        options.push((
            2,
            (id(), compound(depth - 1))
                .prop_map(|(name, c)| {
                    Stmt::ElementClass(ElementClassDecl {
                        name,
                        def: ClassDef::Compound(c),
                        span: S,
                    })
                })
                .boxed(),
        ));
    }
    prop::strategy::Union::new_weighted(options).boxed()
}

fn stmts(depth: u32, nested: bool) -> BoxedStrategy<Config> {
    prop::collection::vec(stmt(depth, nested), 0..4)
        .prop_map(|stmts| Config { stmts })
        .boxed()
}

fn reparse(text: &str) -> Result<Config, String> {
    let mut sm = SourceMap::new();
    parse(&mut sm, "p.click", text).map_err(|d| d[0].render(&sm))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_trees_parse_back(config in stmts(2, false)) {
        let text = config.to_string();
        let again = reparse(&text);
        prop_assert!(again.is_ok(), "does not parse: {:?}\n{}", again.err(), text);
        let again = again.unwrap_or_default();
        prop_assert!(config.eq_ignoring_spans(&again), "tree changed:\n{}\n---\n{}", text, again);
        // Printing is stable.
        prop_assert_eq!(again.to_string(), text);
    }
}

/// Token soup: many of these fail to parse, but those that parse must
/// print to text that parses to the same tree.
fn soup() -> impl Strategy<Value = String> {
    let tok = prop_oneof![
        Just("a"),
        Just("b"),
        Just("Counter"),
        Just("x/y"),
        Just("::"),
        Just("->"),
        Just("=>"),
        Just(","),
        Just(";"),
        Just("\n"),
        Just("[0]"),
        Just("[1, 2-3]"),
        Just("[]"),
        Just("(1, \"a)\")"),
        Just("("),
        Just(")"),
        Just("{"),
        Just("}"),
        Just("|"),
        Just("||"),
        Just("..."),
        Just("$a"),
        Just("KEY"),
        Just("elementclass"),
        Just("require(p)"),
        Just("define($a 1)"),
        Just("input"),
        Just("output"),
        Just("//c\n"),
        Just("/*c*/"),
        Just(" "),
    ];
    prop::collection::vec(tok, 0..30).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn parsed_text_reprints_to_the_same_tree(text in soup()) {
        if let Ok(config) = reparse(&text) {
            let printed = config.to_string();
            let again = reparse(&printed);
            prop_assert!(again.is_ok(), "printed text does not parse: {:?}\n{}", again.err(), printed);
            prop_assert!(config.eq_ignoring_spans(&again.unwrap_or_default()), "{}", printed);
        }
    }

    #[test]
    fn nothing_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let classes = ["Idle", "Counter", "Discard", "Queue", "Tee"];
        match clickconf::load("x.click", &text, &classes) {
            Ok(g) => { let _ = g.to_dot(); }
            Err((sm, diags)) => {
                for d in diags { let _ = d.render(&sm); }
            }
        }
        for a in clickconf::args::split_args(&text) {
            prop_assert!(a.offset + a.len <= text.len());
            let _ = clickconf::args::unquote(&a.text);
            let _ = clickconf::args::split_words(&a.text);
        }
        let mut args = clickconf::args::Args::new(&text);
        let _ = args.read_mp::<u32>("A");
        let _ = args.read::<clickconf::args::Seconds>("B");
        let _ = args.rest();
        let _ = args.complete();
    }

    #[test]
    fn nothing_panics_on_click_like_text(text in soup()) {
        let classes = ["Idle", "Counter", "Discard", "Queue", "Tee"];
        if let Err((sm, diags)) = clickconf::load("x.click", &text, &classes) {
            for d in diags { let _ = d.render(&sm); }
        }
    }
}
