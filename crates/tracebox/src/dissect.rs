//! Dissection: wire bytes to generic layers and fields named as the public
//! tool (libcrafter) names them.
//!
//! Key decision: a truncated packet (an ICMP quote) dissects as far as its
//! bytes go and says so (`partial`); it never fails and never indexes past
//! the end. A quote shorter than its IP total length with TCP next gets a
//! `PartialTCP` layer holding the fields of its first 8 bytes, as the
//! public tool does.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A field value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Num(u64),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
    Bytes(Vec<u8>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Num(n) => write!(f, "{n}"),
            Value::V4(a) => write!(f, "{a}"),
            Value::V6(a) => write!(f, "{a}"),
            Value::Bytes(b) => {
                for x in b {
                    write!(f, "{x:02x}")?;
                }
                Ok(())
            }
        }
    }
}

/// One dissected layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// The public tool's layer name (`IP`, `TCPOptionMaxSegSize`, ...).
    pub name: &'static str,
    /// Orders layers in the diff as libcrafter's protocol-ID set does:
    /// ICMP (0x01), TCP (0x06), UDP (0x11), IP (0x0800), IPv6 (0x86dd),
    /// IP options, TCP options, RawLayer, PartialTCP. The IDs of the
    /// option layers and of PartialTCP are our guess from the golden
    /// outputs (TCP, then IP, then options; `+PartialTCP` last).
    pub order: u32,
    pub fields: Vec<(&'static str, Value)>,
    /// Payload bytes; only `RawLayer` carries any.
    pub payload: Vec<u8>,
}

impl Layer {
    fn new(name: &'static str, order: u32) -> Self {
        Layer {
            name,
            order,
            fields: Vec::new(),
            payload: Vec::new(),
        }
    }

    fn num(mut self, name: &'static str, v: impl Into<u64>) -> Self {
        self.fields.push((name, Value::Num(v.into())));
        self
    }

    fn val(mut self, name: &'static str, v: Value) -> Self {
        self.fields.push((name, v));
        self
    }

    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// A dissected packet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dissection {
    pub layers: Vec<Layer>,
    /// The bytes end before the IP total length says they should.
    pub partial: bool,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Dissects an IPv4 or IPv6 packet, possibly truncated. Bytes beyond the
/// IP total length are ignored (the caller keeps them as extensions).
pub fn dissect(bytes: &[u8]) -> Dissection {
    let mut d = Dissection::default();
    let Some(&v) = bytes.first() else {
        return d;
    };
    let (proto, l4, claimed_end) = match v >> 4 {
        4 => match ipv4(bytes, &mut d.layers) {
            Some(x) => x,
            None => {
                d.partial = true;
                return d;
            }
        },
        6 => match ipv6(bytes, &mut d.layers) {
            Some(x) => x,
            None => {
                d.partial = true;
                return d;
            }
        },
        _ => {
            d.layers.push(raw(bytes));
            return d;
        }
    };
    let end = claimed_end.min(bytes.len()).max(l4.min(bytes.len()));
    d.partial = bytes.len() < claimed_end;
    let seg = bytes.get(l4..end).unwrap_or(&[]);
    let rest = match proto {
        6 => tcp(seg, &mut d.layers),
        17 if seg.len() >= 8 => {
            d.layers.push(
                Layer::new("UDP", 0x11)
                    .num("SrcPort", be16(seg, 0).unwrap_or(0))
                    .num("DstPort", be16(seg, 2).unwrap_or(0))
                    .num("Length", be16(seg, 4).unwrap_or(0))
                    .num("CheckSum", be16(seg, 6).unwrap_or(0)),
            );
            &seg[8..]
        }
        1 | 58 if seg.len() >= 8 => {
            let mut l = Layer::new(if proto == 1 { "ICMP" } else { "ICMPv6" }, 0x01)
                .num("Type", seg[0])
                .num("Code", seg[1])
                .num("CheckSum", be16(seg, 2).unwrap_or(0));
            if matches!((proto, seg[0]), (1, 0 | 8) | (58, 128 | 129)) {
                l = l
                    .num("Identifier", be16(seg, 4).unwrap_or(0))
                    .num("SequenceNumber", be16(seg, 6).unwrap_or(0));
            } else {
                l = l.num("RestOfHeader", be32(seg, 4).unwrap_or(0));
            }
            d.layers.push(l);
            &seg[8..]
        }
        _ => seg,
    };
    if d.partial && proto == 6 {
        let mut p = Layer::new("PartialTCP", 0xfff2);
        if let Some(x) = be16(seg, 0) {
            p = p.num("SrcPort", x);
        }
        if let Some(x) = be16(seg, 2) {
            p = p.num("DstPort", x);
        }
        if let Some(x) = be32(seg, 4) {
            p = p.num("SeqNumber", x);
        }
        d.layers.push(p);
    } else if !rest.is_empty() {
        d.layers.push(raw(rest));
    }
    d
}

fn raw(b: &[u8]) -> Layer {
    let mut l = Layer::new("RawLayer", 0xfff1);
    l.payload = b.to_vec();
    l
}

/// Returns (protocol, transport offset, IP total length).
fn ipv4(b: &[u8], out: &mut Vec<Layer>) -> Option<(u8, usize, usize)> {
    let hl = usize::from(*b.first()? & 0x0f) * 4;
    if b.len() < 20 || hl < 20 {
        return None;
    }
    let ff = be16(b, 6)?;
    out.push(
        Layer::new("IP", 0x0800)
            .num("Version", b[0] >> 4)
            .num("HeaderLength", b[0] & 0x0f)
            .num("DiffServicesCP", b[1] >> 2)
            .num("ExpCongestionNot", b[1] & 3)
            .num("TotalLength", be16(b, 2)?)
            .num("Identification", be16(b, 4)?)
            .num("Flags", ff >> 13)
            .num("FragmentOffset", ff & 0x1fff)
            .num("TTL", b[8])
            .num("Protocol", b[9])
            .num("CheckSum", be16(b, 10)?)
            .val(
                "SourceIP",
                Value::V4(Ipv4Addr::new(b[12], b[13], b[14], b[15])),
            )
            .val(
                "DestinationIP",
                Value::V4(Ipv4Addr::new(b[16], b[17], b[18], b[19])),
            ),
    );
    let opts = b.get(20..hl.min(b.len())).unwrap_or(&[]);
    let mut i = 0;
    while let Some(&kind) = opts.get(i) {
        if kind <= 1 {
            out.push(Layer::new("IPOptionPad", 0x8000).num("Option", kind));
            if kind == 0 {
                break;
            }
            i += 1;
            continue;
        }
        let Some(&len) = opts.get(i + 1) else { break };
        let len = usize::from(len);
        let Some(data) = opts.get(i + 2..i + len.max(2)) else {
            break;
        };
        let name = match kind {
            7 => "IPOptionRecordRoute",
            131 => "IPOptionLSRR",
            137 => "IPOptionSSRR",
            _ => "IPOption",
        };
        out.push(
            Layer::new(name, 0x8000 + u32::from(kind))
                .num("Option", kind)
                .num("Length", len as u64)
                .val("Data", Value::Bytes(data.to_vec())),
        );
        i += len.max(2);
    }
    Some((b[9], hl, usize::from(be16(b, 2)?)))
}

fn ipv6(b: &[u8], out: &mut Vec<Layer>) -> Option<(u8, usize, usize)> {
    let s = b.get(8..40)?;
    let w0 = be32(b, 0)?;
    let mut src = [0u8; 16];
    let mut dst = [0u8; 16];
    src.copy_from_slice(&s[..16]);
    dst.copy_from_slice(&s[16..]);
    let plen = be16(b, 4)?;
    out.push(
        Layer::new("IPv6", 0x86dd)
            .num("Version", w0 >> 28)
            .num("TrafficClass", (w0 >> 20) & 0xff)
            .num("FlowLabel", w0 & 0xf_ffff)
            .num("PayloadLength", plen)
            .num("NextHeader", b[6])
            .num("HopLimit", b[7])
            .val("SourceIP", Value::V6(Ipv6Addr::from(src)))
            .val("DestinationIP", Value::V6(Ipv6Addr::from(dst))),
    );
    Some((b[6], 40, 40 + usize::from(plen)))
}

/// Dissects TCP and its options; returns what follows the header.
fn tcp<'a>(s: &'a [u8], out: &mut Vec<Layer>) -> &'a [u8] {
    if s.len() < 20 {
        return &[];
    }
    let doff = usize::from(s[12] >> 4);
    out.push(
        Layer::new("TCP", 0x06)
            .num("SrcPort", be16(s, 0).unwrap_or(0))
            .num("DstPort", be16(s, 2).unwrap_or(0))
            .num("SeqNumber", be32(s, 4).unwrap_or(0))
            .num("AckNumber", be32(s, 8).unwrap_or(0))
            .num("DataOffset", s[12] >> 4)
            .num("Reserved", s[12] & 0x0f)
            .num("Flags", s[13])
            .num("WindowsSize", be16(s, 14).unwrap_or(0))
            .num("CheckSum", be16(s, 16).unwrap_or(0))
            .num("UrgPointer", be16(s, 18).unwrap_or(0)),
    );
    let hl = (doff * 4).max(20);
    let opts = s.get(20..hl.min(s.len())).unwrap_or(&[]);
    let mut i = 0;
    while let Some(&kind) = opts.get(i) {
        if kind <= 1 {
            out.push(Layer::new("TCPOptionPad", 0x9000).num("Kind", kind));
            i += 1;
            if kind == 0 {
                break;
            }
            continue;
        }
        let Some(&len) = opts.get(i + 1) else { break };
        let n = usize::from(len).max(2);
        let Some(o) = opts.get(i..i + n) else { break };
        out.push(tcp_option(kind, len, o));
        i += n;
    }
    s.get(hl..).unwrap_or(&[])
}

fn tcp_option(kind: u8, len: u8, o: &[u8]) -> Layer {
    let base = |name| {
        Layer::new(name, 0x9000 + u32::from(kind))
            .num("Kind", kind)
            .num("Length", len)
    };
    let data = || Value::Bytes(o.get(2..).unwrap_or(&[]).to_vec());
    match (kind, o.len()) {
        (2, 4) => base("TCPOptionMaxSegSize").num("MaxSegSize", be16(o, 2).unwrap_or(0)),
        (3, 3) => base("TCPOptionWindowScale").num("Shift", o[2]),
        (4, 2) => base("TCPOptionSACKPermitted"),
        (5, _) => base("TCPOptionSACK").val("Blocks", data()),
        (8, 10) => base("TCPOptionTimestamp")
            .num("Value", be32(o, 2).unwrap_or(0))
            .num("EchoReply", be32(o, 6).unwrap_or(0)),
        (34, _) => base("TCPOptionFastOpen").val("Cookie", data()),
        (30, n) if n >= 4 && o[2] >> 4 == 0 => base("TCPOptionMPTCPCapable")
            .num("Subtype", o[2] >> 4)
            .num("Version", o[2] & 0x0f)
            .num("Flags", o[3])
            .val(
                "Sender's Key",
                Value::Bytes(o.get(4..12).unwrap_or(&[]).to_vec()),
            )
            .val(
                "Receiver's Key",
                Value::Bytes(o.get(12..).unwrap_or(&[]).to_vec()),
            ),
        (30, n) if n >= 4 && o[2] >> 4 == 1 => base("TCPOptionMPTCPJoin")
            .num("Subtype", o[2] >> 4)
            .num("Backup", o[2] & 1)
            .num("Address ID", o[3])
            .val(
                "Receiver's Token",
                Value::Bytes(o.get(4..8).unwrap_or(&[]).to_vec()),
            )
            .val(
                "Sender's Random Number",
                Value::Bytes(o.get(8..).unwrap_or(&[]).to_vec()),
            ),
        _ => base("TCPOption").val("Data", data()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IP/TCP SYN from 10.0.0.1:47457 to 1.2.3.4:80 with MSS 9000.
    pub(crate) const SYN_MSS: [u8; 44] = [
        0x45, 0x00, 0x00, 0x2c, 0x01, 0x10, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10, 0, 0, 1, 1, 2,
        3, 4, 0xb9, 0x61, 0x00, 0x50, 0x4b, 0xc7, 0x5e, 0x45, 0, 0, 0, 0, 0x60, 0x02, 0x16, 0xd0,
        0, 0, 0, 0, 2, 4, 0x23, 0x28,
    ];

    #[test]
    fn full_packet() {
        let d = dissect(&SYN_MSS);
        assert!(!d.partial);
        let names: Vec<_> = d.layers.iter().map(|l| l.name).collect();
        assert_eq!(names, ["IP", "TCP", "TCPOptionMaxSegSize"]);
        assert_eq!(d.layers[0].field("TTL"), Some(&Value::Num(64)));
        assert_eq!(d.layers[1].field("SrcPort"), Some(&Value::Num(47457)));
        assert_eq!(d.layers[1].field("WindowsSize"), Some(&Value::Num(5840)));
        assert_eq!(d.layers[2].field("MaxSegSize"), Some(&Value::Num(9000)));
    }

    #[test]
    fn rfc792_quote_is_partial_tcp() {
        let d = dissect(&SYN_MSS[..28]);
        assert!(d.partial);
        let names: Vec<_> = d.layers.iter().map(|l| l.name).collect();
        assert_eq!(names, ["IP", "PartialTCP"]);
        assert_eq!(
            d.layers[1].field("SeqNumber"),
            Some(&Value::Num(0x4bc7_5e45))
        );
    }

    #[test]
    fn cut_in_options_keeps_tcp_and_partial() {
        let d = dissect(&SYN_MSS[..42]);
        assert!(d.partial);
        let names: Vec<_> = d.layers.iter().map(|l| l.name).collect();
        assert_eq!(names, ["IP", "TCP", "PartialTCP"]);
    }

    #[test]
    fn garbage_is_raw() {
        let d = dissect(&[0x00, 0x01]);
        assert_eq!(d.layers[0].name, "RawLayer");
        assert!(dissect(&[0x45, 0]).partial);
    }
}
