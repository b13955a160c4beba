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
    r.add("VLANEncap", vlan_encap);
    r.add("VLANDecap", vlan_decap);
    r.add("EtherVLANEncap", ether_vlan_encap);
    r.add("GREEncap", gre_encap);
    r.add("GREDecap", gre_decap);
}

/// Positional arguments and `KEYWORD value` arguments, Click's way.
fn split_keywords(args: &[String]) -> (Vec<String>, Vec<(String, String)>) {
    let mut positional = Vec::new();
    let mut keywords = Vec::new();
    for a in args {
        let a = a.trim();
        let (word, rest) = a.split_once(char::is_whitespace).unwrap_or((a, ""));
        if word.len() > 1
            && word.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            && !rest.is_empty()
        {
            keywords.push((word.to_string(), rest.trim().to_string()));
        } else {
            positional.push(a.to_string());
        }
    }
    (positional, keywords)
}

fn int(text: &str, what: &str) -> Result<u64, ModelError> {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => {
            u64::from_str_radix(h, 16).map_err(|_| format!("{what}: bad number '{t}'").into())
        }
        None => t
            .parse()
            .map_err(|_| format!("{what}: bad number '{t}'").into()),
    }
}

/// The TCI from VLAN_TCI or VLAN_ID/VLAN_PCP, and whether frames of that
/// VLAN go untagged (NATIVE_VLAN).
fn vlan_tci(
    positional: &[String],
    keywords: &[(String, String)],
) -> Result<(u64, bool), ModelError> {
    let kw = |k: &str| {
        keywords
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    let mut tci = 0;
    if let Some(t) = positional.first() {
        if t == "ANNO" {
            return Err("a TCI from the annotation is not modelled".into());
        }
        tci = int(t, "VLAN_TCI")?;
    }
    if let Some(p) = positional.get(1).map(String::as_str).or(kw("VLAN_PCP")) {
        tci = (tci & 0x1fff) | (int(p, "VLAN_PCP")? << 13);
    }
    if let Some(id) = kw("VLAN_ID") {
        tci = (tci & !0xfff) | int(id, "VLAN_ID")?;
    }
    let native = match kw("NATIVE_VLAN") {
        Some("-1") => None,
        Some(n) => Some(int(n, "NATIVE_VLAN")?),
        None => Some(0),
    };
    Ok((tci, native == Some(tci & 0xfff)))
}

/// Inserts a tag after the Ethernet addresses.
struct VlanEncap {
    tci: u64,
    tpid: u64,
    untagged: bool,
}

impl Model for VlanEncap {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        if self.untagged {
            cx.emit(port, flow);
            return;
        }
        let eth = match flow.expect(flow.head, HeaderKind::Ether) {
            Ok(i) => i,
            Err(v) => {
                cx.memory(flow, &v);
                return;
            }
        };
        let mut tag = Header::zeroed(HeaderKind::Vlan);
        tag.set(Field::VlanTci, Expr::constant(self.tci, 16));
        tag.set(Field::VlanType, flow.field(eth, Field::EthType).clone());
        flow.set_field(eth, Field::EthType, Expr::constant(self.tpid, 16));
        flow.headers.insert(eth + 1, tag);
        if let Some(n) = flow.net.as_mut()
            && *n > eth
        {
            *n += 1;
        }
        cx.emit(port, flow);
    }
}

fn vlan_encap(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let (positional, keywords) = split_keywords(&args.args());
    let (tci, untagged) = vlan_tci(&positional, &keywords)?;
    let tpid = match keywords.iter().find(|(k, _)| k == "ETHERTYPE") {
        Some((_, v)) => int(v, "ETHERTYPE")?,
        None => 0x8100,
    };
    Ok(Box::new(VlanEncap {
        tci,
        tpid,
        untagged,
    }))
}

/// Removes a tag; untagged frames pass.
struct VlanDecap {
    tpid: u64,
}

impl Model for VlanDecap {
    fn apply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let eth = match flow.expect(flow.head, HeaderKind::Ether) {
            Ok(i) => i,
            Err(v) => {
                cx.memory(flow, &v);
                return;
            }
        };
        let ty = flow.field(eth, Field::EthType).clone();
        let tagged = flow
            .headers
            .get(eth + 1)
            .is_some_and(|h| h.kind == HeaderKind::Vlan);
        let (is_tag, not_tag) = cx.split(&flow, &ty, &IntervalSet::point(self.tpid));
        if let Some(n) = not_tag {
            cx.emit(port, n);
        }
        let Some(mut t) = is_tag else { return };
        if !tagged {
            // The type says tagged but what follows is another header: the
            // decapsulator would read it as a tag.
            let v = verify::MemoryViolation {
                wanted: HeaderKind::Vlan,
                found: t.headers.get(eth + 1).map(|h| h.kind),
            };
            cx.memory(t, &v);
            return;
        }
        let inner = t.field(eth + 1, Field::VlanType).clone();
        t.set_field(eth, Field::EthType, inner);
        t.headers.remove(eth + 1);
        if let Some(n) = t.net.as_mut()
            && *n > eth
        {
            *n -= 1;
        }
        cx.emit(port, t);
    }
}

fn vlan_decap(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let (_, keywords) = split_keywords(&args.args());
    let tpid = match keywords.iter().find(|(k, _)| k == "ETHERTYPE") {
        Some((_, v)) => int(v, "ETHERTYPE")?,
        None => 0x8100,
    };
    Ok(Box::new(VlanDecap { tpid }))
}

/// An Ethernet header and a tag in front of the packet.
struct EtherVlan {
    ethertype: u64,
    src: u64,
    dst: u64,
    tci: u64,
    untagged: bool,
}

impl Model for EtherVlan {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let mut eth = Header::zeroed(HeaderKind::Ether);
        eth.set(Field::EthSrc, Expr::constant(self.src, 48));
        eth.set(Field::EthDst, Expr::constant(self.dst, 48));
        let mut new = vec![];
        if self.untagged {
            eth.set(Field::EthType, Expr::constant(self.ethertype, 16));
            new.push(eth);
        } else {
            eth.set(Field::EthType, Expr::constant(0x8100, 16));
            let mut tag = Header::zeroed(HeaderKind::Vlan);
            tag.set(Field::VlanTci, Expr::constant(self.tci, 16));
            tag.set(Field::VlanType, Expr::constant(self.ethertype, 16));
            new.push(eth);
            new.push(tag);
        }
        let added = new.len();
        flow.headers.drain(..flow.head);
        flow.net = flow
            .net
            .and_then(|n| n.checked_sub(flow.head))
            .map(|n| n + added);
        flow.headers.splice(0..0, new);
        flow.head = 0;
        cx.emit(port, flow);
    }
}

fn ether_vlan_encap(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let (positional, keywords) = split_keywords(&args.args());
    if positional.len() < 3 {
        return Err("expected EtherVLANEncap(ETHERTYPE, SRC, DST, VLAN_TCI ...)".into());
    }
    let (tci, untagged) = vlan_tci(&positional[3..], &keywords)?;
    Ok(Box::new(EtherVlan {
        ethertype: int(&positional[0], "ETHERTYPE")?,
        src: crate::ethernet::symbolic::mac(&positional[1])?,
        dst: crate::ethernet::symbolic::mac(&positional[2])?,
        tci,
        untagged,
    }))
}

/// GRE flag bits (RFC 2784/2890).
const GRE_C: u64 = 0x8000;
const GRE_K: u64 = 0x2000;
const GRE_S: u64 = 0x1000;

/// A GRE header in front of the packet.
struct GreEncap {
    proto: u64,
    key: Option<u64>,
    sequence: bool,
    checksum: bool,
}

impl Model for GreEncap {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let mut flags = 0;
        if self.checksum {
            flags |= GRE_C;
        }
        let mut h = Header::zeroed(HeaderKind::Gre);
        if let Some(k) = self.key {
            flags |= GRE_K;
            h.set(Field::GreKey, Expr::constant(k, 32));
        }
        if self.sequence {
            flags |= GRE_S;
            let v = cx.choice("sequence", 32, IntervalSet::full(32));
            h.set(Field::GreSeq, Expr::var(v, 32));
        }
        h.set(Field::GreFlags, Expr::constant(flags, 16));
        h.set(Field::GreProto, Expr::constant(self.proto, 16));
        flow.headers.drain(..flow.head);
        flow.net = flow
            .net
            .and_then(|n| n.checked_sub(flow.head))
            .map(|n| n + 1);
        flow.headers.insert(0, h);
        flow.head = 0;
        cx.emit(port, flow);
    }
}

fn bool_kw(keywords: &[(String, String)], k: &str, default: bool) -> bool {
    match keywords.iter().find(|(n, _)| n == k) {
        Some((_, v)) => matches!(v.as_str(), "true" | "1" | "yes" | "t" | "y"),
        None => default,
    }
}

fn gre_encap(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let (positional, keywords) = split_keywords(&args.args());
    let Some(p) = positional.first() else {
        return Err("expected GREEncap(PROTOCOL ...)".into());
    };
    let key = match keywords.iter().find(|(k, _)| k == "KEY") {
        Some((_, v)) => Some(int(v, "KEY")?),
        None => None,
    };
    Ok(Box::new(GreEncap {
        proto: int(p, "PROTOCOL")?,
        key,
        sequence: bool_kw(&keywords, "SEQUENCE", false),
        checksum: bool_kw(&keywords, "CHECKSUM", false),
    }))
}

/// Removes a GRE header; what is not GRE, or carries another key, goes to
/// output 1 (or is dropped). Sequence checking depends on the order of
/// packets, which flows do not have: it is not modelled.
struct GreDecap {
    key: Option<u64>,
    outputs: usize,
}

impl GreDecap {
    fn reject(&self, flow: Flow, cx: &mut Cx<'_>, why: &str) {
        if self.outputs > 1 {
            cx.emit(1, flow);
        } else {
            cx.drop_flow(flow, why);
        }
    }
}

impl Model for GreDecap {
    fn apply(&self, _port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        if flow.headers.get(flow.head).map(|h| h.kind) != Some(HeaderKind::Gre) {
            self.reject(flow, cx, "not a GRE header");
            return;
        }
        let at = flow.head;
        let mut accepted = Some(flow.clone());
        if let Some(k) = self.key {
            let flags = flow.field(at, Field::GreFlags).clone();
            let key = flow.field(at, Field::GreKey).clone();
            let with_key = verify::cond::byte_test(
                HeaderKind::Gre,
                0,
                2,
                GRE_K,
                0,
                verify::cond::CmpOp::Ne,
                0,
            )
            .expect("flags are a field")
            .set;
            let (has, lacks) = cx.split(&flow, &flags, &with_key);
            if let Some(l) = lacks {
                self.reject(l, cx, "no GRE key");
            }
            accepted = None;
            if let Some(h) = has {
                let (same, other) = cx.split(&h, &key, &IntervalSet::point(k));
                if let Some(o) = other {
                    self.reject(o, cx, "another GRE key");
                }
                accepted = same;
            }
        }
        let Some(mut a) = accepted else { return };
        a.head += 1;
        flow = a;
        cx.emit(0, flow);
    }
}

fn gre_decap(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let (_, keywords) = split_keywords(&args.args());
    let key = match keywords.iter().find(|(k, _)| k == "KEY") {
        Some((_, v)) => Some(int(v, "KEY")?),
        None => None,
    };
    Ok(Box::new(GreDecap {
        key,
        outputs: args.noutputs,
    }))
}

struct Encap {
    proto: u64,
    src: Expr,
    /// `None`: DST_ANNO, the packet's destination annotation.
    dst: Option<Expr>,
    ttl: u64,
    tos: u64,
    df: bool,
}

impl Model for Encap {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let dst = self.dst.clone().unwrap_or_else(|| flow.anno(Anno::DstIp));
        // Lengths are not modelled (a packet is its headers), and the ID
        // counts packets: both are the element's to choose.
        let min_len: usize = 20
            + flow.headers[flow.head..]
                .iter()
                .filter_map(|h| h.kind.fixed_len())
                .sum::<usize>();
        let len = cx.choice("length", 16, IntervalSet::range(min_len as u64, 65535));
        let id = cx.choice("id", 16, IntervalSet::full(16));
        let mut h = Header::zeroed(HeaderKind::Ipv4);
        h.set(Field::IpVers, Expr::constant(4, 4));
        h.set(Field::IpHl, Expr::constant(5, 4));
        h.set(Field::IpTos, Expr::constant(self.tos, 8));
        h.set(Field::IpLen, Expr::var(len, 16));
        h.set(Field::IpId, Expr::var(id, 16));
        h.set(
            Field::IpFrag,
            Expr::constant(if self.df { 0x4000 } else { 0 }, 16),
        );
        h.set(Field::IpProto, Expr::constant(self.proto, 8));
        h.set(Field::IpSrc, self.src.clone());
        h.set(Field::IpDst, dst.clone());
        h.set(Field::IpTtl, Expr::constant(self.ttl, 8));
        // The bytes in front of the data are overwritten: headers already
        // stripped are gone.
        flow.headers.drain(..flow.head);
        flow.headers.insert(0, h);
        flow.head = 0;
        flow.net = Some(0);
        flow.set_anno(Anno::DstIp, dst);
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
    let dst = match a[2].trim() {
        "DST_ANNO" => None,
        d => Some(args.ip(d)?),
    };
    let (_, keywords) = split_keywords(&a[3..]);
    let kw = |k: &str| {
        keywords
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    let ttl = kw("TTL").map_or(Ok(250), |v| int(v, "TTL"))?;
    let ce = bool_kw(&keywords, "CE", false);
    // The TOS byte as the element computes it.
    let tos = match (kw("TOS"), kw("DSCP")) {
        (Some(_), Some(_)) => return Err("give TOS or DSCP, not both".into()),
        (Some(t), None) => int(t, "TOS")?,
        (None, Some(d)) => {
            let ecn = match kw("ECT") {
                None | Some("false") => 0,
                Some("1") => 1,
                Some("true" | "0" | "2") => 2,
                Some(o) => return Err(format!("ECT: bad value '{o}'").into()),
            };
            (int(d, "DSCP")? << 2) | if ce { 3 } else { ecn }
        }
        (None, None) => {
            if ce {
                3
            } else {
                0
            }
        }
    };
    Ok(Box::new(Encap {
        proto,
        src,
        dst,
        ttl,
        tos,
        df: bool_kw(&keywords, "DF", false),
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

/// A UDP header and an IP header in front of the packet; the destination
/// may be the destination annotation, which is then set to it.
struct UdpEncap {
    src: Expr,
    sport: u64,
    dst: Option<Expr>,
    dport: u64,
}

impl Model for UdpEncap {
    fn apply(&self, port: usize, mut flow: Flow, cx: &mut Cx<'_>) {
        let dst = self.dst.clone().unwrap_or_else(|| flow.anno(Anno::DstIp));
        let mut ip = Header::zeroed(HeaderKind::Ipv4);
        ip.set(Field::IpVers, Expr::constant(4, 4));
        ip.set(Field::IpHl, Expr::constant(5, 4));
        ip.set(Field::IpProto, Expr::constant(17, 8));
        ip.set(Field::IpTtl, Expr::constant(250, 8));
        ip.set(Field::IpSrc, self.src.clone());
        ip.set(Field::IpDst, dst.clone());
        // Length, ID, and UDP length and checksum (bytes 4-7 of the
        // transport header) are the element's to compute.
        let len = cx.choice("length", 16, IntervalSet::range(28, 0xffff));
        ip.set(Field::IpLen, Expr::var(len, 16));
        let id = cx.choice("id", 16, IntervalSet::full(16));
        ip.set(Field::IpId, Expr::var(id, 16));
        let mut udp = Header::zeroed(HeaderKind::Transport);
        udp.set(Field::SrcPort, Expr::constant(self.sport, 16));
        udp.set(Field::DstPort, Expr::constant(self.dport, 16));
        let len_sum = cx.choice("udp_length_checksum", 32, IntervalSet::full(32));
        udp.set(Field::TcpSeq, Expr::var(len_sum, 32));
        flow.headers.drain(..flow.head);
        flow.headers.insert(0, udp);
        flow.headers.insert(0, ip);
        flow.head = 0;
        flow.net = Some(0);
        flow.set_anno(Anno::DstIp, dst);
        cx.emit(port, flow);
    }
}

fn udp_ip_encap(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    if a.len() < 4 {
        return Err("expected UDPIPEncap(SRC, SPORT, DST, DPORT)".into());
    }
    let src = args.ip(a[0].trim())?;
    let dst = match a[2].trim() {
        "DST_ANNO" => None,
        d => Some(args.ip(d)?),
    };
    Ok(Box::new(UdpEncap {
        src,
        sport: crate::symbolic::number(a[1].trim(), "SPORT")?,
        dst,
        dport: crate::symbolic::number(a[3].trim(), "DPORT")?,
    }))
}

/// Where `StoreIPAddress` writes.
enum StoreAt {
    /// A field of the annotated IP header (`src`, `dst`).
    Ip(Field),
    /// The 4 bytes at this offset from the data pointer.
    Offset(u32),
}

/// Stores an address (the destination annotation, or a fixed one) into
/// the packet, as the element does: at an offset from the data pointer,
/// or into the IP header's source or destination.
struct StoreAddr {
    value: Option<Expr>,
    at: StoreAt,
}

impl StoreAddr {
    fn store(&self, mut flow: Flow, v: Expr, cx: &mut Cx<'_>, port: usize) {
        match self.at {
            StoreAt::Ip(f) => match flow.set_ip_field(f, v) {
                Ok(()) => cx.emit(port, flow),
                Err(e) => cx.memory(flow, &e),
            },
            StoreAt::Offset(off) => match crate::symbolic::address_field_at(&flow, off) {
                Ok((i, f)) => {
                    flow.set_field(i, f, v);
                    cx.emit(port, flow);
                }
                Err(e) => cx.unmet(flow, format!("StoreIPAddress({off}): {e}")),
            },
        }
    }
}

impl Model for StoreAddr {
    fn apply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>) {
        let Some(v) = self.value.clone() else {
            let anno = flow.anno(Anno::DstIp);
            if let StoreAt::Offset(_) = self.at {
                // As the element: a zero annotation leaves the packet
                // alone when writing at an offset.
                let (zero, set) = cx.split(&flow, &anno, &IntervalSet::point(0));
                if let Some(z) = zero {
                    cx.emit(port, z);
                }
                if let Some(f) = set {
                    self.store(f, anno, cx, port);
                }
                return;
            }
            self.store(flow, anno, cx, port);
            return;
        };
        self.store(flow, v, cx, port);
    }
}

fn store_ip_address(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    let a = args.args();
    let (value, offset) = match a.as_slice() {
        [o] => (None, o.trim().to_string()),
        [addr, o] => (Some(args.ip(addr.trim())?), o.trim().to_string()),
        _ => return Err("expected StoreIPAddress([ADDR,] OFFSET)".into()),
    };
    let at = match offset.to_ascii_lowercase().as_str() {
        "src" => StoreAt::Ip(Field::IpSrc),
        "dst" => StoreAt::Ip(Field::IpDst),
        o => StoreAt::Offset(crate::symbolic::number(o, "OFFSET")?),
    };
    Ok(Box::new(StoreAddr { value, at }))
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
