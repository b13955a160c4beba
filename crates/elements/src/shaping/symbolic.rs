//! Symbolic models of the marking elements: `SetIPDSCP`, `SetIPECN`,
//! `MarkIPCE`.
//!
//! The TOS byte is one field; the markers change some of its bits and
//! keep the others. A flow is split by the two ECN bits (at most four
//! parts), and on each part the new TOS is the old one plus a constant,
//! which the linear expressions carry exactly.

use verify::cond::{CmpOp, byte_test};
use verify::{
    Cx, Expr, Field, Flow, HeaderKind, IntervalSet, Model, ModelArgs, ModelError, ModelRegistry,
};

use crate::symbolic::number;

pub fn register(r: &mut ModelRegistry) {
    r.add("SetIPDSCP", set_dscp);
    r.add("SetIPECN", set_ecn);
    r.add("MarkIPCE", mark_ce);
}

/// The TOS values whose ECN bits are `ecn`.
fn ecn_is(ecn: u64) -> IntervalSet {
    byte_test(HeaderKind::Ipv4, 1, 1, 0x03, 0, CmpOp::Eq, ecn)
        .expect("the TOS byte is a field")
        .set
}

/// What happens to TOS values with ECN bits `ecn`.
enum Tos {
    /// The new value: old + delta.
    Add(u64),
    /// Packets like these are dropped.
    Drop(&'static str),
}

struct TosModel {
    rule: fn(&TosModel, u64, u64) -> Tos,
    value: u64,
}

impl Model for TosModel {
    fn apply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let Some(tos) = verify::model::read_ip(&flow, cx, Field::IpTos) else {
            return;
        };
        for ecn in 0..4 {
            let mut f = flow.clone();
            if f.store.constrain(cx.vars, &tos, &ecn_is(ecn)).is_err() {
                continue;
            }
            match (self.rule)(self, ecn, self.value) {
                Tos::Add(d) => {
                    f.set_ip_field(Field::IpTos, tos.add_const(d))
                        .expect("read above");
                    cx.emit(port, f);
                }
                Tos::Drop(why) => cx.drop_flow(f, why),
            }
        }
    }
}

struct SetDscp {
    dscp: u64,
}

impl Model for SetDscp {
    fn apply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>) {
        if verify::model::read_ip(&flow, cx, Field::IpTos).is_none() {
            return;
        }
        let tos = flow.ip_field(Field::IpTos).expect("read above");
        for ecn in 0..4 {
            let mut f = flow.clone();
            if f.store.constrain(cx.vars, &tos, &ecn_is(ecn)).is_err() {
                continue;
            }
            f.set_ip_field(Field::IpTos, Expr::constant((self.dscp << 2) | ecn, 8))
                .expect("read above");
            cx.emit(port, f);
        }
    }
}

fn set_dscp(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let Some(v) = a.first() else {
        return Err("expected SetIPDSCP(DSCP)".into());
    };
    let v = v.trim();
    let dscp = match v.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).map_err(|_| format!("bad DSCP '{v}'"))?,
        None => number(v, "DSCP")?,
    };
    if dscp > 63 {
        return Err(format!("DSCP {dscp} is more than 63").into());
    }
    Ok(Box::new(SetDscp { dscp }))
}

fn ecn_rule(_m: &TosModel, ecn: u64, to: u64) -> Tos {
    Tos::Add(to.wrapping_sub(ecn) & 0xff)
}

fn set_ecn(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let Some(v) = a.first() else {
        return Err("expected SetIPECN(ECN)".into());
    };
    let value = match v.trim().to_ascii_lowercase().as_str() {
        "no" | "not-ect" => 0,
        "ect1" => 1,
        "ect2" | "ect0" | "ect" => 2,
        "ce" => 3,
        n => number::<u64>(n, "ECN").and_then(|n| {
            if n < 4 {
                Ok(n)
            } else {
                Err(format!("ECN {n} is more than 3").into())
            }
        })?,
    };
    Ok(Box::new(TosModel {
        rule: ecn_rule,
        value,
    }))
}

fn ce_rule(_m: &TosModel, ecn: u64, force: u64) -> Tos {
    match ecn {
        1 | 2 => Tos::Add(3 - ecn),
        3 => Tos::Add(0),
        _ if force == 1 => Tos::Add(3),
        _ => Tos::Drop("not ECN-capable"),
    }
}

fn mark_ce(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let force = match a.first().map(|s| s.trim()) {
        None | Some("") => 0,
        Some(f) => {
            let f = f.strip_prefix("FORCE").map(str::trim).unwrap_or(f);
            u64::from(matches!(f, "true" | "1" | "yes"))
        }
    };
    Ok(Box::new(TosModel {
        rule: ce_rule,
        value: force,
    }))
}
