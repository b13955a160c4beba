//! Conditions on flows as classifiers write them: byte ranges of a header
//! compared under a mask, combined with and/or/not.
//!
//! Key decision: a condition is turned into *disjoint* conjunctions before
//! it touches a flow (`a or b` becomes `a`, then `b and not a`), so each
//! resulting flow has a plain constraint store and no packet is in two of
//! them. A byte test maps onto the one modelled field its masked bits lie
//! in; a test spanning two fields, or an unmodelled one (checksums, TCP
//! data offset), is refused when the model is built, never approximated.

use crate::domain::{IntervalSet, max_of};
use crate::expr::Expr;
use crate::flow::{Field, Flow, HeaderKind};
use crate::model::Cx;

/// Comparison operators of the filter languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

/// The modelled field holding bit `bit` (counted from the header's first
/// bit) of a `kind` header, with the field's bit range.
pub fn field_at(kind: HeaderKind, bit: u32) -> Option<(Field, u32, u32)> {
    layout(kind)
        .iter()
        .copied()
        .find(|&(_, s, e)| s <= bit && bit < e)
}

/// Bit ranges of the modelled fields in their header, counted from the
/// header's first bit (most significant first).
pub(crate) fn layout(kind: HeaderKind) -> &'static [(Field, u32, u32)] {
    use Field::*;
    match kind {
        HeaderKind::Ether => &[(EthDst, 0, 48), (EthSrc, 48, 96), (EthType, 96, 112)],
        HeaderKind::Ipv4 => &[
            (IpVers, 0, 4),
            (IpHl, 4, 8),
            (IpTos, 8, 16),
            (IpLen, 16, 32),
            (IpId, 32, 48),
            (IpFrag, 48, 64),
            (IpTtl, 64, 72),
            (IpProto, 72, 80),
            (IpSrc, 96, 128),
            (IpDst, 128, 160),
        ],
        HeaderKind::Transport => &[
            (SrcPort, 0, 16),
            (DstPort, 16, 32),
            (TcpSeq, 32, 64),
            (TcpAck, 64, 96),
            (TcpFlags, 104, 112),
            (TcpWin, 112, 128),
        ],
        HeaderKind::Vlan => &[(VlanTci, 0, 16), (VlanType, 16, 32)],
        HeaderKind::Gre => &[(GreFlags, 0, 16), (GreProto, 16, 32)],
        HeaderKind::Payload => &[],
    }
}

/// A test on one field: `((field placed in a load) & mask) >> shift OP
/// value`, reduced to the set of field values that pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldTest {
    pub field: Field,
    pub set: IntervalSet,
}

/// The field values for which a `len`-byte big-endian load at byte
/// `offset` of a `kind` header, masked, shifted and compared, holds.
pub fn byte_test(
    kind: HeaderKind,
    offset: u32,
    len: u32,
    mask: u64,
    shift: u32,
    op: CmpOp,
    value: u64,
) -> Result<FieldTest, String> {
    // Models ask the same questions for every flow (is this a later
    // fragment? are these the ECN bits?), and a narrow field's answer is
    // found by trying all its values: remember answers.
    type Key = (HeaderKind, u32, u32, u64, u32, CmpOp, u64);
    thread_local! {
        static ANSWERS: std::cell::RefCell<std::collections::HashMap<Key, Result<FieldTest, String>>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    let key = (kind, offset, len, mask, shift, op, value);
    if let Some(hit) = ANSWERS.with(|a| a.borrow().get(&key).cloned()) {
        return hit;
    }
    let answer = byte_test_uncached(kind, offset, len, mask, shift, op, value);
    ANSWERS.with(|a| {
        let mut a = a.borrow_mut();
        // Bounded: a configuration has a handful of distinct tests.
        if a.len() > 4096 {
            a.clear();
        }
        a.insert(key, answer.clone());
    });
    answer
}

fn byte_test_uncached(
    kind: HeaderKind,
    offset: u32,
    len: u32,
    mask: u64,
    shift: u32,
    op: CmpOp,
    value: u64,
) -> Result<FieldTest, String> {
    let load_bits = len * 8;
    let mask = mask & max_of(load_bits as u8);
    if mask == 0 {
        return Err("a test with an empty mask".into());
    }
    // Header bit positions (from the start) of the highest and lowest
    // masked load bits.
    let hi_bit = offset * 8 + (load_bits - 1 - (63 - mask.leading_zeros()));
    let lo_bit = offset * 8 + (load_bits - 1 - mask.trailing_zeros());
    let Some(&(field, start, end)) = layout(kind)
        .iter()
        .find(|(_, s, e)| *s <= hi_bit && lo_bit < *e)
    else {
        return Err(format!(
            "bytes {}-{} of the {} header are not a modelled field",
            hi_bit / 8,
            lo_bit / 8,
            kind.name()
        ));
    };
    if hi_bit < start || lo_bit >= end {
        return Err(format!(
            "the test spans more than one field of the {} header",
            kind.name()
        ));
    }
    let width = (end - start) as u8;
    // Field bit j sits at load bit j + delta (bits numbered from the
    // least significant).
    let load_end = offset * 8 + load_bits;
    let delta = i64::from(load_end) - i64::from(end);
    let place = |v: u64| -> u64 {
        if delta >= 0 {
            v << delta
        } else {
            v >> (-delta)
        }
    };
    let field_mask = if delta >= 0 {
        mask >> delta
    } else {
        mask << (-delta)
    };
    let compare = |c: u64| match op {
        CmpOp::Eq => c == value,
        CmpOp::Ne => c != value,
        CmpOp::Lt => c < value,
        CmpOp::Gt => c > value,
        CmpOp::Le => c <= value,
        CmpOp::Ge => c >= value,
    };
    let eval = |v: u64| compare((place(v) & mask) >> shift);
    if width <= 16 {
        let mut ranges = Vec::new();
        let mut run: Option<u64> = None;
        for v in 0..=max_of(width) {
            match (eval(v), run) {
                (true, None) => run = Some(v),
                (false, Some(a)) => {
                    ranges.push((a, v - 1));
                    run = None;
                }
                _ => {}
            }
        }
        if let Some(a) = run {
            ranges.push((a, max_of(width)));
        }
        return Ok(FieldTest {
            field,
            set: IntervalSet::from_ranges(ranges),
        });
    }
    // Wide fields: the masked bits must be a contiguous run; the test is
    // then monotone in the run's value s, and the set is every field value
    // whose run lies in an interval, for each value of the bits above it.
    let lo = u64::from(field_mask.trailing_zeros());
    let run_width = 64 - u64::from(field_mask.leading_zeros()) - lo;
    if field_mask >> lo != max_of(run_width as u8) {
        return Err("a test on scattered bits of a wide field".into());
    }
    let above = u64::from(width) - lo - run_width;
    if above > 16 {
        return Err("a test on the middle bits of a wide field".into());
    }
    let run_max = max_of(run_width as u8);
    // c(s) = ((s << lo) placed in the load) >> shift, monotone in s.
    let c_of = |s: u64| (place(s << lo) & mask) >> shift;
    let mut s_ranges: Vec<(u64, u64)> = Vec::new();
    // Binary searches for the thresholds of a monotone predicate.
    let first_true = |pred: &dyn Fn(u64) -> bool| -> Option<u64> {
        let (mut a, mut b) = (0u64, run_max);
        if !pred(b) {
            return None;
        }
        while a < b {
            let m = a + (b - a) / 2;
            if pred(m) {
                b = m;
            } else {
                a = m + 1;
            }
        }
        Some(a)
    };
    let ge = first_true(&|s| c_of(s) >= value);
    let gt = first_true(&|s| c_of(s) > value);
    match op {
        CmpOp::Eq | CmpOp::Ne => {
            if let Some(a) = ge {
                let b = gt.map_or(run_max, |g| g.saturating_sub(1));
                if c_of(a) == value && a <= b {
                    s_ranges.push((a, b));
                }
            }
            if op == CmpOp::Ne {
                let eq = IntervalSet::from_ranges(s_ranges.clone());
                s_ranges = eq.complement(run_width as u8).ranges().to_vec();
            }
        }
        CmpOp::Ge => s_ranges.extend(ge.map(|a| (a, run_max))),
        CmpOp::Gt => s_ranges.extend(gt.map(|a| (a, run_max))),
        CmpOp::Lt => match ge {
            Some(0) => {}
            Some(a) => s_ranges.push((0, a - 1)),
            None => s_ranges.push((0, run_max)),
        },
        CmpOp::Le => match gt {
            Some(0) => {}
            Some(a) => s_ranges.push((0, a - 1)),
            None => s_ranges.push((0, run_max)),
        },
    }
    let low_ones = max_of(lo as u8);
    let mut ranges = Vec::new();
    for h in 0..=max_of(above as u8) {
        let base = h << (lo + run_width);
        for &(a, b) in &s_ranges {
            ranges.push((base | (a << lo), base | (b << lo) | low_ones));
        }
    }
    Ok(FieldTest {
        field,
        set: IntervalSet::from_ranges(ranges),
    })
}

/// Where a classifier's field test reads its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// A header counted from the packet data (`Classifier` offsets): the
    /// index is of the header in which the byte offset falls.
    Data,
    /// The annotated IPv4 header.
    Ip,
    /// The transport header after it.
    Transport,
    /// The Ethernet header at the data pointer (MAC annotation).
    Mac,
}

/// A boolean condition over field tests.
#[derive(Clone, Debug)]
pub enum Formula {
    True,
    False,
    Test(Base, FieldTest),
    And(Vec<Formula>),
    Or(Vec<Formula>),
    Not(Box<Formula>),
}

impl Formula {
    fn negate(self) -> Formula {
        match self {
            Formula::True => Formula::False,
            Formula::False => Formula::True,
            Formula::Test(b, t) => {
                let w = t.field.width();
                Formula::Test(
                    b,
                    FieldTest {
                        field: t.field,
                        set: t.set.complement(w),
                    },
                )
            }
            Formula::And(xs) => Formula::Or(xs.into_iter().map(Formula::negate).collect()),
            Formula::Or(xs) => Formula::And(xs.into_iter().map(Formula::negate).collect()),
            Formula::Not(x) => *x,
        }
    }
}

/// The field's expression in the flow, or the header it lacks.
fn field_expr(flow: &Flow, base: Base, f: Field) -> Result<Expr, crate::flow::MemoryViolation> {
    match base {
        Base::Ip | Base::Transport | Base::Mac => flow.ip_field(f).or_else(|e| {
            if base == Base::Mac {
                flow.expect(flow.head, HeaderKind::Ether)
                    .map(|i| flow.field(i, f).clone())
            } else {
                Err(e)
            }
        }),
        Base::Data => {
            let i = (flow.head..flow.headers.len())
                .find(|&i| flow.headers[i].kind == f.header())
                .ok_or(crate::flow::MemoryViolation {
                    wanted: f.header(),
                    found: flow.headers.get(flow.head).map(|h| h.kind),
                })?;
            Ok(flow.field(i, f).clone())
        }
    }
}

/// The disjoint parts of `flow` in which `formula` holds. A header the
/// formula reads that the flow lacks is a memory violation, recorded in
/// `cx`.
pub fn restrict(cx: &mut Cx<'_>, flow: Flow, formula: &Formula) -> Vec<Flow> {
    match formula {
        Formula::True => vec![flow],
        Formula::False => Vec::new(),
        Formula::Test(base, t) => {
            let e = match field_expr(&flow, *base, t.field) {
                Ok(e) => e,
                Err(v) => {
                    cx.memory(flow, &v);
                    return Vec::new();
                }
            };
            let mut f = flow;
            match f.store.constrain(cx.vars, &e, &t.set) {
                Ok(()) => vec![f],
                Err(_) => Vec::new(),
            }
        }
        Formula::And(xs) => {
            let mut flows = vec![flow];
            for x in xs {
                flows = flows.into_iter().flat_map(|g| restrict(cx, g, x)).collect();
                if flows.is_empty() {
                    break;
                }
            }
            flows
        }
        Formula::Or(xs) => {
            let mut out = Vec::new();
            let mut rest = vec![flow];
            for x in xs {
                let mut next_rest = Vec::new();
                for g in rest {
                    out.extend(restrict(cx, g.clone(), x));
                    next_rest.extend(restrict(cx, g, &x.clone().negate()));
                }
                rest = next_rest;
                if rest.is_empty() {
                    break;
                }
            }
            out
        }
        Formula::Not(x) => restrict(cx, flow, &(**x).clone().negate()),
    }
}

/// Sends `flow` through a first-match rule list: each rule's part goes to
/// its output (`None`: dropped, with `drop_reason(rule index)`), what
/// matches no rule is returned.
pub fn first_match(
    cx: &mut Cx<'_>,
    flow: Flow,
    rules: &[(Formula, Option<usize>)],
    drop_reason: &dyn Fn(usize) -> String,
) -> Vec<Flow> {
    let mut rest = vec![flow];
    for (index, (formula, out)) in rules.iter().enumerate() {
        let mut next = Vec::new();
        for g in rest {
            for m in restrict(cx, g.clone(), formula) {
                match out {
                    Some(port) => cx.emit(*port, m),
                    None => cx.drop_flow(m, drop_reason(index)),
                }
            }
            next.extend(restrict(cx, g, &formula.clone().negate()));
        }
        rest = next;
        if rest.is_empty() {
            break;
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_tests_map_to_fields() {
        // Classifier 12/0800 on an Ethernet header.
        let t = byte_test(HeaderKind::Ether, 12, 2, 0xffff, 0, CmpOp::Eq, 0x0800).unwrap();
        assert_eq!(
            (t.field, t.set),
            (Field::EthType, IntervalSet::point(0x0800))
        );
        // ip proto: byte 9.
        let t = byte_test(HeaderKind::Ipv4, 9, 1, 0xff, 0, CmpOp::Eq, 6).unwrap();
        assert_eq!((t.field, t.set), (Field::IpProto, IntervalSet::point(6)));
        // src net 10.0.0.0/8 as a masked 4-byte load.
        let t = byte_test(
            HeaderKind::Ipv4,
            12,
            4,
            0xff00_0000,
            0,
            CmpOp::Eq,
            0x0a00_0000,
        )
        .unwrap();
        assert_eq!(t.set, IntervalSet::prefix(0x0a00_0000, 8));
        // The second byte of the destination address.
        let t = byte_test(HeaderKind::Ipv4, 17, 1, 0xff, 0, CmpOp::Eq, 5).unwrap();
        assert!(t.set.contains(0x0a05_0000) && !t.set.contains(0x0a06_0000));
        assert_eq!(t.set.size(), 1 << 24);
        // ip vers: the high nibble of byte 0.
        let t = byte_test(HeaderKind::Ipv4, 0, 1, 0xf0, 4, CmpOp::Eq, 4).unwrap();
        assert_eq!((t.field, t.set), (Field::IpVers, IntervalSet::point(4)));
        // tcp syn: a bit of the flags byte.
        let t = byte_test(HeaderKind::Transport, 13, 1, 0x02, 0, CmpOp::Ne, 0).unwrap();
        assert!(t.set.contains(0x12) && !t.set.contains(0x10));
        // dst port > 1023, read as a 4-byte load of both ports.
        let t = byte_test(HeaderKind::Transport, 0, 4, 0xffff, 0, CmpOp::Gt, 1023).unwrap();
        assert_eq!(
            (t.field, t.set),
            (Field::DstPort, IntervalSet::range(1024, 65535))
        );
        // Address comparisons on a wide field.
        let t = byte_test(
            HeaderKind::Ipv4,
            16,
            4,
            0xffff_ffff,
            0,
            CmpOp::Lt,
            0x0a00_0000,
        )
        .unwrap();
        assert_eq!(t.set, IntervalSet::range(0, 0x09ff_ffff));
        // Across fields, and unmodelled bytes.
        assert!(byte_test(HeaderKind::Ipv4, 8, 2, 0xffff, 0, CmpOp::Eq, 0).is_err());
        assert!(byte_test(HeaderKind::Ipv4, 10, 2, 0xffff, 0, CmpOp::Eq, 0).is_err());
    }
}
