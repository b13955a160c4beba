//! The diff between a probe and what a hop quoted back, as the public tool
//! computes it (reference §0.2, §4).
//!
//! Key decision: compatibility over cleverness. Only the first layer of
//! each type is compared, in libcrafter's protocol order, and expected
//! changes (TTL, checksum) are kept; filtering them is [`crate::explain`]'s
//! job, so the compat output stays byte-identical to the public tool's.

use crate::dissect::{Dissection, Layer, Value, dissect};

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `Layer::Field`, with the probe's and the quote's values.
    Field {
        layer: &'static str,
        field: &'static str,
        expected: Value,
        received: Value,
    },
    /// `+Layer`: in the quote only, or a payload that grew.
    Added { layer: &'static str, info: String },
    /// `-Layer`: in the probe only, or a payload that shrank.
    Deleted { layer: &'static str, info: String },
    /// Bare `Layer`: a payload of the same length with other bytes.
    Payload { layer: &'static str },
}

impl Change {
    /// The name as printed without `-v`.
    pub fn name(&self) -> String {
        match self {
            Change::Field { layer, field, .. } => format!("{layer}::{field}"),
            Change::Added { layer, .. } => format!("+{layer}"),
            Change::Deleted { layer, .. } => format!("-{layer}"),
            Change::Payload { layer } => (*layer).to_string(),
        }
    }
}

/// The differences seen at one hop.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Modifications {
    pub changes: Vec<Change>,
    /// The quote was cut before the end of the probe.
    pub partial: bool,
}

fn info(l: &Layer) -> String {
    let mut s = String::new();
    for (n, v) in &l.fields {
        if !s.is_empty() {
            s.push_str(", ");
        }
        s.push_str(n);
        s.push('=');
        s.push_str(&v.to_string());
    }
    if !l.payload.is_empty() {
        s.push_str(&format!(
            "{}Payload={}",
            if s.is_empty() { "" } else { ", " },
            Value::Bytes(l.payload.clone())
        ));
    }
    s
}

/// Diffs a probe against the bytes a hop sent back (quote or direct reply).
pub fn diff(probe: &[u8], received: &[u8]) -> Modifications {
    diff_dissected(&dissect(probe), &dissect(received))
}

pub fn diff_dissected(probe: &Dissection, recv: &Dissection) -> Modifications {
    let first = |d: &Dissection, name: &str| d.layers.iter().find(|l| l.name == name).cloned();
    let mut kinds: Vec<(u32, &'static str)> = probe
        .layers
        .iter()
        .chain(&recv.layers)
        .map(|l| (l.order, l.name))
        .collect();
    kinds.sort();
    kinds.dedup();
    let mut changes = Vec::new();
    for (_, name) in kinds {
        match (first(probe, name), first(recv, name)) {
            (Some(p), Some(r)) => {
                for (f, pv) in &p.fields {
                    if let Some(rv) = r.field(f)
                        && rv != pv
                    {
                        changes.push(Change::Field {
                            layer: name,
                            field: f,
                            expected: pv.clone(),
                            received: rv.clone(),
                        });
                    }
                }
                use std::cmp::Ordering::*;
                match r.payload.len().cmp(&p.payload.len()) {
                    Greater => changes.push(Change::Added {
                        layer: name,
                        info: info(&r),
                    }),
                    Less => changes.push(Change::Deleted {
                        layer: name,
                        info: info(&p),
                    }),
                    Equal if r.payload != p.payload => {
                        changes.push(Change::Payload { layer: name })
                    }
                    Equal => {}
                }
            }
            (Some(p), None) => {
                if !recv.partial {
                    changes.push(Change::Deleted {
                        layer: name,
                        info: info(&p),
                    });
                }
            }
            (None, Some(r)) => {
                // The quote's PartialTCP is compared with the probe's TCP so
                // that an 8-byte quote still shows port and seq rewrites.
                if name == "PartialTCP"
                    && let Some(t) = first(probe, "TCP")
                {
                    for (f, rv) in &r.fields {
                        if let Some(pv) = t.field(f)
                            && pv != rv
                        {
                            changes.push(Change::Field {
                                layer: name,
                                field: f,
                                expected: pv.clone(),
                                received: rv.clone(),
                            });
                        }
                    }
                }
                changes.push(Change::Added {
                    layer: name,
                    info: info(&r),
                });
            }
            (None, None) => {}
        }
    }
    Modifications {
        changes,
        partial: recv.partial,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYN_MSS: [u8; 44] = [
        0x45, 0x00, 0x00, 0x2c, 0x01, 0x10, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10, 0, 0, 1, 1, 2,
        3, 4, 0xb9, 0x61, 0x00, 0x50, 0x4b, 0xc7, 0x5e, 0x45, 0, 0, 0, 0, 0x60, 0x02, 0x16, 0xd0,
        0, 0, 0, 0, 2, 4, 0x23, 0x28,
    ];

    fn names(m: &Modifications) -> Vec<String> {
        m.changes.iter().map(Change::name).collect()
    }

    #[test]
    fn identical_has_no_changes() {
        assert!(diff(&SYN_MSS, &SYN_MSS).changes.is_empty());
    }

    #[test]
    fn order_is_tcp_ip_options() {
        let mut q = SYN_MSS;
        q[8] = 1; // TTL
        q[10] = 0x12; // IP checksum
        q[36] = 0x55; // TCP checksum
        q[42] = 0x04; // MSS 9000 -> 1064
        q[43] = 0xb0;
        let m = diff(&SYN_MSS, &q);
        assert_eq!(
            names(&m),
            [
                "TCP::CheckSum",
                "IP::TTL",
                "IP::CheckSum",
                "TCPOptionMaxSegSize::MaxSegSize"
            ]
        );
        assert!(matches!(
            &m.changes[3],
            Change::Field {
                expected: Value::Num(9000),
                received: Value::Num(1200),
                ..
            }
        ));
    }

    #[test]
    fn stripped_option_is_deleted() {
        let mut q = SYN_MSS.to_vec();
        q.truncate(40);
        q[3] = 40;
        q[32] = 0x50;
        assert_eq!(
            names(&diff(&SYN_MSS, &q)),
            ["TCP::DataOffset", "IP::TotalLength", "-TCPOptionMaxSegSize"]
        );
    }

    #[test]
    fn partial_quote_reports_partial_and_only_comparable_fields() {
        let mut q = SYN_MSS[..28].to_vec();
        q[27] = 0x46; // seq rewritten
        let m = diff(&SYN_MSS, &q);
        assert!(m.partial);
        assert_eq!(names(&m), ["PartialTCP::SeqNumber", "+PartialTCP"]);
    }

    /// Reference §0.4: a Linux router quotes 528 bytes after the inner IP
    /// header of a 1040-byte probe; the TCP header is whole, only the
    /// payload is cut, and the public tool prints `[PARTIAL] +PartialTCP`.
    #[test]
    fn linux_576_cut() {
        let mut p = SYN_MSS.to_vec();
        p.resize(1040, 0xab);
        p[2..4].copy_from_slice(&1040u16.to_be_bytes());
        let m = diff(&p, &p[..548]);
        assert!(m.partial);
        assert_eq!(names(&m), ["+PartialTCP"]);
    }

    #[test]
    fn payload_same_length_is_bare_name() {
        let mut p = SYN_MSS.to_vec();
        p.extend_from_slice(b"PORT");
        p[3] = 48;
        let mut q = p.clone();
        q[44] = b'X';
        assert_eq!(names(&diff(&p, &q)), ["RawLayer"]);
        q.push(b'!');
        q[3] = 49;
        assert_eq!(names(&diff(&p, &q)), ["IP::TotalLength", "+RawLayer"]);
    }
}
