//! Symbolic models of the routing elements: the route lookups,
//! `IPMirror`, `GetIPAddress`, `SetIPAddress`.
//!
//! A route table is turned, once, into the share of the address space
//! each (output, gateway) pair gets by longest-prefix match, so a flow
//! forks once per output used, not once per prefix: 100,000 routes over
//! 16 ports give at most 16 flows.

use verify::cond::{CmpOp, byte_test};
use verify::{
    Anno, Cx, Expr, Field, Flow, Header, HeaderKind, IntervalSet, Model, ModelArgs, ModelError,
    ModelRegistry,
};

use super::table::parse_route;

pub fn register(r: &mut ModelRegistry) {
    for class in [
        "LinearIPLookup",
        "RadixIPLookup",
        "DirectIPLookup",
        "StaticIPLookup",
        "LookupIPRoute",
    ] {
        r.add(class, lookup);
    }
    r.add("IPMirror", ip_mirror);
    r.add("GetIPAddress", get_ip_address);
    r.add("SetIPAddress", set_ip_address);
    r.add("CheckPaint", check_paint);
    r.add("FixIPSrc", fix_ip_src);
    r.add("ICMPError", icmp_error);
    r.add("ICMPPingResponder", icmp_ping_responder);
    r.add("ARPQuerier", arp_querier);
    r.add("ARPResponder", arp_responder);
    r.add("IPFragmenter", ip_fragmenter);
    r.add("IPReassembler", ip_reassembler);
}

/// The (output, gateway) groups and the addresses each gets.
struct Lookup {
    groups: Vec<(usize, u32, IntervalSet)>,
}

/// Longest-prefix match as disjoint address ranges per route label: a
/// sweep over prefixes sorted by start, outer before inner.
pub fn lpm_partition(routes: &[(u32, u8, usize)]) -> Vec<Vec<(u64, u64)>> {
    let labels = routes.iter().map(|r| r.2).max().map_or(0, |m| m + 1);
    let mut out = vec![Vec::new(); labels];
    let mut sorted: Vec<(u64, u64, u8, usize)> = routes
        .iter()
        .map(|&(addr, len, label)| {
            let set = IntervalSet::prefix(addr, len);
            let (a, b) = set.ranges()[0];
            (a, b, len, label)
        })
        .collect();
    // The first of equal prefixes wins (Click keeps the first route).
    sorted.sort_by_key(|r| (r.0, r.2));
    sorted.dedup_by_key(|r| (r.0, r.2));
    let mut stack: Vec<(u64, usize)> = Vec::new();
    let mut cursor = 0u64;
    let emit = |a: u64, b: u64, label: usize, out: &mut Vec<Vec<(u64, u64)>>| {
        if a <= b {
            out[label].push((a, b));
        }
    };
    for (start, end, _, label) in sorted {
        while let Some(&(e, l)) = stack.last() {
            if e < start {
                emit(cursor, e, l, &mut out);
                cursor = e + 1;
                stack.pop();
            } else {
                break;
            }
        }
        if let Some(&(_, l)) = stack.last()
            && start > cursor
        {
            emit(cursor, start - 1, l, &mut out);
        }
        cursor = start;
        stack.push((end, label));
    }
    while let Some((e, l)) = stack.pop() {
        emit(cursor, e, l, &mut out);
        cursor = e + 1;
    }
    out
}

impl Model for Lookup {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let dst = flow.anno(Anno::DstIp);
        let mut rest = Some(flow);
        for (out, gw, set) in &self.groups {
            let Some(f) = rest.take() else { break };
            let (yes, no) = cx.split(&f, &dst, set);
            if let Some(mut y) = yes {
                if *gw != 0 {
                    y.set_anno(Anno::DstIp, Expr::constant(u64::from(*gw), 32));
                }
                cx.emit(*out, y);
            }
            rest = no;
        }
        if let Some(r) = rest {
            cx.drop_flow(r, "no route to the destination annotation");
        }
    }
}

fn lookup(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let mut labels: Vec<(usize, u32)> = Vec::new();
    let mut routes = Vec::new();
    for (i, text) in args.args().iter().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        let r = parse_route(text, false)
            .ok_or_else(|| format!("route {i}: expected 'ADDR/MASK [GW] OUT'"))?;
        if r.port < 0 {
            return Err(format!("route {i}: bad output").into());
        }
        let key = (r.port as usize, r.gw);
        let label = match labels.iter().position(|k| *k == key) {
            Some(l) => l,
            None => {
                labels.push(key);
                labels.len() - 1
            }
        };
        routes.push((r.addr, r.prefix_len(), label));
    }
    let parts = lpm_partition(&routes);
    let groups = labels
        .iter()
        .zip(parts)
        .filter(|(_, p)| !p.is_empty())
        .map(|(&(out, gw), p)| (out, gw, IntervalSet::from_ranges(p)))
        .collect();
    Ok(Box::new(Lookup { groups }))
}

/// Swaps addresses; for TCP and UDP packets that are not later fragments
/// also ports, and for TCP sequence and acknowledgment numbers (a reply
/// acknowledges what the packet sent). With DST_ANNO the destination
/// annotation becomes the new destination.
struct Mirror {
    dst_anno: bool,
}

impl Model for Mirror {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let (Ok(src), Ok(dst), Ok(proto), Ok(frag)) = (
            flow.ip_field(Field::IpSrc),
            flow.ip_field(Field::IpDst),
            flow.ip_field(Field::IpProto),
            flow.ip_field(Field::IpFrag),
        ) else {
            let v = flow.ip().err().unwrap_or(verify::MemoryViolation {
                wanted: verify::HeaderKind::Ipv4,
                found: None,
            });
            cx.memory(flow, &v);
            return;
        };
        flow.set_ip_field(Field::IpSrc, dst).expect("read above");
        flow.set_ip_field(Field::IpDst, src.clone())
            .expect("read above");
        if self.dst_anno {
            flow.set_anno(Anno::DstIp, src);
        }
        let ports = IntervalSet::point(6).union(&IntervalSet::point(17));
        let (tcpudp, other) = cx.split(&flow, &proto, &ports);
        if let Some(o) = other {
            cx.emit(port, o);
        }
        let Some(t) = tcpudp else { return };
        let first = byte_test(HeaderKind::Ipv4, 6, 2, 0x1fff, 0, CmpOp::Eq, 0)
            .expect("the fragment offset is a field")
            .set;
        let (first, later) = cx.split(&t, &frag, &first);
        if let Some(l) = later {
            cx.emit(port, l);
        }
        let Some(mut f) = first else { return };
        let swap = |f: &mut Flow, a: Field, b: Field| -> Result<(), verify::MemoryViolation> {
            let (x, y) = (f.ip_field(a)?, f.ip_field(b)?);
            f.set_ip_field(a, y)?;
            f.set_ip_field(b, x)
        };
        if let Err(v) = swap(&mut f, Field::SrcPort, Field::DstPort) {
            cx.memory(f, &v);
            return;
        }
        let (tcp, udp) = cx.split(&f, &proto, &IntervalSet::point(6));
        if let Some(u) = udp {
            cx.emit(port, u);
        }
        if let Some(mut t) = tcp {
            swap(&mut t, Field::TcpSeq, Field::TcpAck).expect("transport read above");
            cx.emit(port, t);
        }
    }
}

fn ip_mirror(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let text = a.first().map(|s| s.trim()).unwrap_or_default();
    let value = text.strip_prefix("DST_ANNO").unwrap_or(text).trim();
    let dst_anno = match value {
        "" | "true" | "yes" | "1" => true,
        "false" | "no" | "0" => false,
        v => return Err(format!("DST_ANNO: expected true or false, got '{v}'").into()),
    };
    Ok(Box::new(Mirror { dst_anno }))
}

/// Where `GetIPAddress` reads the address it puts in the destination
/// annotation.
enum AddrFrom {
    /// A field of the annotated IP header (`IP src`, `IP dst`).
    Ip(Field),
    /// The 4 bytes at this offset from the data pointer.
    Offset(u32),
}

struct GetAddr {
    from: AddrFrom,
}

impl Model for GetAddr {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let addr = match self.from {
            AddrFrom::Ip(f) => match verify::model::read_ip(&flow, cx, f) {
                Some(a) => a,
                None => return,
            },
            AddrFrom::Offset(off) => match crate::symbolic::address_field_at(&flow, off) {
                Ok((i, f)) => flow.field(i, f).clone(),
                Err(e) => {
                    cx.unmet(flow, format!("GetIPAddress({off}): {e}"));
                    return;
                }
            },
        };
        flow.set_anno(Anno::DstIp, addr);
        cx.emit(port, flow);
    }
}

fn get_ip_address(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    if a.len() > 1 {
        return Err("only the destination annotation (no ANNO argument) is modelled".into());
    }
    // As the element: OFFSET counts from the data pointer, `IP src|dst`
    // reads the annotated IP header.
    let from = match a.first().map(|s| s.trim()) {
        Some("IP dst") | Some("dst") => AddrFrom::Ip(Field::IpDst),
        Some("IP src") => AddrFrom::Ip(Field::IpSrc),
        Some(o) => AddrFrom::Offset(crate::symbolic::number(o, "OFFSET")?),
        None => return Err("expected GetIPAddress(OFFSET) or GetIPAddress(IP src|dst)".into()),
    };
    Ok(Box::new(GetAddr { from }))
}

struct SetDst {
    addr: Expr,
}

impl Model for SetDst {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        flow.set_anno(Anno::DstIp, self.addr.clone());
        cx.emit(port, flow);
    }
}

fn set_ip_address(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let Some(addr) = a.first() else {
        return Err("expected SetIPAddress(ADDR)".into());
    };
    let addr = args.ip(addr)?;
    Ok(Box::new(SetDst { addr }))
}

/// `CheckPaint(COLOR)`: packets of that paint to output 0, others to
/// output 1 (or dropped).
struct CheckPaintModel {
    color: u64,
    outputs: usize,
}

impl Model for CheckPaintModel {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let paint = flow.anno(Anno::Paint);
        let (yes, no) = cx.split(&flow, &paint, &IntervalSet::point(self.color));
        if let Some(y) = yes {
            cx.emit(0, y);
        }
        if let Some(n) = no {
            if self.outputs > 1 {
                cx.emit(1, n);
            } else {
                cx.drop_flow(n, "paint differs");
            }
        }
    }
}

fn check_paint(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(CheckPaintModel {
        color: crate::standard::symbolic::paint_color(args, "CheckPaint")?,
        outputs: args.noutputs,
    }))
}

/// Packets flagged by `ICMPError` get ADDR as source; others pass.
struct FixSrc {
    addr: Expr,
}

impl Model for FixSrc {
    fn apply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let flag = flow.anno(Anno::FixIpSrc);
        let (set, unset) = cx.split(&flow, &flag, &IntervalSet::point(1));
        if let Some(mut f) = set {
            match f.set_ip_field(Field::IpSrc, self.addr.clone()) {
                Ok(()) => {
                    f.set_anno(Anno::FixIpSrc, Expr::constant(0, 8));
                    cx.emit(port, f);
                }
                Err(v) => cx.memory(f, &v),
            }
        }
        if let Some(u) = unset {
            cx.emit(port, u);
        }
    }
}

fn fix_ip_src(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let Some(addr) = a.first() else {
        return Err("expected FixIPSrc(IPADDR)".into());
    };
    let addr = args.ip(addr.trim())?;
    Ok(Box::new(FixSrc { addr }))
}

/// The ICMP type and code, as the transport header's first 16 bits.
fn icmp_word(t: u64, code: u64) -> Expr {
    Expr::constant((t << 8) | code, 16)
}

/// An ICMP error about the packet: a new IP header to its source, an ICMP
/// header, then the offending packet's headers quoted.
struct IcmpErrorModel {
    src: Expr,
    kind: u64,
    code: u64,
}

impl Model for IcmpErrorModel {
    fn apply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let ip = match flow.ip() {
            Ok(i) => i,
            Err(v) => {
                cx.memory(flow, &v);
                return;
            }
        };
        // No errors about errors, nor about later fragments (RFC 1812
        // 4.3.2.7); broadcast sources and destinations are not modelled.
        let proto = flow.field(ip, Field::IpProto).clone();
        let mut candidates = Vec::new();
        let (icmp, other) = cx.split(&flow, &proto, &IntervalSet::point(1));
        if let Some(o) = other {
            candidates.push(o);
        }
        if let Some(i) = icmp {
            let word = i.field(ip + 1, Field::SrcPort).clone();
            let errors = [3u64, 4, 5, 11, 12]
                .iter()
                .map(|&t| IntervalSet::range(t << 8, (t << 8) | 0xff))
                .fold(IntervalSet::empty(), |a, b| a.union(&b));
            let (err, not_err) = cx.split(&i, &word, &errors);
            if let Some(e) = err {
                cx.drop_flow(e, "no ICMP error about an ICMP error");
            }
            candidates.extend(not_err);
        }
        let frag = flow.field(ip, Field::IpFrag).clone();
        let later = byte_test(HeaderKind::Ipv4, 6, 2, 0x1fff, 0, CmpOp::Ne, 0)
            .expect("fragment offset is a field")
            .set;
        for f in candidates {
            let (late, first) = cx.split(&f, &frag, &later);
            if let Some(l) = late {
                cx.drop_flow(l, "no ICMP error about a later fragment");
            }
            let Some(mut e) = first else { continue };
            let orig_src = e.field(ip, Field::IpSrc).clone();
            let mut h = Header::zeroed(HeaderKind::Ipv4);
            h.set(Field::IpVers, Expr::constant(4, 4));
            h.set(Field::IpHl, Expr::constant(5, 4));
            h.set(Field::IpTtl, Expr::constant(200, 8));
            h.set(Field::IpProto, Expr::constant(1, 8));
            h.set(Field::IpSrc, self.src.clone());
            h.set(Field::IpDst, orig_src.clone());
            let mut t = Header::zeroed(HeaderKind::Transport);
            t.set(Field::SrcPort, icmp_word(self.kind, self.code));
            let mut quoted: Vec<Header> = e.headers[ip..]
                .iter()
                .filter(|h| h.kind != HeaderKind::Payload)
                .cloned()
                .collect();
            let mut headers = vec![h, t];
            headers.append(&mut quoted);
            let payload = e
                .headers
                .iter()
                .find(|h| h.kind == HeaderKind::Payload)
                .cloned();
            headers.extend(payload);
            e.headers = headers;
            e.head = 0;
            e.net = Some(0);
            e.set_anno(Anno::DstIp, orig_src);
            e.set_anno(Anno::FixIpSrc, Expr::constant(1, 8));
            cx.emit(port, e);
        }
    }
}

fn icmp_error(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    if a.len() < 2 {
        return Err("expected ICMPError(SRC, TYPE [, CODE])".into());
    }
    let src = args.ip(a[0].trim())?;
    let kind = match a[1].trim() {
        "unreachable" => 3,
        "sourcequench" => 4,
        "redirect" => 5,
        "timeexceeded" => 11,
        "parameterproblem" => 12,
        t => t
            .parse()
            .map_err(|_| format!("unknown ICMP error type '{t}'"))?,
    };
    let code = match a.get(2).map(|s| s.trim()) {
        None | Some("") => 0,
        Some(c) => match c {
            "net" | "transit" => 0,
            "host" | "reassembly" => 1,
            "protocol" => 2,
            "port" => 3,
            "needfrag" => 4,
            "srcroutefail" => 5,
            c => c
                .parse()
                .map_err(|_| format!("ICMP code '{c}' is not modelled (use a number)"))?,
        },
    };
    Ok(Box::new(IcmpErrorModel { src, kind, code }))
}

/// Echo requests come back as replies; other packets to output 1 (or
/// dropped).
struct PingResponder {
    outputs: usize,
}

impl Model for PingResponder {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let Some(proto) = verify::model::read_ip(&flow, cx, Field::IpProto) else {
            return;
        };
        let (icmp, other) = cx.split(&flow, &proto, &IntervalSet::point(1));
        let mut rest = other.into_iter().collect::<Vec<_>>();
        if let Some(i) = icmp {
            let word = match i.ip_field(Field::SrcPort) {
                Ok(w) => w,
                Err(v) => {
                    cx.memory(i, &v);
                    return;
                }
            };
            let (echo, not_echo) =
                cx.split(&i, &word, &IntervalSet::range(8 << 8, (8 << 8) | 0xff));
            rest.extend(not_echo);
            if let Some(mut e) = echo {
                let src = e.ip_field(Field::IpSrc).expect("read above");
                let dst = e.ip_field(Field::IpDst).expect("read above");
                e.set_ip_field(Field::IpSrc, dst).expect("read above");
                e.set_ip_field(Field::IpDst, src.clone())
                    .expect("read above");
                // As the element: type and code 0, fragment field cleared,
                // TTL 255, the destination annotation the new destination,
                // paint 0.
                for (f, v) in [(Field::SrcPort, 0), (Field::IpFrag, 0), (Field::IpTtl, 255)] {
                    e.set_ip_field(f, Expr::constant(v, f.width()))
                        .expect("read above");
                }
                // The ICMP checksum (the destination-port slot) is updated
                // in ones'-complement arithmetic, which the expressions do
                // not have: the element's to choose.
                let sum = cx.choice("icmp_checksum", 16, IntervalSet::full(16));
                e.set_ip_field(Field::DstPort, Expr::var(sum, 16))
                    .expect("read above");
                e.set_anno(Anno::DstIp, src);
                e.set_anno(Anno::Paint, Expr::constant(0, 8));
                cx.emit(0, e);
            }
        }
        for r in rest {
            if self.outputs > 1 {
                cx.emit(1, r);
            } else {
                cx.drop_flow(r, "not an ICMP echo request");
            }
        }
    }
}

fn icmp_ping_responder(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(PingResponder {
        outputs: args.noutputs,
    }))
}

/// IP packets leave in an Ethernet header to the next hop, whose address
/// the ARP exchange provides at run time (a choice); ARP replies on input
/// 1 are consumed.
struct ArpQuerierModel {
    src: Option<u64>,
}

impl Model for ArpQuerierModel {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        if port == 1 {
            cx.drop_flow(flow, "ARP replies are consumed");
            return;
        }
        let mut h = Header::zeroed(HeaderKind::Ether);
        h.set(Field::EthType, Expr::constant(0x0800, 16));
        let src = match self.src {
            Some(m) => Expr::constant(m, 48),
            None => Expr::var(cx.choice("mac", 48, IntervalSet::full(48)), 48),
        };
        h.set(Field::EthSrc, src);
        let next_hop = cx.choice("next_hop_mac", 48, IntervalSet::full(48));
        cx.vars.set_format(next_hop, verify::Format::Ether);
        h.set(Field::EthDst, Expr::var(next_hop, 48));
        if flow.head > 0 && flow.headers[flow.head - 1].kind == HeaderKind::Ether {
            flow.head -= 1;
            flow.headers[flow.head] = h;
        } else {
            let at = flow.head;
            flow.headers.insert(at, h);
            if let Some(n) = flow.net.as_mut()
                && *n >= at
            {
                *n += 1;
            }
        }
        cx.emit(0, flow);
    }
}

fn arp_querier(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let src = a
        .get(1)
        .and_then(|m| crate::ethernet::symbolic::mac(m).ok());
    Ok(Box::new(ArpQuerierModel { src }))
}

struct ArpResponderModel;

impl Model for ArpResponderModel {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        cx.unmet(flow, "ARP packets are not modelled");
    }
}

fn arp_responder(_args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(ArpResponderModel))
}

/// Packets up to MTU pass; longer ones with DF set go to output 1 (or are
/// dropped), longer ones without leave as fragments (flags and offset
/// then are the fragmenter's).
struct Fragmenter {
    mtu: u64,
    outputs: usize,
}

impl Model for Fragmenter {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let Some(len) = verify::model::read_ip(&flow, cx, Field::IpLen) else {
            return;
        };
        let (fits, long) = cx.split(&flow, &len, &IntervalSet::range(0, self.mtu));
        if let Some(f) = fits {
            cx.emit(0, f);
        }
        let Some(l) = long else { return };
        let frag = l.ip_field(Field::IpFrag).expect("read above");
        let df = byte_test(HeaderKind::Ipv4, 6, 2, 0x4000, 0, CmpOp::Ne, 0)
            .expect("flags are a field")
            .set;
        let (dont, may) = cx.split(&l, &frag, &df);
        if let Some(d) = dont {
            if self.outputs > 1 {
                cx.emit(1, d);
            } else {
                cx.drop_flow(d, "too long, and DF is set");
            }
        }
        if let Some(mut m) = may {
            let v = cx.choice("fragment", 16, IntervalSet::full(16));
            m.set_ip_field(Field::IpFrag, Expr::var(v, 16))
                .expect("read above");
            let l2 = cx.choice("fragment_len", 16, IntervalSet::range(20, self.mtu));
            m.set_ip_field(Field::IpLen, Expr::var(l2, 16))
                .expect("read above");
            cx.emit(0, m);
        }
    }
}

fn ip_fragmenter(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let Some(m) = a.first() else {
        return Err("expected IPFragmenter(MTU)".into());
    };
    Ok(Box::new(Fragmenter {
        mtu: crate::symbolic::number(m.trim(), "MTU")?,
        outputs: args.noutputs,
    }))
}

/// Whole packets pass; fragments leave reassembled (a packet, no longer a
/// fragment: offset and MF clear).
struct Reassembler;

impl Model for Reassembler {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let Some(frag) = verify::model::read_ip(&flow, cx, Field::IpFrag) else {
            return;
        };
        let whole = byte_test(HeaderKind::Ipv4, 6, 2, 0x3fff, 0, CmpOp::Eq, 0)
            .expect("fragment bits are a field")
            .set;
        let (w, fragment) = cx.split(&flow, &frag, &whole);
        if let Some(w) = w {
            cx.emit(0, w);
        }
        if let Some(mut f) = fragment {
            // Only the DF bit of the first fragment survives: a choice.
            let v = cx.choice(
                "reassembled_flags",
                16,
                IntervalSet::point(0).union(&IntervalSet::point(0x4000)),
            );
            f.set_ip_field(Field::IpFrag, Expr::var(v, 16))
                .expect("read above");
            cx.emit(0, f);
        }
    }
}

fn ip_reassembler(_args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(Reassembler))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_partition() {
        // 10/8 -> 0, 10.1/16 -> 1, 0/0 -> 2.
        let p = lpm_partition(&[(0x0a00_0000, 8, 0), (0x0a01_0000, 16, 1), (0, 0, 2)]);
        let set = |i: usize| IntervalSet::from_ranges(p[i].clone());
        assert!(set(0).contains(0x0a02_0000) && !set(0).contains(0x0a01_0005));
        assert!(set(1).contains(0x0a01_0005));
        assert!(set(2).contains(0x0b00_0000) && set(2).contains(0x0900_0000));
        assert_eq!(set(0).size() + set(1).size() + set(2).size(), 1 << 32);
    }
}
