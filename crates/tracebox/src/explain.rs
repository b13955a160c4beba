//! `--explain`: drop the changes every router makes by design and name the
//! middlebox behind each remaining one, with where it sits on the path.
//!
//! Key decision: a middlebox is located as an interval of TTLs, `(after,
//! at]`: `at` is the first hop whose quote shows the change and `after` the
//! last earlier hop with a *full* quote that shows the packet unchanged.
//! Partial quotes cannot prove absence, and hops that did not answer prove
//! nothing, so both widen the interval instead of guessing.

use crate::diff::{Change, Modifications};

/// A likely kind of middlebox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    MssClamping,
    OptionStripping,
    SeqRewriting,
    EcnBleaching,
    DscpRemarking,
    Nat,
    PayloadAlg,
    /// Window or option changes together with other TCP rewrites: a box
    /// that terminates or re-writes the connection.
    Proxy,
    Other,
}

impl Cause {
    pub fn describe(self) -> &'static str {
        match self {
            Cause::MssClamping => "MSS clamping",
            Cause::OptionStripping => "TCP option stripping",
            Cause::SeqRewriting => "sequence-number rewriting",
            Cause::EcnBleaching => "ECN bleaching",
            Cause::DscpRemarking => "DSCP remarking",
            Cause::Nat => "NAT",
            Cause::PayloadAlg => "payload rewriting (ALG)",
            Cause::Proxy => "TCP proxy or normaliser",
            Cause::Other => "unclassified modification",
        }
    }
}

/// One hop as `explain` needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopView<'a> {
    pub ttl: u8,
    /// `None` when the hop did not answer.
    pub mods: Option<&'a Modifications>,
    /// The reply came from the destination itself (not a quote): its
    /// differences are the destination's answer, not path changes.
    pub from_destination: bool,
}

/// A located middlebox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub cause: Cause,
    /// The change names that led to it (`TCPOptionMaxSegSize::MaxSegSize`).
    pub evidence: Vec<String>,
    /// Last full-quote hop that saw the packet unchanged (0: the sender).
    pub after: u8,
    /// First hop that saw the change.
    pub at: u8,
}

/// The changes at a hop that some box made, not every router.
pub fn significant(m: &Modifications) -> Vec<&Change> {
    let others_in = |layers: &[&str]| {
        m.changes.iter().any(|c| match c {
            Change::Field { layer, field, .. } => {
                layers.contains(layer) && !matches!(*field, "CheckSum" | "TTL" | "HopLimit")
            }
            Change::Added { layer, .. }
            | Change::Deleted { layer, .. }
            | Change::Payload { layer } => *layer != "PartialTCP",
        })
    };
    // A transport checksum covers the pseudo-header, its own header, its
    // options and the payload, so any change there explains it.
    let transport_explained = others_in(&["IP", "IPv6", "TCP", "UDP", "PartialTCP"])
        || m.changes.iter().any(|c| match c {
            Change::Field { layer, .. } => layer.starts_with("TCPOption"),
            _ => true,
        });
    m.changes
        .iter()
        .filter(|c| match c {
            Change::Field {
                layer: "IP",
                field: "TTL" | "CheckSum",
                ..
            } => false,
            Change::Field {
                layer: "IPv6",
                field: "HopLimit",
                ..
            } => false,
            Change::Field {
                layer: "TCP" | "UDP",
                field: "CheckSum",
                ..
            } => !transport_explained,
            // A quote that stops early is the router's choice, not a change.
            Change::Added {
                layer: "PartialTCP",
                ..
            } => false,
            _ => true,
        })
        .collect()
}

/// The likely cause of one change.
pub fn classify(c: &Change) -> Cause {
    match c {
        Change::Field { layer, field, .. } => match (*layer, *field) {
            ("TCPOptionMaxSegSize", "MaxSegSize") => Cause::MssClamping,
            ("TCP" | "PartialTCP", "SeqNumber" | "AckNumber") => Cause::SeqRewriting,
            ("IP", "ExpCongestionNot") => Cause::EcnBleaching,
            ("IP", "DiffServicesCP") => Cause::DscpRemarking,
            ("IPv6", "TrafficClass") => Cause::DscpRemarking,
            ("IP" | "IPv6", "SourceIP" | "DestinationIP") => Cause::Nat,
            ("TCP" | "UDP" | "PartialTCP", "SrcPort" | "DstPort") => Cause::Nat,
            ("TCP", "WindowsSize") => Cause::Proxy,
            (l, _) if l.starts_with("TCPOption") => Cause::Proxy,
            _ => Cause::Other,
        },
        Change::Deleted { layer, .. } if layer.starts_with("TCPOption") => Cause::OptionStripping,
        Change::Added { layer, .. } if layer.starts_with("TCPOption") => Cause::Proxy,
        Change::Added {
            layer: "RawLayer", ..
        }
        | Change::Deleted {
            layer: "RawLayer", ..
        }
        | Change::Payload { layer: "RawLayer" } => Cause::PayloadAlg,
        _ => Cause::Other,
    }
}

/// Names and locates the middleboxes behind a trace, hops in TTL order.
pub fn explain(hops: &[HopView<'_>]) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    let mut clean_full: u8 = 0;
    for h in hops {
        let Some(m) = h.mods else { continue };
        if h.from_destination {
            continue;
        }
        let sig = significant(m);
        let mut causes: Vec<(Cause, String)> =
            sig.iter().map(|c| (classify(c), c.name())).collect();
        // Sorted so findings come out in a stable order whatever the
        // libcrafter order of the changes.
        causes.sort();
        for (cause, name) in causes {
            match findings.iter_mut().find(|f| f.cause == cause) {
                Some(f) => {
                    if f.at == h.ttl && !f.evidence.contains(&name) {
                        f.evidence.push(name);
                    }
                }
                None => findings.push(Finding {
                    cause,
                    evidence: vec![name],
                    after: clean_full,
                    at: h.ttl,
                }),
            }
        }
        if sig.is_empty() && !m.partial {
            clean_full = h.ttl;
        }
    }
    findings
}

/// One line per finding: `MSS clamping between hop 2 and hop 3 (TCPOptionMaxSegSize::MaxSegSize)`.
pub fn report(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        let place = if f.after == 0 {
            format!("before hop {}", f.at)
        } else {
            format!("between hop {} and hop {}", f.after, f.at)
        };
        s.push_str(&format!(
            "{} {place} ({})\n",
            f.cause.describe(),
            f.evidence.join(" ")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;

    const SYN_MSS: [u8; 44] = [
        0x45, 0x00, 0x00, 0x2c, 0x01, 0x10, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10, 0, 0, 1, 1, 2,
        3, 4, 0xb9, 0x61, 0x00, 0x50, 0x4b, 0xc7, 0x5e, 0x45, 0, 0, 0, 0, 0x60, 0x02, 0x16, 0xd0,
        0, 0, 0, 0, 2, 4, 0x23, 0x28,
    ];

    fn quote(ttl_left: u8, mss: Option<u16>) -> Vec<u8> {
        let mut q = SYN_MSS.to_vec();
        q[8] = ttl_left;
        q[10] = ttl_left; // stands for the recomputed IP checksum
        if let Some(m) = mss {
            q[42..44].copy_from_slice(&m.to_be_bytes());
            q[36] = 0x77;
        }
        q
    }

    #[test]
    fn router_changes_are_filtered() {
        let m = diff(&SYN_MSS, &quote(1, None));
        assert_eq!(m.changes.len(), 2);
        assert!(significant(&m).is_empty());
    }

    #[test]
    fn lone_tcp_checksum_is_kept() {
        let mut q = quote(1, None);
        q[36] = 0x99;
        let m = diff(&SYN_MSS, &q);
        assert_eq!(significant(&m).len(), 1);
    }

    #[test]
    fn mss_clamp_located_between_full_quotes() {
        let m1 = diff(&SYN_MSS, &quote(1, None));
        let m2 = diff(&SYN_MSS, &SYN_MSS[..28]); // RFC 792 router: proves nothing
        let m3 = diff(&SYN_MSS, &quote(1, Some(1400)));
        let m4 = diff(&SYN_MSS, &quote(1, Some(1400)));
        let hops = [
            HopView {
                ttl: 1,
                mods: Some(&m1),
                from_destination: false,
            },
            HopView {
                ttl: 2,
                mods: Some(&m2),
                from_destination: false,
            },
            HopView {
                ttl: 3,
                mods: None,
                from_destination: false,
            },
            HopView {
                ttl: 4,
                mods: Some(&m3),
                from_destination: false,
            },
            HopView {
                ttl: 5,
                mods: Some(&m4),
                from_destination: false,
            },
        ];
        let f = explain(&hops);
        assert_eq!(
            f,
            [Finding {
                cause: Cause::MssClamping,
                evidence: vec!["TCPOptionMaxSegSize::MaxSegSize".into()],
                after: 1,
                at: 4
            }]
        );
        assert_eq!(
            report(&f),
            "MSS clamping between hop 1 and hop 4 (TCPOptionMaxSegSize::MaxSegSize)\n"
        );
    }

    #[test]
    fn classification() {
        let mut q = quote(1, None);
        q[1] = 0x02; // ECN field differs from the probe's
        q[12] = 192; // source rewritten
        let m = diff(&SYN_MSS, &q);
        let causes: Vec<_> = significant(&m).into_iter().map(classify).collect();
        assert!(causes.contains(&Cause::EcnBleaching));
        assert!(causes.contains(&Cause::Nat));
        let stripped = Change::Deleted {
            layer: "TCPOptionTimestamp",
            info: String::new(),
        };
        assert_eq!(classify(&stripped), Cause::OptionStripping);
        assert_eq!(
            classify(&Change::Payload { layer: "RawLayer" }),
            Cause::PayloadAlg
        );
    }

    #[test]
    fn destination_reply_is_ignored() {
        let m = diff(&SYN_MSS, &quote(1, Some(1)));
        let hops = [HopView {
            ttl: 1,
            mods: Some(&m),
            from_destination: true,
        }];
        assert!(explain(&hops).is_empty());
    }
}
