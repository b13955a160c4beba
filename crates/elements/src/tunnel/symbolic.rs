//! Symbolic models of the tunnel elements: `IPEncap`, `StripIPHeader`.
//!
//! `IPEncap` puts a new IPv4 header in front of the packet and keeps the
//! old headers behind it untouched, so what comes out of a decapsulator
//! can be compared with what went in; its addresses may be `?NAME`
//! parameters, answered as conditions.

use verify::{
    Cx, Expr, Field, Flow, Header, HeaderKind, Model, ModelArgs, ModelError, ModelRegistry,
};

pub fn register(r: &mut ModelRegistry) {
    r.add("IPEncap", ip_encap);
    r.add("StripIPHeader", strip_ip_header);
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
