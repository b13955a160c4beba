//! Symbolic models of the IP elements: `CheckIPHeader`, `MarkIPHeader`,
//! `DecIPTTL`.

use verify::{
    Anno, Cx, Field, Flow, HeaderKind, IntervalSet, MemoryViolation, Model, ModelArgs, ModelError,
    ModelRegistry,
};

use crate::symbolic::number;

pub fn register(r: &mut ModelRegistry) {
    r.add("CheckIPHeader", check_ip_header);
    r.add("MarkIPHeader", mark_ip_header);
    r.add("DecIPTTL", dec_ip_ttl);
}

/// Marks the IPv4 header `offset` bytes after the data pointer; with
/// `check`, packets that are not IPv4 go to output 1 (or are dropped).
struct MarkModel {
    offset: usize,
    check: bool,
    outputs: usize,
}

impl Model for MarkModel {
    fn apply(&self, _port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let i = match flow.header_at_offset(self.offset) {
            Ok(i) => i,
            Err(_) => {
                let v = MemoryViolation {
                    wanted: HeaderKind::Ipv4,
                    found: None,
                };
                cx.memory(flow, &v);
                return;
            }
        };
        if let Err(v) = flow.expect(i, HeaderKind::Ipv4) {
            cx.memory(flow, &v);
            return;
        }
        flow.net = Some(i);
        if !self.check {
            cx.emit(0, flow);
            return;
        }
        let vers = flow.field(i, Field::IpVers).clone();
        let (good, bad) = cx.split(&flow, &vers, &IntervalSet::point(4));
        if let Some(mut g) = good {
            // As the element: a valid packet's destination annotation is
            // its destination.
            let dst = g.field(i, Field::IpDst).clone();
            g.set_anno(Anno::DstIp, dst);
            cx.emit(0, g);
        }
        if let Some(b) = bad {
            if self.outputs > 1 {
                cx.emit(1, b);
            } else {
                cx.drop_flow(b, "bad IP header (version is not 4)");
            }
        }
    }
}

/// The OFFSET argument: the first positional argument or the `OFFSET`
/// keyword. Other keywords (INTERFACES, BADSRC, CHECKSUM, ...) are not
/// modelled: the checks on source addresses they add are left out, so the
/// model lets through a superset of what the element lets through.
fn offset_arg(args: &ModelArgs<'_>) -> Result<usize, ModelError> {
    let mut offset = 0;
    for (i, a) in args.args().iter().enumerate() {
        let a = a.trim();
        let (word, rest) = a.split_once(char::is_whitespace).unwrap_or((a, ""));
        let keyword = word.len() > 1 && word.chars().all(|c| c.is_ascii_uppercase() || c == '_');
        if keyword {
            if word == "OFFSET" {
                offset = number(rest.trim(), "OFFSET")?;
            }
        } else if i == 0 && !a.is_empty() {
            offset = number(a, "OFFSET")?;
        }
    }
    Ok(offset)
}

fn check_ip_header(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(MarkModel {
        offset: offset_arg(args)?,
        check: true,
        outputs: args.noutputs,
    }))
}

fn mark_ip_header(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(MarkModel {
        offset: offset_arg(args)?,
        check: false,
        outputs: 1,
    }))
}

/// TTL above 1: decremented, output 0; otherwise output 1 (or dropped).
struct DecTtl {
    outputs: usize,
}

impl Model for DecTtl {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let Some(ttl) = verify::model::read_ip(&flow, cx, Field::IpTtl) else {
            return;
        };
        let (alive, expired) = cx.split(&flow, &ttl, &IntervalSet::range(2, 255));
        if let Some(mut a) = alive {
            a.set_ip_field(Field::IpTtl, ttl.add_const(255))
                .expect("read above");
            cx.emit(0, a);
        }
        if let Some(e) = expired {
            if self.outputs > 1 {
                cx.emit(1, e);
            } else {
                cx.drop_flow(e, "TTL expired");
            }
        }
    }
}

fn dec_ip_ttl(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(DecTtl {
        outputs: args.noutputs,
    }))
}
