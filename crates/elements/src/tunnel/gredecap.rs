//! GREDecap — removes GRE headers (RFC 2784/2890).
//!
//! ## Synopsis
//! `GREDecap([keywords KEY, CHECKSUM])`
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
//! ## Arguments
//! - `KEY`: accept only packets with this key.
//! - `CHECKSUM` (default true): verify checksums that are present.
//!
//! ## Handlers
//! - `drops` (read): packets rejected.
//!
//! ## Differences from Click
//! - Not in Click 2.1's element library; this follows the RFCs.
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
    reject: Verdict,
    drops: u64,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let key = args.read::<u32>("KEY")?;
    let checksum = args.read::<bool>("CHECKSUM")?.unwrap_or(true);
    let reject = if cx.noutputs > 1 {
        Verdict::Out(1)
    } else {
        Verdict::Drop(DropReason(0))
    };
    Ok(Simple::boxed(GREDecap {
        key,
        checksum,
        reject,
        drops: 0,
    }))
}

impl GREDecap {
    /// The GRE header's length if the packet passes, else `None`.
    fn check(&self, d: &[u8]) -> Option<usize> {
        let flags = u16::from_be_bytes([*d.first()?, *d.get(1)?]);
        // Version 0, no routing present (RFC 2784 deprecates it).
        if flags & 0x0007 != 0 || flags & 0x4000 != 0 {
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
        let d = super::GREDecap {
            key: Some(42),
            checksum: true,
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
    }
}
