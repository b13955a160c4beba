//! Symbolic models of the tunnel elements: `IPEncap`, `StripIPHeader`.
//!
//! `IPEncap` puts a new IPv4 header in front of the packet and keeps the
//! old headers behind it untouched, so what comes out of a decapsulator
//! can be compared with what went in; its addresses may be `?NAME`
//! parameters, answered as conditions.

use verify::{
    Anno, Cx, Expr, Field, Flow, Header, HeaderKind, IntervalSet, Model, ModelArgs, ModelError,
    ModelRegistry,
};

pub fn register(r: &mut ModelRegistry) {
    r.add("IPEncap", ip_encap);
    r.add("StripIPHeader", strip_ip_header);
    r.add("UDPIPEncap", udp_ip_encap);
    r.add("StoreIPAddress", store_ip_address);
    r.add("SetRandIPAddress", set_rand_ip_address);
}

struct Encap {
    proto: u64,
    src: Expr,
    dst: Expr,
    ttl: u64,
}

impl Model for Encap {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let mut h = Header::zeroed(HeaderKind::Ipv4);
        h.set(Field::IpVers, Expr::constant(4, 4));
        h.set(Field::IpHl, Expr::constant(5, 4));
        h.set(Field::IpProto, Expr::constant(self.proto, 8));
        h.set(Field::IpSrc, self.src.clone());
        h.set(Field::IpDst, self.dst.clone());
        h.set(Field::IpTtl, Expr::constant(self.ttl, 8));
        // The bytes in front of the data are overwritten: headers already
        // stripped are gone.
        flow.headers.drain(..flow.head);
        flow.net = None;
        flow.headers.insert(0, h);
        flow.head = 0;
        flow.net = Some(0);
        cx.emit(port, flow);
    }
}

fn ip_encap(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    if a.len() < 3 {
        return Err("expected IPEncap(PROTO, SRC, DST, ...)".into());
    }
    let proto = match a[0].trim() {
        "tcp" => 6,
        "udp" => 17,
        "icmp" => 1,
        "gre" => 47,
        "ipip" | "ip" => 4,
        p => p.parse().map_err(|_| format!("bad PROTO '{p}'"))?,
    };
    let src = args.ip(a[1].trim())?;
    let dst = args.ip(a[2].trim())?;
    let mut ttl = 250;
    for kw in &a[3..] {
        if let Some(v) = kw.trim().strip_prefix("TTL") {
            ttl = v.trim().parse().map_err(|_| format!("bad TTL '{v}'"))?;
        }
    }
    Ok(Box::new(Encap {
        proto,
        src,
        dst,
        ttl,
    }))
}

/// Moves the data pointer past the annotated IPv4 header.
struct StripIp;

impl Model for StripIp {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        match flow.ip() {
            Ok(i) => {
                flow.head = i + 1;
                cx.emit(port, flow);
            }
            Err(v) => cx.memory(flow, &v),
        }
    }
}

fn strip_ip_header(_args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(StripIp))
}

/// A UDP header and an IP header in front of the packet.
struct UdpEncap {
    src: Expr,
    sport: u64,
    dst: Expr,
    dport: u64,
}

impl Model for UdpEncap {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let mut ip = Header::zeroed(HeaderKind::Ipv4);
        ip.set(Field::IpVers, Expr::constant(4, 4));
        ip.set(Field::IpHl, Expr::constant(5, 4));
        ip.set(Field::IpProto, Expr::constant(17, 8));
        ip.set(Field::IpTtl, Expr::constant(250, 8));
        ip.set(Field::IpSrc, self.src.clone());
        ip.set(Field::IpDst, self.dst.clone());
        let mut udp = Header::zeroed(HeaderKind::Transport);
        udp.set(Field::SrcPort, Expr::constant(self.sport, 16));
        udp.set(Field::DstPort, Expr::constant(self.dport, 16));
        flow.headers.drain(..flow.head);
        flow.headers.insert(0, udp);
        flow.headers.insert(0, ip);
        flow.head = 0;
        flow.net = Some(0);
        cx.emit(port, flow);
    }
}

fn udp_ip_encap(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    if a.len() < 4 {
        return Err("expected UDPIPEncap(SRC, SPORT, DST, DPORT)".into());
    }
    let src = args.ip(a[0].trim())?;
    let dst = args.ip(a[2].trim())?;
    Ok(Box::new(UdpEncap {
        src,
        sport: crate::symbolic::number(a[1].trim(), "SPORT")?,
        dst,
        dport: crate::symbolic::number(a[3].trim(), "DPORT")?,
    }))
}

/// Stores an address (the destination annotation, or a fixed one) into
/// the IP source (offset 12) or destination (16).
struct StoreAddr {
    value: Option<Expr>,
    field: Field,
}

impl Model for StoreAddr {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let v = self.value.clone().unwrap_or_else(|| flow.anno(Anno::DstIp));
        match flow.set_ip_field(self.field, v) {
            Ok(()) => cx.emit(port, flow),
            Err(e) => cx.memory(flow, &e),
        }
    }
}

fn store_ip_address(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let (value, offset) = match a.as_slice() {
        [o] => (None, o.trim().to_string()),
        [addr, o] => (Some(args.ip(addr.trim())?), o.trim().to_string()),
        _ => return Err("expected StoreIPAddress([ADDR,] OFFSET)".into()),
    };
    let field = match offset.as_str() {
        "12" | "src" => Field::IpSrc,
        "16" | "dst" => Field::IpDst,
        o => {
            return Err(format!(
                "only offsets 12 (src) and 16 (dst) are modelled, not {o}"
            ));
        }
    };
    Ok(Box::new(StoreAddr { value, field }))
}

/// The destination annotation becomes some address of the prefix.
struct RandAddr {
    set: IntervalSet,
}

impl Model for RandAddr {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let v = cx.choice("address", 32, self.set.clone());
        cx.vars.set_format(v, verify::Format::Ipv4);
        flow.set_anno(Anno::DstIp, Expr::var(v, 32));
        cx.emit(port, flow);
    }
}

fn set_rand_ip_address(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let Some(p) = a.first() else {
        return Err("expected SetRandIPAddress(PREFIX)".into());
    };
    let prefix =
        clickconf::args::IpPrefix::parse_literal(p.trim()).map_err(|e| format!("'{p}': {e}"))?;
    let len = u32::from(prefix.mask()).leading_ones() as u8;
    Ok(Box::new(RandAddr {
        set: IntervalSet::prefix(u32::from(prefix.addr), len),
    }))
}
