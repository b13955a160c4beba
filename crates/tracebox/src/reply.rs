//! Reply parsing and matching: split an ICMP error into its quoted
//! datagram and its RFC 4884 extensions, or take a direct reply as it is,
//! and decide whether a reply answers a probe (reference §0.7).
//!
//! Key decision: the reply is never trusted. Every offset is checked, and
//! a reply that cannot be parsed is `None`, never a panic (a proptest holds
//! this on arbitrary bytes).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of reply came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyKind {
    /// An ICMP or ICMPv6 error quoting the probe.
    IcmpError {
        icmp_type: u8,
        code: u8,
        quote: Vec<u8>,
        extensions: Vec<u8>,
    },
    /// Anything else from the destination (SYN/ACK, RST, echo reply); it is
    /// diffed against the probe as a whole, as the public tool does.
    Direct(Vec<u8>),
}

/// A parsed reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub from: IpAddr,
    pub kind: ReplyKind,
}

impl Reply {
    /// The bytes to diff against the probe.
    pub fn compared(&self) -> &[u8] {
        match &self.kind {
            ReplyKind::IcmpError { quote, .. } => quote,
            ReplyKind::Direct(b) => b,
        }
    }
}

fn is_v4_error(t: u8) -> bool {
    // unreachable, source quench, redirect, time exceeded, parameter problem
    matches!(t, 3 | 4 | 5 | 11 | 12)
}

fn is_v6_error(t: u8) -> bool {
    matches!(t, 1..=4)
}

/// Parses an IP packet (no link header) received in answer to a probe.
pub fn parse_reply(b: &[u8]) -> Option<Reply> {
    let v = *b.first()? >> 4;
    let (from, proto, l4) = match v {
        4 => {
            let hl = usize::from(b[0] & 0x0f) * 4;
            let a = b.get(12..16)?;
            if hl < 20 || b.len() < hl {
                return None;
            }
            (IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3])), b[9], hl)
        }
        6 => {
            let a: [u8; 16] = b.get(8..24)?.try_into().ok()?;
            (IpAddr::V6(Ipv6Addr::from(a)), *b.get(6)?, 40)
        }
        _ => return None,
    };
    let body = b.get(l4..)?;
    let error = match proto {
        1 => body.first().is_some_and(|&t| is_v4_error(t)),
        58 => body.first().is_some_and(|&t| is_v6_error(t)),
        _ => false,
    };
    if !error || body.len() < 8 {
        return Some(Reply {
            from,
            kind: ReplyKind::Direct(b.to_vec()),
        });
    }
    let data = &body[8..];
    // RFC 4884 length: 32-bit words in byte 5 (IPv4), 64-bit words in
    // byte 4 (ICMPv6); only the types that carry it.
    let words = if proto == 1 {
        if matches!(body[0], 3 | 11 | 12) {
            usize::from(body[5]) * 4
        } else {
            0
        }
    } else if matches!(body[0], 1 | 3) {
        usize::from(body[4]) * 8
    } else {
        0
    };
    let mut cut = if words > 0 {
        words.min(data.len())
    } else {
        data.len()
    };
    // A quote longer than the quoted IP packet ends in extensions even when
    // the length field is unset (pre-RFC 4884 senders).
    if let Some(total) = quoted_total(data) {
        cut = cut.min(total);
    }
    Some(Reply {
        from,
        kind: ReplyKind::IcmpError {
            icmp_type: body[0],
            code: body[1],
            quote: data[..cut].to_vec(),
            extensions: data[cut..].to_vec(),
        },
    })
}

/// Names of the RFC 4884 extension layers as the public tool prints them
/// in `[Extra headers: ...]`: `ICMPExtension` for the header, then
/// `ICMPExtensionObject` per object and `ICMPExtensionMPLS` per label
/// stack entry (class 1, RFC 4950). Stops at the first malformed object.
pub fn extension_names(ext: &[u8]) -> Vec<&'static str> {
    let mut names = Vec::new();
    if ext.len() < 4 || ext[0] >> 4 != 2 {
        return names;
    }
    names.push("ICMPExtension");
    let mut rest = &ext[4..];
    while rest.len() >= 4 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let Some(obj) = rest.get(4..len.max(4)) else {
            break;
        };
        if len < 4 {
            break;
        }
        names.push("ICMPExtensionObject");
        if rest[2] == 1 {
            names.extend(obj.chunks_exact(4).map(|_| "ICMPExtensionMPLS"));
        }
        rest = &rest[len..];
    }
    names
}

fn quoted_total(q: &[u8]) -> Option<usize> {
    match *q.first()? >> 4 {
        4 => Some(usize::from(u16::from_be_bytes([*q.get(2)?, *q.get(3)?]))),
        6 => Some(40 + usize::from(u16::from_be_bytes([*q.get(4)?, *q.get(5)?]))),
        _ => None,
    }
}

/// Source and destination address bytes, transport offset, IPv4 IP-ID.
type Key<'a> = (&'a [u8], &'a [u8], usize, Option<u16>);

fn key(p: &[u8]) -> Option<Key<'_>> {
    match *p.first()? >> 4 {
        4 => {
            let hl = usize::from(p[0] & 0x0f) * 4;
            let id = u16::from_be_bytes([*p.get(4)?, *p.get(5)?]);
            Some((p.get(12..16)?, p.get(16..20)?, hl, Some(id)))
        }
        6 => Some((p.get(8..24)?, p.get(24..40)?, 40, None)),
        _ => None,
    }
}

/// Whether `reply` answers `probe` (both raw IP packets), by the public
/// tool's rules: a direct reply has addresses and ports swapped; an ICMP
/// error quotes the probe's IP-ID, or its addresses and either its ports
/// or its seq/ack.
pub fn matches(probe: &[u8], reply: &Reply, reply_bytes: &[u8]) -> bool {
    let Some((ps, pd, phl, pid)) = key(probe) else {
        return false;
    };
    let pt = probe.get(phl..).unwrap_or(&[]);
    match &reply.kind {
        ReplyKind::IcmpError { quote, .. } => {
            let Some((qs, qd, qhl, qid)) = key(quote) else {
                return false;
            };
            if pid.is_some() && pid == qid {
                return true;
            }
            let qt = quote.get(qhl..).unwrap_or(&[]);
            let same = |r: std::ops::Range<usize>| matches!((pt.get(r.clone()), qt.get(r)), (Some(a), Some(b)) if a == b);
            qs == ps && qd == pd && (same(0..4) || same(4..8))
        }
        ReplyKind::Direct(_) => {
            let Some((rs, rd, rhl, _)) = key(reply_bytes) else {
                return false;
            };
            let rt = reply_bytes.get(rhl..).unwrap_or(&[]);
            let swapped_ports = match (pt.get(0..4), rt.get(0..4)) {
                (Some(p), Some(r)) => p[0..2] == r[2..4] && p[2..4] == r[0..2],
                _ => false,
            };
            rs == pd && rd == ps && swapped_ports
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROBE: [u8; 28] = [
        0x45, 0, 0, 40, 0x01, 0x10, 0x40, 0, 3, 6, 0, 0, 10, 0, 0, 1, 1, 2, 3, 4, 0xb9, 0x61, 0,
        0x50, 0x4b, 0xc7, 0x5e, 0x45,
    ];

    fn time_exceeded(quote: &[u8], len_words: u8) -> Vec<u8> {
        let mut v = vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 9, 9, 9, 9, 10, 0, 0, 1,
        ];
        v.extend_from_slice(&[11, 0, 0, 0, 0, len_words, 0, 0]);
        v.extend_from_slice(quote);
        v
    }

    #[test]
    fn rfc792_quote() {
        let b = time_exceeded(&PROBE, 0);
        let r = parse_reply(&b).unwrap();
        assert_eq!(r.from, IpAddr::V4(Ipv4Addr::new(9, 9, 9, 9)));
        assert_eq!(r.compared(), &PROBE);
        assert!(matches(&PROBE, &r, &b));
    }

    #[test]
    fn rfc4884_length_splits_extensions() {
        let mut q = PROBE.to_vec();
        q.extend_from_slice(&[0; 4]);
        q.extend_from_slice(&[0x20, 0, 0, 0]);
        let b = time_exceeded(&q, 8);
        let r = parse_reply(&b).unwrap();
        let ReplyKind::IcmpError {
            quote, extensions, ..
        } = r.kind
        else {
            panic!()
        };
        // The length counts the zero padding as part of the quote.
        assert_eq!(quote, q[..32]);
        assert_eq!(extensions, [0x20, 0, 0, 0]);
    }

    #[test]
    fn match_by_addresses_and_ports_when_id_changed() {
        let mut q = PROBE;
        q[5] = 0x99;
        let b = time_exceeded(&q, 0);
        let r = parse_reply(&b).unwrap();
        assert!(matches(&PROBE, &r, &b));
        q[21] = 0; // sport changed too; seq still matches
        let b = time_exceeded(&q, 0);
        assert!(matches(&PROBE, &parse_reply(&b).unwrap(), &b));
        q[16] = 8; // other destination
        let b = time_exceeded(&q, 0);
        assert!(!matches(&PROBE, &parse_reply(&b).unwrap(), &b));
    }

    #[test]
    fn mpls_extension_names() {
        let ext = [0x20, 0, 0, 0, 0, 12, 1, 1, 0, 1, 0x61, 1, 0, 2, 0x41, 1];
        assert_eq!(
            extension_names(&ext),
            [
                "ICMPExtension",
                "ICMPExtensionObject",
                "ICMPExtensionMPLS",
                "ICMPExtensionMPLS"
            ]
        );
        assert!(extension_names(&[0x10, 0, 0, 0]).is_empty());
        assert_eq!(
            extension_names(&[0x20, 0, 0, 0, 0, 2, 1, 1]),
            ["ICMPExtension"]
        );
    }

    #[test]
    fn direct_reply() {
        let b = [
            0x45, 0, 0, 40, 0, 0, 0, 0, 60, 6, 0, 0, 1, 2, 3, 4, 10, 0, 0, 1, 0, 0x50, 0xb9, 0x61,
        ];
        let r = parse_reply(&b).unwrap();
        assert!(matches!(r.kind, ReplyKind::Direct(_)));
        assert!(matches(&PROBE, &r, &b));
    }

    #[test]
    fn short_input_is_none() {
        assert_eq!(parse_reply(&[]), None);
        assert_eq!(parse_reply(&[0x45, 0, 0]), None);
        assert_eq!(parse_reply(&[0x4f; 30]), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..700)) {
            if let Some(r) = parse_reply(&b) {
                let _ = matches(&b, &r, &b);
                let _ = crate::dissect::dissect(r.compared());
                if let ReplyKind::IcmpError { extensions, .. } = &r.kind {
                    let _ = extension_names(extensions);
                }
            }
            let _ = crate::dissect::dissect(&b);
        }
    }
}
