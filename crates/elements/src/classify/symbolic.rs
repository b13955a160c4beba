//! Symbolic models of `IPClassifier` and `IPFilter`: every rule of the
//! filter language becomes a condition on the fields it reads.

use verify::cond::{Base, CmpOp, Formula, byte_test, first_match};
use verify::{Cx, Flow, HeaderKind, Model, ModelArgs, ModelError, ModelRegistry};

use super::pattern::{self, Expr, Op};

pub fn register(r: &mut ModelRegistry) {
    r.add("IPClassifier", ip_classifier);
    r.add("IPFilter", ip_filter);
}

fn formula(e: &Expr) -> Result<Formula, String> {
    Ok(match e {
        Expr::Const(true) => Formula::True,
        Expr::Const(false) => Formula::False,
        Expr::Cmp { field, op, value } => {
            let (base, kind) = match field.base {
                pattern::Base::Ip => (Base::Ip, HeaderKind::Ipv4),
                pattern::Base::Transport => (Base::Transport, HeaderKind::Transport),
                pattern::Base::Mac => (Base::Mac, HeaderKind::Ether),
            };
            let op = match op {
                Op::Eq => CmpOp::Eq,
                Op::Ne => CmpOp::Ne,
                Op::Lt => CmpOp::Lt,
                Op::Gt => CmpOp::Gt,
                Op::Le => CmpOp::Le,
                Op::Ge => CmpOp::Ge,
            };
            let t = byte_test(
                kind,
                u32::from(field.offset),
                u32::from(field.len),
                u64::from(field.mask),
                u32::from(field.shift),
                op,
                u64::from(*value),
            )?;
            Formula::Test(base, t)
        }
        Expr::Not(x) => Formula::Not(Box::new(formula(x)?)),
        Expr::And(xs) => Formula::And(xs.iter().map(formula).collect::<Result<_, _>>()?),
        Expr::Or(xs) => Formula::Or(xs.iter().map(formula).collect::<Result<_, _>>()?),
        Expr::Cond(a, b, c) => {
            let a = formula(a)?;
            Formula::Or(vec![
                Formula::And(vec![a.clone(), formula(b)?]),
                Formula::And(vec![Formula::Not(Box::new(a)), formula(c)?]),
            ])
        }
    })
}

/// First matching rule wins; what matches none is dropped.
struct Rules {
    rules: Vec<(Formula, Option<usize>)>,
    /// The rules as written, for explanations.
    texts: Vec<String>,
    class: &'static str,
}

impl Model for Rules {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let reason = |i: usize| format!("{} rule {i} '{}' drops it", self.class, self.texts[i]);
        for rest in first_match(cx, flow, &self.rules, &reason) {
            let all: Vec<String> = self.texts.iter().map(|t| format!("'{t}'")).collect();
            cx.drop_flow(
                rest,
                format!("no {} rule matches ({})", self.class, all.join(", ")),
            );
        }
    }
}

fn ip_classifier(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let mut rules = Vec::new();
    for (i, text) in args.args().iter().enumerate() {
        let e = pattern::parse(text).map_err(|e| format!("pattern {i}: {e}"))?;
        rules.push((
            formula(&e).map_err(|m| format!("pattern {i}: {m}"))?,
            Some(i),
        ));
    }
    Ok(Box::new(Rules {
        rules,
        texts: args.args().iter().map(|t| t.trim().to_string()).collect(),
        class: "IPClassifier",
    }))
}

fn ip_filter(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let mut rules = Vec::new();
    for (i, text) in args.args().iter().enumerate() {
        let text = text.trim();
        let (action, pat) = text
            .split_once(|c: char| c.is_ascii_whitespace())
            .unwrap_or((text, ""));
        let target = match action {
            "allow" => Some(0),
            "drop" | "deny" => None,
            n => Some(
                n.parse::<usize>()
                    .map_err(|_| format!("rule {i}: unknown action '{n}'"))?,
            ),
        };
        let e = pattern::parse(pat).map_err(|e| format!("rule {i}: {e}"))?;
        rules.push((formula(&e).map_err(|m| format!("rule {i}: {m}"))?, target));
    }
    Ok(Box::new(Rules {
        rules,
        texts: args.args().iter().map(|t| t.trim().to_string()).collect(),
        class: "IPFilter",
    }))
}
