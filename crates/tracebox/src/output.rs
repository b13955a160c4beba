//! The public tool's text and JSON (`-j`) output.
//!
//! Key decision: formatting is a pure function of the hop records, with the
//! public tool's exact spacing (each modification followed by a space) and
//! keys (`ICMPExtensions`, not the README's `ICMPExtension`), so golden
//! outputs compare byte for byte. JSON is written by hand: the shape is
//! small and fixed, and the crate stays dependency-free.

use crate::diff::{Change, Modifications};
use std::fmt::Write;
use std::net::IpAddr;

/// A hop that answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopReply {
    pub from: IpAddr,
    /// Reverse DNS name, when looked up (no `-n`).
    pub name: Option<String>,
    /// Round-trip time in microseconds, measured by the caller.
    pub rtt_us: u64,
    pub mods: Modifications,
    /// Names of the ICMP extension layers (`ICMPExtensionMPLS`, ...).
    pub extensions: Vec<String>,
}

/// One TTL of the trace; `reply` is `None` for `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub ttl: u8,
    pub reply: Option<HopReply>,
}

/// `tracebox to <dst> (<name>): <max> hops max`
pub fn header(dst: IpAddr, name: &str, max_hops: u8) -> String {
    format!("tracebox to {dst} ({name}): {max_hops} hops max")
}

fn change_text(c: &Change, verbose: bool) -> String {
    match (c, verbose) {
        (
            Change::Field {
                expected, received, ..
            },
            true,
        ) => {
            format!("{} ({expected} -> {received})", c.name())
        }
        (Change::Added { info, .. } | Change::Deleted { info, .. }, true) => {
            format!("{} {info}", c.name())
        }
        _ => c.name(),
    }
}

/// One hop line, without the newline.
pub fn hop_line(hop: &Hop, verbose: bool) -> String {
    let Some(r) = &hop.reply else {
        return format!("{}: *", hop.ttl);
    };
    let mut s = match &r.name {
        Some(n) => format!("{}: {n} ({}) {}ms ", hop.ttl, r.from, r.rtt_us / 1000),
        None => format!("{}: {} {}ms ", hop.ttl, r.from, r.rtt_us / 1000),
    };
    if r.mods.partial {
        s.push_str("[PARTIAL] ");
    }
    for c in &r.mods.changes {
        s.push_str(&change_text(c, verbose));
        s.push(' ');
    }
    if !r.extensions.is_empty() {
        s.push_str("[Extra headers: ");
        for e in &r.extensions {
            s.push_str(e);
            s.push(' ');
        }
        s.push_str("] ");
    }
    s
}

/// The whole text output: header line, then one line per hop.
pub fn text(dst: IpAddr, name: &str, max_hops: u8, hops: &[Hop], verbose: bool) -> String {
    let mut s = header(dst, name, max_hops);
    s.push('\n');
    for h in hops {
        s.push_str(&hop_line(h, verbose));
        s.push('\n');
    }
    s
}

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_list(out: &mut String, key: &str, items: &[&Change], verbose: bool) {
    json_str(out, key);
    out.push_str(":[");
    for (i, c) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Additions and Deletions are keyed by the bare layer name: the
        // list already says which it is.
        let name = match c {
            Change::Added { layer, .. } | Change::Deleted { layer, .. } => (*layer).to_string(),
            _ => c.name(),
        };
        if !verbose {
            json_str(out, &name);
            continue;
        }
        out.push('{');
        json_str(out, &name);
        match c {
            Change::Field {
                expected, received, ..
            } => {
                out.push_str(":{\"Expected\":");
                json_str(out, &expected.to_string());
                out.push_str(",\"Received\":");
                json_str(out, &received.to_string());
                out.push('}');
            }
            Change::Added { info, .. } | Change::Deleted { info, .. } => {
                out.push_str(":{\"Info\":");
                json_str(out, info);
                out.push('}');
            }
            Change::Payload { .. } => out.push_str(":{}"),
        }
        out.push('}');
    }
    out.push(']');
}

/// The `-j` output: one line of JSON.
pub fn json(dst: IpAddr, name: &str, max_hops: u8, hops: &[Hop], verbose: bool) -> String {
    let mut o = String::from("{\"addr\":");
    json_str(&mut o, &dst.to_string());
    o.push_str(",\"name\":");
    json_str(&mut o, name);
    let _ = write!(o, ",\"max_hops\":{max_hops},\"Hops\":[");
    for (i, h) in hops.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        let _ = write!(o, "{{\"hop\":{},\"from\":", h.ttl);
        let Some(r) = &h.reply else {
            o.push_str("\"*\"}");
            continue;
        };
        json_str(&mut o, &r.from.to_string());
        let _ = write!(o, ",\"delay\":{}", r.rtt_us);
        if let Some(n) = &r.name {
            o.push_str(",\"name\":");
            json_str(&mut o, n);
        }
        let pick =
            |f: fn(&Change) -> bool| r.mods.changes.iter().filter(|c| f(c)).collect::<Vec<_>>();
        o.push(',');
        json_list(
            &mut o,
            "Modifications",
            &pick(|c| matches!(c, Change::Field { .. } | Change::Payload { .. })),
            verbose,
        );
        o.push(',');
        json_list(
            &mut o,
            "Additions",
            &pick(|c| matches!(c, Change::Added { .. })),
            verbose,
        );
        o.push(',');
        json_list(
            &mut o,
            "Deletions",
            &pick(|c| matches!(c, Change::Deleted { .. })),
            verbose,
        );
        if !r.extensions.is_empty() {
            o.push_str(",\"ICMPExtensions\":[");
            for (k, e) in r.extensions.iter().enumerate() {
                if k > 0 {
                    o.push(',');
                }
                json_str(&mut o, e);
            }
            o.push(']');
        }
        o.push('}');
    }
    o.push_str("]}");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::Value;
    use std::net::Ipv4Addr;

    const DST: IpAddr = IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4));

    fn f(layer: &'static str, field: &'static str, e: u64, r: u64) -> Change {
        Change::Field {
            layer,
            field,
            expected: Value::Num(e),
            received: Value::Num(r),
        }
    }

    fn hop(ttl: u8, changes: Vec<Change>, partial: bool) -> Hop {
        Hop {
            ttl,
            reply: Some(HopReply {
                from: DST,
                name: None,
                rtt_us: 0,
                mods: Modifications { changes, partial },
                extensions: vec![],
            }),
        }
    }

    #[test]
    fn golden_test0() {
        let out = text(DST, "1.2.3.4", 64, &[hop(1, vec![], false)], false);
        assert_eq!(
            out,
            "tracebox to 1.2.3.4 (1.2.3.4): 64 hops max\n1: 1.2.3.4 0ms \n"
        );
    }

    #[test]
    fn golden_basic_and_mss() {
        let h = hop(
            2,
            vec![f("IP", "TTL", 2, 1), f("IP", "CheckSum", 1, 2)],
            false,
        );
        assert_eq!(hop_line(&h, false), "2: 1.2.3.4 0ms IP::TTL IP::CheckSum ");
        let h = hop(
            1,
            vec![
                f("TCP", "CheckSum", 1, 2),
                f("TCPOptionMaxSegSize", "MaxSegSize", 9000, 1200),
            ],
            false,
        );
        assert_eq!(
            hop_line(&h, true),
            "1: 1.2.3.4 0ms TCP::CheckSum (1 -> 2) TCPOptionMaxSegSize::MaxSegSize (9000 -> 1200) "
        );
    }

    #[test]
    fn golden_limited() {
        let h = hop(
            1,
            vec![
                f("TCP", "WindowsSize", 5840, 5940),
                f("TCP", "CheckSum", 1, 2),
                Change::Added {
                    layer: "PartialTCP",
                    info: String::new(),
                },
            ],
            true,
        );
        assert_eq!(
            hop_line(&h, false),
            "1: 1.2.3.4 0ms [PARTIAL] TCP::WindowsSize TCP::CheckSum +PartialTCP "
        );
    }

    #[test]
    fn no_reply_and_name() {
        assert_eq!(
            hop_line(
                &Hop {
                    ttl: 3,
                    reply: None
                },
                false
            ),
            "3: *"
        );
        let mut h = hop(1, vec![], false);
        if let Some(r) = &mut h.reply {
            r.name = Some("r1.example".into());
            r.rtt_us = 12_345;
        }
        assert_eq!(hop_line(&h, false), "1: r1.example (1.2.3.4) 12ms ");
    }

    #[test]
    fn golden_json() {
        let hops = [
            hop(1, vec![f("IP", "TTL", 2, 1)], false),
            Hop {
                ttl: 2,
                reply: None,
            },
            hop(
                3,
                vec![Change::Deleted {
                    layer: "TCP",
                    info: String::new(),
                }],
                false,
            ),
        ];
        assert_eq!(
            json(DST, "1.2.3.4", 64, &hops, false),
            "{\"addr\":\"1.2.3.4\",\"name\":\"1.2.3.4\",\"max_hops\":64,\"Hops\":[\
             {\"hop\":1,\"from\":\"1.2.3.4\",\"delay\":0,\"Modifications\":[\"IP::TTL\"],\"Additions\":[],\"Deletions\":[]},\
             {\"hop\":2,\"from\":\"*\"},\
             {\"hop\":3,\"from\":\"1.2.3.4\",\"delay\":0,\"Modifications\":[],\"Additions\":[],\"Deletions\":[\"TCP\"]}]}"
        );
        let v = json(DST, "d", 64, &hops[..1], true);
        assert!(
            v.contains("\"Modifications\":[{\"IP::TTL\":{\"Expected\":\"2\",\"Received\":\"1\"}}]")
        );
    }
}
