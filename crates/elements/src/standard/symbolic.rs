//! Symbolic models of the standard elements: `Strip`, `Unstrip`,
//! `Classifier`, `Paint`, `PaintSwitch`, `Tee`.

use verify::cond::{CmpOp, Formula, byte_test, first_match};
use verify::flow::OffsetError;
use verify::{
    Anno, Cx, Expr, Flow, HeaderKind, IntervalSet, MemoryViolation, Model, ModelArgs, ModelError,
    ModelRegistry,
};

use super::classifier::{Pattern, parse_pattern};
use crate::symbolic::{Everywhere, number};

pub fn register(r: &mut ModelRegistry) {
    r.add("Strip", strip);
    r.add("Unstrip", unstrip);
    r.add("Classifier", classifier);
    r.add("Paint", paint);
    r.add("PaintSwitch", paint_switch);
    r.add("Tee", tee);
    r.add("Switch", switch);
    r.add("PaintTee", paint_tee);
    r.add("StripToNetworkHeader", strip_to_network_header);
    r.add("StoreData", store_data);
}

fn offset_violation(e: OffsetError, what: HeaderKind) -> MemoryViolation {
    match e {
        OffsetError::PastEnd => MemoryViolation {
            wanted: what,
            found: None,
        },
        OffsetError::Inside(k) => MemoryViolation {
            wanted: what,
            found: Some(k),
        },
    }
}

/// `Strip(N)`: the data pointer moves over whole headers totalling N
/// bytes.
struct Strip {
    bytes: usize,
}

impl Model for Strip {
    fn apply(&self, _port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        match flow.header_at_offset(self.bytes) {
            Ok(i) => {
                flow.head = i;
                cx.emit(0, flow);
            }
            Err(e) => {
                let v = offset_violation(e, HeaderKind::Payload);
                cx.memory(flow, &v);
            }
        }
    }
}

fn strip(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let [n] = a.as_slice() else {
        return Err("expected Strip(LENGTH)".into());
    };
    Ok(Box::new(Strip {
        bytes: number(n, "LENGTH")?,
    }))
}

/// `Unstrip(N)`: the data pointer moves back over N bytes of headers
/// still in front of it.
struct Unstrip {
    bytes: usize,
}

impl Model for Unstrip {
    fn apply(&self, _port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let mut left = self.bytes;
        let mut i = flow.head;
        while left > 0 {
            let Some(prev) = i.checked_sub(1) else { break };
            match flow.headers[prev].kind.fixed_len() {
                Some(n) if n <= left => {
                    left -= n;
                    i = prev;
                }
                _ => break,
            }
        }
        if left > 0 {
            let v = MemoryViolation {
                wanted: HeaderKind::Ether,
                found: None,
            };
            cx.unmet(
                flow,
                format!(
                    "Unstrip({}) moves before the packet's first header: {v}",
                    self.bytes
                ),
            );
            return;
        }
        flow.head = i;
        cx.emit(0, flow);
    }
}

fn unstrip(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let [n] = a.as_slice() else {
        return Err("expected Unstrip(LENGTH)".into());
    };
    Ok(Box::new(Unstrip {
        bytes: number(n, "LENGTH")?,
    }))
}

/// `Classifier`: byte patterns at offsets from the data pointer, mapped
/// onto the headers the flow has there.
struct ClassifierModel {
    patterns: Vec<Pattern>,
    /// The patterns as written, for explanations.
    texts: Vec<String>,
}

/// The header (kind, byte offset in it) holding byte `off` after the data
/// pointer, by the headers' lengths on the wire.
fn locate(flow: &Flow, vars: &verify::Vars, off: u32) -> Option<(HeaderKind, u32)> {
    let mut left = off;
    for i in flow.head..flow.headers.len() {
        let len = flow.header_len(vars, i)?;
        if left < len {
            return Some((flow.headers[i].kind, left));
        }
        left -= len;
    }
    None
}

/// The tests of one 4-byte word: bytes grouped by the field they fall in.
fn word_formula(
    flow: &Flow,
    vars: &verify::Vars,
    w: &super::classifier::Word,
) -> Result<Formula, String> {
    // (kind, header offset, mask byte, value byte) for each compared byte.
    let mut bytes = Vec::new();
    for k in 0..4u32 {
        let shift = 24 - 8 * k;
        let m = (w.mask >> shift) & 0xff;
        if m == 0 {
            continue;
        }
        let v = (w.value >> shift) & 0xff;
        let Some((kind, hoff)) = locate(flow, vars, w.offset + k) else {
            return Err(format!(
                "byte {} is past the modelled headers",
                w.offset + k
            ));
        };
        bytes.push((kind, hoff, m, v));
    }
    let mut tests = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let (kind, start, _, _) = bytes[i];
        // Extend over consecutive bytes of the same header while the test
        // stays inside one field (byte_test says when it does not).
        let mut j = i + 1;
        let mut best = None;
        loop {
            let run = &bytes[i..j];
            let len = run.len() as u32;
            let contiguous = run
                .iter()
                .enumerate()
                .all(|(n, b)| b.0 == kind && b.1 == start + n as u32);
            if !contiguous {
                break;
            }
            let (mut mask, mut value) = (0u64, 0u64);
            for b in run {
                mask = (mask << 8) | u64::from(b.2);
                value = (value << 8) | u64::from(b.3);
            }
            match byte_test(kind, start, len, mask, 0, CmpOp::Eq, value) {
                Ok(t) => best = Some((j, t)),
                Err(e) if best.is_none() && len == 1 => {
                    // One byte over two fields (IPv4 version and length).
                    let mut parts = Vec::new();
                    for nib in [0xf0u64, 0x0f] {
                        let m = mask & nib;
                        if m != 0 {
                            parts.push(Formula::Test(
                                verify::cond::Base::Data,
                                byte_test(kind, start, 1, m, 0, CmpOp::Eq, value & m)
                                    .map_err(|_| e.clone())?,
                            ));
                        }
                    }
                    tests.push(Formula::And(parts));
                    best = None;
                    i = j;
                    break;
                }
                Err(_) => break,
            }
            if j == bytes.len() {
                break;
            }
            j += 1;
        }
        if let Some((end, t)) = best {
            tests.push(Formula::Test(verify::cond::Base::Data, t));
            i = end;
        } else if i < j && tests.is_empty() && i == 0 {
            return Err("a pattern byte is not in a modelled field".into());
        }
    }
    Ok(Formula::And(tests))
}

impl Model for ClassifierModel {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let mut rules = Vec::with_capacity(self.patterns.len());
        for (i, p) in self.patterns.iter().enumerate() {
            let mut clauses = Vec::new();
            for c in &p.clauses {
                let mut words = Vec::new();
                for w in &c.words {
                    if w.mask == 0 {
                        continue;
                    }
                    match word_formula(&flow, cx.vars, w) {
                        Ok(f) => words.push(f),
                        Err(e) => {
                            cx.unmet(flow, format!("Classifier pattern {i}: {e}"));
                            return;
                        }
                    }
                }
                let f = Formula::And(words);
                clauses.push(if c.negated {
                    Formula::Not(Box::new(f))
                } else {
                    f
                });
            }
            rules.push((Formula::And(clauses), Some(i)));
        }
        for rest in first_match(cx, flow, &rules, &|_| String::new()) {
            cx.drop_flow(
                rest,
                format!("no Classifier pattern matches ({})", self.texts.join(", ")),
            );
        }
    }
}

fn classifier(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let texts = args.args();
    let patterns = texts
        .iter()
        .enumerate()
        .map(|(i, a)| parse_pattern(a, i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Box::new(ClassifierModel { patterns, texts }))
}

struct PaintModel {
    color: u64,
}

impl Model for PaintModel {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        flow.set_anno(Anno::Paint, Expr::constant(self.color, 8));
        cx.emit(port, flow);
    }
}

fn paint(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let Some(c) = a.first() else {
        return Err("expected Paint(COLOR)".into());
    };
    Ok(Box::new(PaintModel {
        color: number(c, "COLOR")?,
    }))
}

struct PaintSwitchModel {
    outputs: usize,
}

/// As the element: paint 255 sends a copy out of every output.
const PAINT_EVERY_OUTPUT: u64 = 255;

impl Model for PaintSwitchModel {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let paint = flow.anno(Anno::Paint);
        let (every, some) = cx.split(&flow, &paint, &IntervalSet::point(PAINT_EVERY_OUTPUT));
        if let Some(e) = every {
            for out in 0..self.outputs {
                cx.emit(out, e.clone());
            }
        }
        let mut rest = some;
        for out in 0..self.outputs {
            let Some(f) = rest.take() else { break };
            let (yes, no) = cx.split(&f, &paint, &IntervalSet::point(out as u64));
            if let Some(y) = yes {
                cx.emit(out, y);
            }
            rest = no;
        }
        if let Some(r) = rest {
            cx.drop_flow(r, "paint names no output");
        }
    }
}

fn paint_switch(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    if args
        .args()
        .iter()
        .any(|a| !matches!(a.trim(), "" | "PAINT"))
    {
        return Err("only the paint annotation itself (no other ANNO) is modelled".into());
    }
    Ok(Box::new(PaintSwitchModel {
        outputs: args.noutputs,
    }))
}

fn tee(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(Everywhere {
        outputs: args.noutputs.max(1),
    }))
}

/// `Switch(K)`: every packet to output K; -1 drops.
struct SwitchModel {
    output: i64,
}

impl Model for SwitchModel {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        if self.output < 0 {
            cx.drop_flow(flow, "Switch is set to drop");
        } else {
            cx.emit(self.output as usize, flow);
        }
    }
}

fn switch(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let output = match a.first().map(|s| s.trim()) {
        None | Some("") => 0,
        Some(k) => number(k, "OUTPUT")?,
    };
    Ok(Box::new(SwitchModel { output }))
}

/// Paint of a flow compared with a color, checking that the annotation
/// offset is the paint's own.
fn color_arg(args: &ModelArgs<'_>, class: &str) -> Result<u64, ModelError> {
    let a = args.args();
    let Some(c) = a.first() else {
        return Err(format!("expected {class}(COLOR)").into());
    };
    if a.len() > 1 {
        return Err("only the paint annotation itself (no ANNO argument) is modelled".into());
    }
    number(c, "COLOR")
}

/// `PaintTee(COLOR)`: everything to output 0, a copy of packets of that
/// paint to output 1.
struct PaintTeeModel {
    color: u64,
}

impl Model for PaintTeeModel {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let paint = flow.anno(Anno::Paint);
        let (yes, _) = cx.split(&flow, &paint, &IntervalSet::point(self.color));
        if let Some(y) = yes {
            cx.emit(1, y);
        }
        cx.emit(0, flow);
    }
}

fn paint_tee(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(PaintTeeModel {
        color: color_arg(args, "PaintTee")?,
    }))
}

/// Moves the data pointer to the network header.
struct ToNetworkHeader;

impl Model for ToNetworkHeader {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        match flow.ip() {
            Ok(i) => {
                flow.head = i;
                cx.emit(port, flow);
            }
            Err(v) => cx.memory(flow, &v),
        }
    }
}

fn strip_to_network_header(_args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(ToNetworkHeader))
}

/// For `CheckPaint` in the routing group.
pub(crate) fn paint_color(args: &ModelArgs<'_>, class: &str) -> Result<u64, ModelError> {
    color_arg(args, class)
}

/// `StoreData(OFFSET, DATA [, MASK])`: the bytes written are mapped onto
/// the fields they fall in. A field written whole (every bit) becomes the
/// constant; a field written in part becomes a new value whose written
/// bits are the data's and whose other bits are unknown (the relation to
/// the old value is not kept: an over-approximation).
struct StoreDataModel {
    offset: u32,
    data: Vec<u8>,
    mask: Vec<u8>,
}

impl Model for StoreDataModel {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        // (header index, field, field width) → (written bits, their
        // values), both as masks over the field (bit 0 least significant).
        let mut writes: Vec<(usize, verify::Field, u64, u64)> = Vec::new();
        for (k, &d) in self.data.iter().enumerate() {
            let m = self.mask.get(k).copied().unwrap_or(0xff);
            if m == 0 {
                continue;
            }
            let at = self.offset + k as u32;
            let Some((kind, hoff)) = locate(&flow, cx.vars, at) else {
                // Past the modelled headers: payload bytes, not modelled
                // apart from the payload's identity.
                continue;
            };
            let Some(idx) = (flow.head..flow.headers.len()).find(|&i| {
                flow.headers[i].kind == kind && header_start(&flow, cx.vars, i) == Some(at - hoff)
            }) else {
                continue;
            };
            for b in 0..8u32 {
                let bit = 0x80u8 >> b;
                if m & bit == 0 {
                    continue;
                }
                let header_bit = hoff * 8 + b;
                let Some((field, _start, end)) = verify::cond::field_at(kind, header_bit) else {
                    cx.unmet(
                        flow,
                        format!(
                            "StoreData writes byte {hoff} of the {} header, which is not a modelled field",
                            kind.name()
                        ),
                    );
                    return;
                };
                let field_bit = u64::from(end - 1 - header_bit);
                let value = u64::from(d & bit != 0) << field_bit;
                match writes.iter_mut().find(|x| x.0 == idx && x.1 == field) {
                    Some(x) => {
                        x.2 |= 1 << field_bit;
                        x.3 |= value;
                    }
                    None => writes.push((idx, field, 1 << field_bit, value)),
                }
            }
        }
        for (idx, field, written, value) in writes {
            let w = field.width();
            let full = verify::domain::max_of(w);
            let e = if written == full {
                Expr::constant(value, w)
            } else {
                // Kept bits come from the old value, which the linear
                // form cannot take apart: the new value is any value with
                // the written bits, exactly so for narrow fields and for
                // a written prefix of a wide one, else left open.
                let set = if w <= 16 {
                    IntervalSet::from_ranges(
                        (0..=full)
                            .filter(|v| v & written == value)
                            .map(|v| (v, v))
                            .collect(),
                    )
                } else if written == full & !verify::domain::max_of(written.trailing_zeros() as u8)
                {
                    let low = verify::domain::max_of(written.trailing_zeros() as u8);
                    IntervalSet::range(value, value | low)
                } else {
                    IntervalSet::full(w)
                };
                let v = cx.vars.fresh_in(
                    format!("{}.{}", cx.scope, field.name()),
                    w,
                    verify::VarKind::Input,
                    set,
                );
                Expr::var(v, w)
            };
            flow.set_field(idx, field, e);
        }
        cx.emit(port, flow);
    }
}

/// Byte offset of header `i` from the data pointer.
fn header_start(flow: &Flow, vars: &verify::Vars, i: usize) -> Option<u32> {
    let mut at = 0;
    for j in flow.head..i {
        at += flow.header_len(vars, j)?;
    }
    Some(at)
}

fn store_data(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    use clickconf::args::{ArgValue, Bytes};
    let a = args.args();
    if a.len() < 2 {
        return Err("expected StoreData(OFFSET, DATA [, MASK])".into());
    }
    let offset = number(&a[0], "OFFSET")?;
    let data = Bytes::parse_arg(&a[1]).map_err(|e| format!("DATA: {e}"))?.0;
    let mask = match a.get(2) {
        Some(m) if !m.trim().starts_with("GROW") => {
            Bytes::parse_arg(m).map_err(|e| format!("MASK: {e}"))?.0
        }
        _ => Vec::new(),
    };
    Ok(Box::new(StoreDataModel { offset, data, mask }))
}
