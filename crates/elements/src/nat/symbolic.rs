//! Symbolic models of `IPRewriter`, `TCPRewriter`, `UDPRewriter`,
//! `IPAddrRewriter`, `IPAddrPairRewriter`, the ICMP rewriters and
//! `TCPSeqRewriter`.
//!
//! The mapping a rewriter makes for a flow is pushed into the flow as
//! state (original and rewritten 4-tuple, and the outputs of both
//! directions). A packet that later reaches the same rewriter is matched
//! against that state exactly as Click matches its table: the original
//! tuple goes forward again, the reverse of the rewritten tuple is a
//! reply and is rewritten back. Anything else is a new flow for the
//! input's spec — which, for `drop`, is the stateful firewall's "no state,
//! no entry". The address rewriters key their mappings on fewer fields
//! (the source address; the address pair) and handle every protocol.

use verify::cond::{CmpOp, byte_test};
use verify::{
    Cx, Expr, Field, Flow, HeaderKind, IntervalSet, Model, ModelArgs, ModelError, ModelRegistry,
};

use super::pattern::{InputSpec, SpecNames};

pub fn register(r: &mut ModelRegistry) {
    r.add("IPRewriter", ip_rewriter);
    r.add("TCPRewriter", tcp_rewriter);
    r.add("UDPRewriter", udp_rewriter);
    r.add("IPAddrRewriter", ip_addr_rewriter);
    r.add("IPAddrPairRewriter", ip_addr_pair_rewriter);
    r.add("ICMPPingRewriter", icmp_ping_rewriter);
    r.add("ICMPRewriter", icmp_rewriter);
    r.add("TCPSeqRewriter", tcp_seq_rewriter);
}

/// What a mapping is keyed on. Positions index the tuple (source address,
/// source port, destination address, destination port).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    FourTuple,
    AddrPair,
    SrcAddr,
}

impl Shape {
    /// The positions a forward packet is matched and rewritten on.
    fn forward(self) -> &'static [usize] {
        match self {
            Shape::FourTuple => &[0, 1, 2, 3],
            Shape::AddrPair => &[0, 2],
            Shape::SrcAddr => &[0],
        }
    }

    /// A reply has, at position `i`, what the mapping has at `j`; and is
    /// rewritten back by putting the original's `j` at `i`.
    fn reply(self) -> &'static [(usize, usize)] {
        match self {
            Shape::FourTuple => &[(0, 2), (1, 3), (2, 0), (3, 1)],
            Shape::AddrPair => &[(0, 2), (2, 0)],
            Shape::SrcAddr => &[(2, 0)],
        }
    }

    fn ports(self) -> bool {
        self == Shape::FourTuple
    }
}

#[derive(Clone, Debug)]
enum Spec {
    Drop,
    Pass(usize),
    Keep(usize, usize),
    Pattern {
        saddr: u32,
        sport: u16,
        daddr: u32,
        dport: u16,
        top: u32,
        napt: bool,
        fout: usize,
        rout: usize,
    },
}

struct Rewriter {
    specs: Vec<Spec>,
    protos: IntervalSet,
    class: &'static str,
    shape: Shape,
    /// DST_ANNO: the destination annotation follows the rewritten
    /// destination (four-tuple rewriters; the address rewriters always
    /// set it as their shape says).
    dst_anno: bool,
}

const TUPLE: [Field; 4] = [Field::IpSrc, Field::SrcPort, Field::IpDst, Field::DstPort];
const ORIG: [&str; 4] = ["osrc", "osport", "odst", "odport"];
const NEW: [&str; 4] = ["nsrc", "nsport", "ndst", "ndport"];

/// The tuple; ports are read only when the mapping uses them (address
/// rewriters handle packets with no ports), else stand in as 0.
fn read_tuple(flow: &Flow, shape: Shape) -> Result<[Expr; 4], verify::MemoryViolation> {
    let port = |f: Field| -> Result<Expr, verify::MemoryViolation> {
        if shape.ports() {
            flow.ip_field(f)
        } else {
            Ok(Expr::constant(0, 16))
        }
    };
    Ok([
        flow.ip_field(TUPLE[0])?,
        port(TUPLE[1])?,
        flow.ip_field(TUPLE[2])?,
        port(TUPLE[3])?,
    ])
}

/// Writes `value[j]` at position `i` for each pair.
fn write_positions(flow: &mut Flow, pairs: &[(usize, usize)], value: &[Expr; 4]) {
    for &(i, j) in pairs {
        flow.set_ip_field(TUPLE[i], value[j].clone())
            .expect("read before");
    }
}

fn identity(positions: &[usize]) -> Vec<(usize, usize)> {
    positions.iter().map(|&i| (i, i)).collect()
}

/// Whether the flow's constraints imply `got[i] == want[j]` for each pair.
fn entailed(
    cx: &Cx<'_>,
    flow: &Flow,
    got: &[Expr; 4],
    want: &[Expr; 4],
    pairs: &[(usize, usize)],
) -> bool {
    pairs.iter().all(|&(i, j)| {
        let mut s = flow.store.clone();
        s.assert_ne(cx.vars, &got[i], &want[j]).is_err()
    })
}

/// Whether the flow's constraints exclude `got[i] == want[j]` for all
/// pairs at once.
fn refuted(
    cx: &Cx<'_>,
    flow: &Flow,
    got: &[Expr; 4],
    want: &[Expr; 4],
    pairs: &[(usize, usize)],
) -> bool {
    let mut s = flow.store.clone();
    pairs
        .iter()
        .any(|&(i, j)| s.assert_eq(cx.vars, &got[i], &want[j]).is_err())
}

/// Splits `flow` on `got[i] == want[j]` for all pairs (see [`split_all`]).
fn split_tuple(
    cx: &mut Cx<'_>,
    flow: Flow,
    got: &[Expr; 4],
    want: &[Expr; 4],
    pairs: &[(usize, usize)],
) -> (Option<Flow>, Vec<Flow>) {
    let got: Vec<Expr> = pairs.iter().map(|&(i, _)| got[i].clone()).collect();
    let want: Vec<Expr> = pairs.iter().map(|&(_, j)| want[j].clone()).collect();
    split_all(cx, flow, &got, &want)
}

impl Rewriter {
    fn spec(&self, port: usize) -> Option<&Spec> {
        self.specs.get(port).or(self.specs.last())
    }

    /// A packet the rewriter cannot key (another protocol, a later
    /// fragment): out of a `pass` input's output, else dropped.
    fn not_rewritable(&self, port: usize, flow: Flow, cx: &mut Cx<'_>, why: &str) {
        match self.spec(port) {
            Some(Spec::Pass(out)) => cx.emit(*out, flow),
            _ => cx.drop_flow(flow, format!("{} handles no {why}", self.class)),
        }
    }

    /// The destination annotation set to the (rewritten) destination, as
    /// the element does.
    fn set_dst_anno(&self, flow: &mut Flow, reply: bool) {
        let set = match self.shape {
            Shape::SrcAddr => reply,
            Shape::AddrPair => true,
            Shape::FourTuple => self.dst_anno,
        };
        if set {
            let dst = flow.ip_field(Field::IpDst).expect("read before");
            flow.set_anno(verify::Anno::DstIp, dst);
        }
    }

    fn state(&self, cx: &Cx<'_>, flow: &Flow, names: &[&str; 4]) -> Option<[Expr; 4]> {
        let get = |n: &str| flow.state(&cx.state_key(n)).cloned();
        Some([
            get(names[0])?,
            get(names[1])?,
            get(names[2])?,
            get(names[3])?,
        ])
    }

    fn new_flow(&self, port: usize, mut flow: Flow, tuple: [Expr; 4], cx: &mut Cx<'_>) {
        let Some(spec) = self.spec(port) else {
            cx.drop_flow(flow, "no input spec");
            return;
        };
        let (new, fout, rout) = match spec {
            Spec::Drop => {
                cx.unmet(
                    flow,
                    format!(
                        "state mismatch: no {} mapping for this flow, and input {port} drops new flows",
                        self.class
                    ),
                );
                return;
            }
            Spec::Pass(out) => {
                cx.emit(*out, flow);
                return;
            }
            Spec::Keep(f, r) => (tuple.clone(), *f, *r),
            Spec::Pattern {
                saddr,
                sport,
                daddr,
                dport,
                top,
                napt,
                fout,
                rout,
            } => {
                let mut t = tuple.clone();
                if *saddr != 0 {
                    t[0] = Expr::constant(u64::from(*saddr), 32);
                }
                if *sport != 0 {
                    t[1] = Expr::constant(u64::from(*sport), 16);
                }
                if *daddr != 0 {
                    t[2] = Expr::constant(u64::from(*daddr), 32);
                }
                if *dport != 0 {
                    t[3] = Expr::constant(u64::from(*dport), 16);
                }
                if *top > 0 {
                    if *napt {
                        let lo = u64::from(*sport);
                        let v =
                            cx.choice("sport", 16, IntervalSet::range(lo, lo + u64::from(*top)));
                        t[1] = Expr::var(v, 16);
                    } else {
                        let lo = u64::from(*saddr);
                        let v = cx.choice("src", 32, IntervalSet::range(lo, lo + u64::from(*top)));
                        cx.vars.set_format(v, verify::Format::Ipv4);
                        t[0] = Expr::var(v, 32);
                    }
                }
                (t, *fout, *rout)
            }
        };
        for i in 0..4 {
            flow.set_state(&cx.state_key(ORIG[i]), tuple[i].clone());
            flow.set_state(&cx.state_key(NEW[i]), new[i].clone());
        }
        flow.set_state(&cx.state_key("rout"), Expr::constant(rout as u64, 16));
        flow.set_state(&cx.state_key("fout"), Expr::constant(fout as u64, 16));
        // What the mapping is keyed on, for ICMPRewriter.
        flow.set_state(&cx.state_key("shape"), Expr::constant(self.shape as u64, 8));
        write_positions(&mut flow, &identity(self.shape.forward()), &new);
        self.set_dst_anno(&mut flow, false);
        cx.emit(fout, flow);
    }
}

impl Model for Rewriter {
    fn apply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let proto = match flow.ip_field(Field::IpProto) {
            Ok(p) => p,
            Err(v) => {
                cx.memory(flow, &v);
                return;
            }
        };
        let (ours, other) = cx.split(&flow, &proto, &self.protos);
        if let Some(o) = other {
            self.not_rewritable(port, o, cx, "packets of this protocol");
        }
        let Some(mut flow) = ours else { return };
        if self.shape.ports() {
            // Ports are in the first fragment only.
            let frag = flow.ip_field(Field::IpFrag).expect("read the protocol");
            let first = byte_test(HeaderKind::Ipv4, 6, 2, 0x1fff, 0, CmpOp::Eq, 0)
                .expect("the fragment offset is a field")
                .set;
            let (whole, later) = cx.split(&flow, &frag, &first);
            if let Some(l) = later {
                self.not_rewritable(port, l, cx, "later fragments");
            }
            let Some(w) = whole else { return };
            flow = w;
        }
        let tuple = match read_tuple(&flow, self.shape) {
            Ok(t) => t,
            Err(v) => {
                cx.memory(flow, &v);
                return;
            }
        };
        let (Some(orig), Some(new)) = (self.state(cx, &flow, &ORIG), self.state(cx, &flow, &NEW))
        else {
            self.new_flow(port, flow, tuple, cx);
            return;
        };
        let output = |name: &str, flow: &Flow, cx: &Cx<'_>| {
            flow.state(&cx.state_key(name))
                .and_then(|e| e.as_const())
                .unwrap_or(0) as usize
        };
        let forward = identity(self.shape.forward());
        let reply = self.shape.reply();
        let send_forward = |mut g: Flow, cx: &mut Cx<'_>| {
            write_positions(&mut g, &forward, &new);
            self.set_dst_anno(&mut g, false);
            let out = output("fout", &g, cx);
            cx.emit(out, g);
        };
        let send_back = |mut r: Flow, cx: &mut Cx<'_>| {
            write_positions(&mut r, reply, &orig);
            self.set_dst_anno(&mut r, true);
            r.note(format!(
                "{}: passed on stored state (reply to an earlier mapping)",
                cx.scope
            ));
            let out = output("rout", &r, cx);
            cx.emit(out, r);
        };
        // The usual cases decide without forking: the flow is exactly the
        // mapped one going forward again, or exactly its reply (from the
        // rewritten destination to the rewritten source).
        if entailed(cx, &flow, &tuple, &orig, &forward) {
            send_forward(flow, cx);
            return;
        }
        // A packet that is both a mapped source and a reply: Click's
        // source-address rewriter looks its source up first (forward),
        // the others find the reply.
        let reply_first = self.shape != Shape::SrcAddr;
        if entailed(cx, &flow, &tuple, &new, reply)
            && (reply_first || refuted(cx, &flow, &tuple, &orig, &forward))
        {
            send_back(flow, cx);
            return;
        }
        let want = |is_reply: bool| {
            if is_reply {
                (&new, reply)
            } else {
                (&orig, &forward[..])
            }
        };
        let send = |is_reply: bool, f: Flow, cx: &mut Cx<'_>| {
            if is_reply {
                send_back(f, cx)
            } else {
                send_forward(f, cx)
            }
        };
        let (w1, p1) = want(reply_first);
        let (first, not_first) = split_tuple(cx, flow, &tuple, w1, p1);
        if let Some(r) = first {
            send(reply_first, r, cx);
        }
        let (w2, p2) = want(!reply_first);
        for f in not_first {
            let (second, neither) = split_tuple(cx, f, &tuple, w2, p2);
            if let Some(g) = second {
                send(!reply_first, g, cx);
            }
            for h in neither {
                self.new_flow(port, h, tuple.clone(), cx);
            }
        }
    }
}

fn make(
    args: &mut ModelArgs<'_>,
    protos: IntervalSet,
    class: &'static str,
    shape: Shape,
) -> Result<Box<dyn Model>, ModelError> {
    let (specs, dst_anno) = parse_specs(args)?;
    Ok(Box::new(Rewriter {
        specs,
        protos,
        class,
        shape,
        dst_anno,
    }))
}

/// The input specs, one per input, and DST_ANNO; other keywords are
/// skipped.
fn parse_specs(args: &ModelArgs<'_>) -> Result<(Vec<Spec>, bool), ModelError> {
    // Named patterns come from the box's IPRewriterPatterns elements.
    let mut named: Vec<(String, super::pattern::SharedPattern)> = Vec::new();
    for e in args
        .elements
        .iter()
        .filter(|e| e.class == "IPRewriterPatterns")
    {
        for arg in clickconf::args::split_args(&e.config) {
            let words: Vec<&str> = arg.text.split_ascii_whitespace().collect();
            if let Some((name, rest)) = words.split_first()
                && let Ok(p) = super::pattern::Pattern::parse(rest, &|_| None)
            {
                named.push((name.to_string(), p));
            }
        }
    }
    let lookup = |n: &str| named.iter().find(|(m, _)| m == n).map(|(_, p)| p.clone());
    let names = SpecNames {
        pattern: &lookup,
        mapper: &|_| None,
    };
    let mut specs = Vec::new();
    let mut dst_anno = true;
    for (i, a) in args.args().iter().enumerate() {
        // Keyword arguments other than DST_ANNO (TCP_TIMEOUT,
        // MAPPING_CAPACITY, ...) tune timers and tables, which the model
        // does not have.
        let first = a.split_ascii_whitespace().next().unwrap_or_default();
        if first.len() > 1
            && first
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            if first == "DST_ANNO" {
                dst_anno = match a[first.len()..].trim() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    v => {
                        return Err(format!("DST_ANNO: expected true or false, got '{v}'").into());
                    }
                };
            }
            continue;
        }
        // Outputs may be linked to other boxes rather than connected here.
        let noutputs = args.noutputs.max(64);
        let spec = InputSpec::parse(a, noutputs, &names)
            .map_err(|e| format!("input spec {i}: {e} (mappers have no model)"))?;
        specs.push(match spec {
            InputSpec::Drop => Spec::Drop,
            InputSpec::NoChange(o) => Spec::Pass(o as usize),
            InputSpec::Keep(f, r) => Spec::Keep(f as usize, r as usize),
            InputSpec::Pattern(p, f, r) => {
                let p = p.lock().expect("pattern lock").parts();
                Spec::Pattern {
                    saddr: p.saddr,
                    sport: p.sport,
                    daddr: p.daddr,
                    dport: p.dport,
                    top: p.variation_top,
                    napt: p.napt,
                    fout: f as usize,
                    rout: r as usize,
                }
            }
            InputSpec::Mapper(_) => {
                return Err(format!("input spec {i}: mappers have no model").into());
            }
        });
    }
    if specs.is_empty() {
        return Err("no input specs".into());
    }
    Ok((specs, dst_anno))
}

fn ip_rewriter(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    make(
        args,
        IntervalSet::point(6).union(&IntervalSet::point(17)),
        "IPRewriter",
        Shape::FourTuple,
    )
}

fn tcp_rewriter(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    make(args, IntervalSet::point(6), "TCPRewriter", Shape::FourTuple)
}

fn udp_rewriter(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    // As the element: TCP, UDP and DCCP (33) ports.
    make(
        args,
        IntervalSet::from_ranges(vec![(6, 6), (17, 17), (33, 33)]),
        "UDPRewriter",
        Shape::FourTuple,
    )
}

fn ip_addr_rewriter(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    make(args, IntervalSet::full(8), "IPAddrRewriter", Shape::SrcAddr)
}

fn ip_addr_pair_rewriter(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    make(
        args,
        IntervalSet::full(8),
        "IPAddrPairRewriter",
        Shape::AddrPair,
    )
}

/// `ICMPPingRewriter`: echo requests get a mapping of their addresses
/// and identifier; echo replies to a rewritten request are rewritten
/// back. The identifier is the high half of the transport header's
/// sequence-number slot ([`Flow::icmp_id_seq`]).
struct PingRewriter {
    specs: Vec<Spec>,
}

const PING_ORIG: [&str; 3] = ["ping.osrc", "ping.odst", "ping.oid"];
const PING_NEW: [&str; 3] = ["ping.nsrc", "ping.ndst", "ping.nid"];

impl PingRewriter {
    fn state(cx: &Cx<'_>, flow: &Flow, names: &[&str; 3]) -> Option<[Expr; 3]> {
        let get = |n: &str| flow.state(&cx.state_key(n)).cloned();
        Some([get(names[0])?, get(names[1])?, get(names[2])?])
    }

    /// Writes addresses and identifier; the ICMP checksum (the bytes of
    /// the `dport` slot) is the element's to update.
    fn write(flow: &mut Flow, tr: usize, t: &[Expr; 3], seq: &Expr, cx: &mut Cx<'_>) {
        flow.set_ip_field(Field::IpSrc, t[0].clone())
            .expect("read before");
        flow.set_ip_field(Field::IpDst, t[1].clone())
            .expect("read before");
        flow.set_icmp_id(tr, &t[2], seq);
        let sum = cx.choice("icmp_checksum", 16, IntervalSet::full(16));
        flow.set_field(tr, Field::DstPort, Expr::var(sum, 16));
        // As the IP rewriters (DST_ANNO, on by default).
        flow.set_anno(verify::Anno::DstIp, t[1].clone());
    }

    fn request(
        &self,
        port: usize,
        mut flow: Flow,
        tr: usize,
        tuple: [Expr; 3],
        seq: Expr,
        cx: &mut Cx<'_>,
    ) {
        if let (Some(orig), Some(new)) = (
            Self::state(cx, &flow, &PING_ORIG),
            Self::state(cx, &flow, &PING_NEW),
        ) {
            let same = (0..3).all(|i| {
                let mut st = flow.store.clone();
                st.assert_ne(cx.vars, &tuple[i], &orig[i]).is_err()
            });
            if same {
                Self::write(&mut flow, tr, &new, &seq, cx);
                let out = flow
                    .state(&cx.state_key("ping.fout"))
                    .and_then(|e| e.as_const())
                    .unwrap_or(0);
                cx.emit(out as usize, flow);
                return;
            }
        }
        let Some(spec) = self.specs.get(port).or(self.specs.last()) else {
            cx.drop_flow(flow, "no input spec");
            return;
        };
        let (new, fout, rout) = match spec {
            Spec::Drop => {
                cx.unmet(
                    flow,
                    format!("state mismatch: no ping mapping, and input {port} drops new flows"),
                );
                return;
            }
            Spec::Pass(out) => {
                cx.emit(*out, flow);
                return;
            }
            Spec::Keep(f, r) => (tuple.clone(), *f, *r),
            Spec::Pattern {
                saddr,
                sport,
                daddr,
                top,
                fout,
                rout,
                ..
            } => {
                let mut t = tuple.clone();
                if *saddr != 0 {
                    t[0] = Expr::constant(u64::from(*saddr), 32);
                }
                if *daddr != 0 {
                    t[1] = Expr::constant(u64::from(*daddr), 32);
                }
                if *top > 0 {
                    let lo = u64::from(*sport);
                    let v = cx.choice(
                        "id",
                        16,
                        IntervalSet::range(lo, (lo + u64::from(*top)).min(0xffff)),
                    );
                    t[2] = Expr::var(v, 16);
                } else if *sport != 0 {
                    t[2] = Expr::constant(u64::from(*sport), 16);
                }
                (t, *fout, *rout)
            }
        };
        for i in 0..3 {
            flow.set_state(&cx.state_key(PING_ORIG[i]), tuple[i].clone());
            flow.set_state(&cx.state_key(PING_NEW[i]), new[i].clone());
        }
        flow.set_state(&cx.state_key("ping.fout"), Expr::constant(fout as u64, 16));
        flow.set_state(&cx.state_key("ping.rout"), Expr::constant(rout as u64, 16));
        Self::write(&mut flow, tr, &new, &seq, cx);
        cx.emit(fout, flow);
    }

    fn reply(
        &self,
        port: usize,
        flow: Flow,
        tr: usize,
        tuple: [Expr; 3],
        seq: Expr,
        cx: &mut Cx<'_>,
    ) {
        let mapped = (
            Self::state(cx, &flow, &PING_ORIG),
            Self::state(cx, &flow, &PING_NEW),
        );
        let (Some(orig), Some(new)) = mapped else {
            self.unmapped_reply(port, flow, cx);
            return;
        };
        // A reply comes from the rewritten destination to the rewritten
        // source, with the rewritten identifier.
        let want = [new[1].clone(), new[0].clone(), new[2].clone()];
        let (hit, other) = split_all(cx, flow, &tuple, &want);
        for o in other {
            self.unmapped_reply(port, o, cx);
        }
        let Some(mut cur) = hit else { return };
        let back = [orig[1].clone(), orig[0].clone(), orig[2].clone()];
        Self::write(&mut cur, tr, &back, &seq, cx);
        cur.note(format!(
            "{}: passed on stored state (reply to an earlier ping)",
            cx.scope
        ));
        let out = cur
            .state(&cx.state_key("ping.rout"))
            .and_then(|e| e.as_const())
            .unwrap_or(0);
        cx.emit(out as usize, cur);
    }

    fn unmapped_reply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>) {
        match self.specs.get(port).or(self.specs.last()) {
            Some(Spec::Pass(out)) => cx.emit(*out, flow),
            _ => cx.unmet(flow, "state mismatch: an echo reply of no ping mapping"),
        }
    }
}

impl Model for PingRewriter {
    fn apply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let Some(proto) = verify::model::read_ip(&flow, cx, Field::IpProto) else {
            return;
        };
        let (icmp, other) = cx.split(&flow, &proto, &IntervalSet::point(1));
        if let Some(o) = other {
            cx.drop_flow(o, "not ICMP");
        }
        let Some(flow) = icmp else { return };
        // Later fragments carry no ICMP header: the element drops them.
        let frag = flow.ip_field(Field::IpFrag).expect("IP header read above");
        let later = verify::cond::byte_test(
            verify::HeaderKind::Ipv4,
            6,
            2,
            0x1fff,
            0,
            verify::cond::CmpOp::Ne,
            0,
        )
        .expect("the fragment offset is a field")
        .set;
        let (fragment, first) = cx.split(&flow, &frag, &later);
        if let Some(f) = fragment {
            cx.drop_flow(f, "a later fragment");
        }
        let Some(mut flow) = first else { return };
        let tr = match flow.transport() {
            Ok(t) => t,
            Err(v) => {
                cx.memory(flow, &v);
                return;
            }
        };
        let word = flow.field(tr, Field::SrcPort).clone();
        let Some((id, seq)) = flow.icmp_id_seq(cx.vars, tr) else {
            cx.unmet(
                flow,
                "the ICMP identifier is not a plain value here (not modelled)",
            );
            return;
        };
        let src = flow.ip_field(Field::IpSrc).expect("read above");
        let dst = flow.ip_field(Field::IpDst).expect("read above");
        let tuple = [src, dst, id];
        let of_type = |t: u64| IntervalSet::range(t << 8, (t << 8) | 0xff);
        let (req, not_req) = cx.split(&flow, &word, &of_type(8));
        if let Some(r) = req {
            self.request(port, r, tr, tuple.clone(), seq.clone(), cx);
        }
        let Some(n) = not_req else { return };
        let (rep, neither) = cx.split(&n, &word, &of_type(0));
        if let Some(r) = rep {
            self.reply(port, r, tr, tuple, seq, cx);
        }
        if let Some(x) = neither {
            cx.drop_flow(x, "not an ICMP echo request or reply");
        }
    }
}

fn icmp_ping_rewriter(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(PingRewriter {
        specs: parse_specs(args)?.0,
    }))
}

/// `ICMPRewriter(MAPS)`: an ICMP error quoting a packet that left through
/// one of the MAPS rewriters (so quoting the rewritten packet) is
/// translated back: the quote gets the original addresses, ports or
/// identifier, and the error goes to the original source. Errors about
/// replies (the quote is a packet the mapping sent inside) are not
/// modelled and are dropped, as errors about no mapping are.
struct IcmpRewriterModel {
    /// (rewriter name, output offset).
    maps: Vec<(String, usize)>,
}

/// ICMP error types (RFC 792).
const ICMP_ERRORS: [u64; 5] = [3, 4, 5, 11, 12];

impl IcmpRewriterModel {
    /// Tries one map on `flow`: the part it translates is emitted, the
    /// rest returned.
    fn try_map(
        &self,
        name: &str,
        offset: usize,
        flow: Flow,
        quote: usize,
        cx: &mut Cx<'_>,
    ) -> Vec<Flow> {
        let node = cx.scope.split('/').next().unwrap_or_default().to_string();
        let key = |k: &str| format!("{node}/{name}/{k}");
        let get = |f: &Flow, k: &str| f.state(&key(k)).cloned();
        let qtr = quote + 1;
        if let (Some(osrc), Some(odst), Some(oid), Some(nsrc), Some(ndst), Some(nid)) = (
            get(&flow, "ping.osrc"),
            get(&flow, "ping.odst"),
            get(&flow, "ping.oid"),
            get(&flow, "ping.nsrc"),
            get(&flow, "ping.ndst"),
            get(&flow, "ping.nid"),
        ) {
            let mut f = flow;
            let Some((id, seq)) = f.icmp_id_seq(cx.vars, qtr) else {
                return vec![f];
            };
            let got = [
                f.field(quote, Field::IpSrc).clone(),
                f.field(quote, Field::IpDst).clone(),
                id,
            ];
            let want = [nsrc, ndst, nid];
            let (hit, rest) = split_all(cx, f, &got, &want);
            if let Some(mut h) = hit {
                h.set_field(quote, Field::IpSrc, osrc.clone());
                h.set_field(quote, Field::IpDst, odst);
                h.set_icmp_id(qtr, &oid, &seq);
                h.set_ip_field(Field::IpDst, osrc)
                    .expect("outer header read");
                let sum = cx.choice("icmp_checksum", 16, IntervalSet::full(16));
                h.set_field(quote - 1, Field::DstPort, Expr::var(sum, 16));
                h.note(format!(
                    "{}: ICMP error translated with {name}'s ping mapping",
                    cx.scope
                ));
                cx.emit(offset, h);
            }
            return rest;
        }
        let Some(shape) = get(&flow, "shape") else {
            return vec![flow];
        };
        let names = ["src", "sport", "dst", "dport"];
        let orig: Option<Vec<Expr>> = names.iter().map(|n| get(&flow, &format!("o{n}"))).collect();
        let new: Option<Vec<Expr>> = names.iter().map(|n| get(&flow, &format!("n{n}"))).collect();
        let (Some(orig), Some(new)) = (orig, new) else {
            return vec![flow];
        };
        let with_ports = shape.as_const() == Some(Shape::FourTuple as u64);
        let fields: &[Field] = if with_ports {
            &TUPLE
        } else {
            &[Field::IpSrc, Field::IpDst]
        };
        let pick = |t: &[Expr]| -> Vec<Expr> {
            if with_ports {
                t.to_vec()
            } else {
                vec![t[0].clone(), t[2].clone()]
            }
        };
        let got: Vec<Expr> = fields
            .iter()
            .map(|&fld| {
                let h = if fld.header() == verify::HeaderKind::Ipv4 {
                    quote
                } else {
                    qtr
                };
                flow.field(h, fld).clone()
            })
            .collect();
        let (hit, rest) = split_all(cx, flow, &got, &pick(&new));
        if let Some(mut h) = hit {
            for (fld, e) in fields.iter().zip(pick(&orig)) {
                let at = if fld.header() == verify::HeaderKind::Ipv4 {
                    quote
                } else {
                    qtr
                };
                h.set_field(at, *fld, e);
            }
            h.set_ip_field(Field::IpDst, orig[0].clone())
                .expect("outer header read");
            let sum = cx.choice("icmp_checksum", 16, IntervalSet::full(16));
            h.set_field(quote - 1, Field::DstPort, Expr::var(sum, 16));
            h.note(format!(
                "{}: ICMP error translated with {name}'s mapping",
                cx.scope
            ));
            cx.emit(offset, h);
        }
        rest
    }
}

/// Splits on `got[i] == want[i]` for all i: the part where all hold, and
/// disjoint parts where one fails.
fn split_all(
    cx: &mut Cx<'_>,
    flow: Flow,
    got: &[Expr],
    want: &[Expr],
) -> (Option<Flow>, Vec<Flow>) {
    let mut differ = Vec::new();
    let mut cur = flow;
    for (g, w) in got.iter().zip(want) {
        let mut ne = cur.clone();
        if ne.store.assert_ne(cx.vars, g, w).is_ok() {
            differ.push(ne);
        }
        if cur.store.assert_eq(cx.vars, g, w).is_err() {
            return (None, differ);
        }
    }
    (Some(cur), differ)
}

impl Model for IcmpRewriterModel {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let Some(proto) = verify::model::read_ip(&flow, cx, Field::IpProto) else {
            return;
        };
        let (icmp, other) = cx.split(&flow, &proto, &IntervalSet::point(1));
        if let Some(o) = other {
            cx.drop_flow(o, "not ICMP");
        }
        let Some(flow) = icmp else { return };
        let tr = match flow.transport() {
            Ok(t) => t,
            Err(v) => {
                cx.memory(flow, &v);
                return;
            }
        };
        let word = flow.field(tr, Field::SrcPort).clone();
        let errors = ICMP_ERRORS
            .iter()
            .map(|&t| IntervalSet::range(t << 8, (t << 8) | 0xff))
            .fold(IntervalSet::empty(), |a, b| a.union(&b));
        let (err, not_err) = cx.split(&flow, &word, &errors);
        if let Some(n) = not_err {
            cx.drop_flow(n, "not an ICMP error");
        }
        let Some(err) = err else { return };
        let quote = tr + 1;
        if let Err(v) = err.expect(quote, verify::HeaderKind::Ipv4) {
            cx.memory(err, &v);
            return;
        }
        let mut rest = vec![err];
        for (name, offset) in &self.maps {
            let mut next = Vec::new();
            for f in rest {
                next.extend(self.try_map(name, *offset, f, quote, cx));
            }
            rest = next;
        }
        for r in rest {
            cx.drop_flow(r, "an ICMP error about no known mapping");
        }
    }
}

fn icmp_rewriter(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let Some(maps) = a.first() else {
        return Err("expected ICMPRewriter(MAPS)".into());
    };
    let mut out = Vec::new();
    for m in maps.split_ascii_whitespace() {
        let (name, offset) = match m.split_once(':') {
            Some((n, o)) => (
                n,
                o.parse()
                    .map_err(|_| format!("bad output offset in '{m}'"))?,
            ),
            None => (m, 0),
        };
        out.push((name.to_string(), offset));
    }
    Ok(Box::new(IcmpRewriterModel { maps: out }))
}

/// `TCPSeqRewriter`: a TCP flow's first packet on input 0 picks the
/// offset Δ — a middlebox choice over all 32-bit values unless DELTA
/// fixes it — and pushes it into the flow with the flow's tuple; every
/// packet of the flow has Δ added to its sequence number. A packet on
/// input 1 whose tuple is that tuple reversed has Δ taken off its
/// acknowledgment number (and, with SACK, off `tcp.sack`), so a
/// connection through the element on both legs verifies for every Δ by
/// normalisation alone (`seq + Δ + 1 − Δ` is `seq + 1`). Fragments and
/// malformed headers are not modelled (the transport header is always
/// whole), nor is eviction from a full table.
struct SeqRewriter {
    delta: Option<u64>,
    sack: bool,
}

const SEQ_FLOW: [&str; 4] = ["seq.src", "seq.sport", "seq.dst", "seq.dport"];

impl SeqRewriter {
    fn stored(cx: &Cx<'_>, flow: &Flow) -> Option<(Expr, [Expr; 4])> {
        let get = |n: &str| flow.state(&cx.state_key(n)).cloned();
        Some((
            get("delta")?,
            [
                get(SEQ_FLOW[0])?,
                get(SEQ_FLOW[1])?,
                get(SEQ_FLOW[2])?,
                get(SEQ_FLOW[3])?,
            ],
        ))
    }

    fn add_to_seq(mut flow: Flow, delta: &Expr, cx: &mut Cx<'_>) {
        let seq = flow.ip_field(Field::TcpSeq).expect("tuple read");
        flow.set_ip_field(Field::TcpSeq, seq.plus(delta))
            .expect("tuple read");
        cx.emit(0, flow);
    }

    fn new_flow(&self, mut flow: Flow, tuple: &[Expr; 4], cx: &mut Cx<'_>) {
        let delta = match self.delta {
            Some(d) => Expr::constant(d, 32),
            None => Expr::var(cx.choice("delta", 32, IntervalSet::full(32)), 32),
        };
        flow.set_state(&cx.state_key("delta"), delta.clone());
        for (name, e) in SEQ_FLOW.iter().zip(tuple) {
            flow.set_state(&cx.state_key(name), e.clone());
        }
        Self::add_to_seq(flow, &delta, cx);
    }

    fn outbound(&self, flow: Flow, tuple: [Expr; 4], cx: &mut Cx<'_>) {
        let Some((delta, known)) = Self::stored(cx, &flow) else {
            self.new_flow(flow, &tuple, cx);
            return;
        };
        let same = identity(Shape::FourTuple.forward());
        if entailed(cx, &flow, &tuple, &known, &same) {
            Self::add_to_seq(flow, &delta, cx);
            return;
        }
        let (is_known, other) = split_tuple(cx, flow, &tuple, &known, &same);
        if let Some(f) = is_known {
            Self::add_to_seq(f, &delta, cx);
        }
        for f in other {
            self.new_flow(f, &tuple, cx);
        }
    }

    fn translate(&self, mut flow: Flow, delta: &Expr, cx: &mut Cx<'_>) {
        let mut fields = vec![Field::TcpAck];
        if self.sack {
            // `tcp.sack` is 0 when there is no block, where the element
            // changes nothing; the model shifts it all the same, which
            // only matters to a query about packets without SACK.
            fields.push(Field::TcpSack);
        }
        for f in fields {
            let e = flow.ip_field(f).expect("tuple read");
            flow.set_ip_field(f, e.minus(delta)).expect("tuple read");
        }
        flow.note(format!(
            "{}: acknowledgment translated back by the flow's offset",
            cx.scope
        ));
        cx.emit(1, flow);
    }

    fn inbound(&self, flow: Flow, tuple: [Expr; 4], cx: &mut Cx<'_>) {
        let Some((delta, known)) = Self::stored(cx, &flow) else {
            cx.emit(1, flow);
            return;
        };
        let reply = Shape::FourTuple.reply();
        if entailed(cx, &flow, &tuple, &known, reply) {
            self.translate(flow, &delta, cx);
            return;
        }
        let (answer, other) = split_tuple(cx, flow, &tuple, &known, reply);
        if let Some(f) = answer {
            self.translate(f, &delta, cx);
        }
        for f in other {
            cx.emit(1, f);
        }
    }
}

impl Model for SeqRewriter {
    fn apply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let Some(proto) = verify::model::read_ip(&flow, cx, Field::IpProto) else {
            return;
        };
        let (tcp, other) = cx.split(&flow, &proto, &IntervalSet::point(6));
        if let Some(o) = other {
            cx.emit(port, o);
        }
        let Some(flow) = tcp else { return };
        let tuple = match read_tuple(&flow, Shape::FourTuple) {
            Ok(t) => t,
            Err(v) => {
                cx.memory(flow, &v);
                return;
            }
        };
        if port == 0 {
            self.outbound(flow, tuple, cx);
        } else {
            self.inbound(flow, tuple, cx);
        }
    }
}

fn tcp_seq_rewriter(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let mut a = clickconf::args::Args::new(args.config);
    let c = super::tcpseqrewriter::parse_config(&mut a).map_err(|e| e.to_string())?;
    a.complete().map_err(|e| e.to_string())?;
    Ok(Box::new(SeqRewriter {
        delta: c.delta.map(u64::from),
        sack: c.sack,
    }))
}
