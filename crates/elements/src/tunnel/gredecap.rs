//! GREDecap — removes GRE headers (RFC 2784/2890).
//!
//! ## Synopsis
//! `GREDecap([keywords KEY, CHECKSUM, SEQUENCE])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; agnostic/push.
//!
//! ## Description
//! Expects packets that start with a GRE header (after `StripIPHeader`).
//! Removes it, with its optional checksum, key and sequence number, and
//! sends the payload to output 0. Packets that are not version-0 GRE, are
//! too short, carry a wrong checksum (checked when present and CHECKSUM
//! is true, the default), or carry another key than KEY (when given) go
//! to output 1 if connected, else are dropped (reason `bad_gre`).
//!
//! With SEQUENCE true the receiver sequences as RFC 2890 describes: a
//! packet without a sequence number, or whose number is not after the
//! last one accepted (32-bit serial number arithmetic), is rejected the
//! same way; the first packet sets the starting point.
//!
//! ## Arguments
//! - `KEY`: accept only packets with this key.
//! - `CHECKSUM` (default true): verify checksums that are present.
//! - `SEQUENCE` (default false): accept only packets in sequence.
//!
//! ## Handlers
//! - `drops` (read): packets rejected.
//!
//! ## Differences from Click
//! - Click 2.1 has no GRE element (its source has none); this one follows
//!   RFC 2784 and RFC 2890 with Click's argument conventions. Sequenced
//!   packets are not buffered for reordering: out-of-order ones are
//!   rejected at once (RFC 2890 allows either).
//!
//! ## Example
//! ```text
//! IPClassifier(ip proto gre)[0] -> StripIPHeader -> GREDecap(KEY 42) -> CheckIPHeader -> ...
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "GREDecap",
    ports: "1/1-2",
    processing: "a/ah",
    source: include_str!("gredecap.rs"),
    drop_reasons: &["bad_gre"],
    handlers: &[HandlerSpec::read("drops", "packets rejected")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct GREDecap {
    key: Option<u32>,
    checksum: bool,
    /// With SEQUENCE: the last sequence number accepted, if any.
    sequence: Option<Option<u32>>,
    reject: Verdict,
    drops: u64,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let key = args.read::<u32>("KEY")?;
    let checksum = args.read::<bool>("CHECKSUM")?.unwrap_or(true);
    let sequence = args.read::<bool>("SEQUENCE")?.unwrap_or(false);
    let reject = if cx.noutputs > 1 {
        Verdict::Out(1)
    } else {
        Verdict::Drop(DropReason(0))
    };
    Ok(Simple::boxed(GREDecap {
        key,
        checksum,
        sequence: sequence.then_some(None),
        reject,
        drops: 0,
    }))
}

impl GREDecap {
    /// The GRE header's length if the packet passes, else `None`.
    fn check(&mut self, d: &[u8]) -> Option<usize> {
        let flags = u16::from_be_bytes([*d.first()?, *d.get(1)?]);
        // Version 0; bits 1, 4 and 5 (routing, strict source route,
        // recursion) zero, as RFC 2784 requires of a receiver that does
        // not implement RFC 1701; bits 6-12 are ignored.
        if flags & 0x0007 != 0 || flags & 0x4c00 != 0 {
            return None;
        }
        let has_csum = flags & 0x8000 != 0;
        let has_key = flags & 0x2000 != 0;
        let has_seq = flags & 0x1000 != 0;
        let len = 4 + 4 * (usize::from(has_csum) + usize::from(has_key) + usize::from(has_seq));
        if d.len() < len {
            return None;
        }
        if has_csum && self.checksum && !packet::checksum::verify(d) {
            return None;
        }
        if let Some(want) = self.key {
            let at = 4 + 4 * usize::from(has_csum);
            if !has_key || d[at..at + 4] != want.to_be_bytes() {
                return None;
            }
        }
        if let Some(last) = self.sequence.as_mut() {
            if !has_seq {
                return None;
            }
            let at = len - 4;
            let seq = u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]]);
            // Serial number arithmetic (RFC 1982): after `l` when the
            // difference is 1 to 2^31 - 1.
            if let Some(l) = *last
                && !(1..0x8000_0000).contains(&seq.wrapping_sub(l))
            {
                return None;
            }
            *last = Some(seq);
        }
        Some(len)
    }
}

impl SimpleAction for GREDecap {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        match self.check(packet.data()) {
            Some(len) if packet.pull(len).is_ok() => Verdict::Pass,
            _ => {
                self.drops += 1;
                self.reject
            }
        }
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn encap_then_decap_passes_every_packet() {
        let reg = crate::registry();
        let text = format!(
            "FromDump({}/../../testdata/captures/mixed.pcap, STOP true)
               -> c :: Classifier(12/0800, -) -> Strip(14)
               -> GREEncap(0x0800, KEY 42, SEQUENCE true, CHECKSUM true)
               -> d :: GREDecap(KEY 42) -> ok :: Counter -> Discard;
             d[1] -> bad :: Counter -> Discard;
             c[1] -> Discard;
             Idle -> GREEncap(0x0800, KEY 7) -> wrong :: GREDecap(KEY 42) -> Discard;",
            env!("CARGO_MANIFEST_DIR")
        );
        let r = engine::Router::from_text("t", &text, &reg).unwrap();
        r.run(&engine::RunOptions { threads: 1 });
        assert_eq!(r.read_handler("ok.count").unwrap(), "43");
        assert_eq!(r.read_handler("bad.count").unwrap(), "0");
    }

    #[test]
    fn bad_headers_are_rejected() {
        let mut d = super::GREDecap {
            key: Some(42),
            checksum: true,
            sequence: None,
            reject: engine::Verdict::Out(1),
            drops: 0,
        };
        assert_eq!(d.check(&[0x20, 0, 8, 0, 0, 0, 0, 42, 0x45]), Some(8));
        assert_eq!(d.check(&[0x20, 0, 8, 0, 0, 0, 0, 41]), None, "other key");
        assert_eq!(d.check(&[0x00, 1, 8, 0]), None, "version 1");
        assert_eq!(d.check(&[0x20, 0, 8]), None, "short");
        assert_eq!(
            d.check(&[0xa0, 0, 8, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 42]),
            None,
            "checksum"
        );
        assert_eq!(d.check(&[0x28, 0, 8, 0, 0, 0, 0, 42]), None, "strict route");
        assert_eq!(d.check(&[0x24, 0, 8, 0, 0, 0, 0, 42]), None, "recursion");
        assert_eq!(
            d.check(&[0x20, 0x10, 8, 0, 0, 0, 0, 42]),
            Some(8),
            "bits 6-12 ignored"
        );
    }

    #[test]
    fn sequence_numbers_must_go_forward() {
        let mut d = super::GREDecap {
            key: None,
            checksum: true,
            sequence: Some(None),
            reject: engine::Verdict::Out(1),
            drops: 0,
        };
        let seq = |n: u32| {
            let mut h = vec![0x10, 0, 8, 0];
            h.extend_from_slice(&n.to_be_bytes());
            h
        };
        assert_eq!(d.check(&[0, 0, 8, 0]), None, "no sequence number");
        assert_eq!(d.check(&seq(0xffff_fffe)), Some(8), "first sets the start");
        assert_eq!(d.check(&seq(0xffff_ffff)), Some(8));
        assert_eq!(d.check(&seq(3)), Some(8), "wraps");
        assert_eq!(d.check(&seq(3)), None, "duplicate");
        assert_eq!(d.check(&seq(2)), None, "late");
        assert_eq!(d.check(&seq(0x8000_0003)), None, "too far ahead");
        assert_eq!(d.check(&seq(0x8000_0002)), Some(8));
    }
}
