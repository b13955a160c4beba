//! MarkIPHeader — sets the IP header annotation without checking anything.
//!
//! ## Synopsis
//! `MarkIPHeader([OFFSET])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Marks each packet's IP header as starting OFFSET bytes into the packet,
//! and its transport header as starting after the IP header length given by
//! the header's IHL field. Checks no length or field, trims nothing, and
//! does not set the destination-address annotation: CheckIPHeader does.
//!
//! ## Arguments
//! - `OFFSET` (integer, default 0): where the IP header starts. May be
//!   negative, to mark a header already stripped off the front.
//!
//! ## Handlers
//! None besides the generic ones.
//!
//! ## Differences from Click
//! When the packet ends before OFFSET, its IHL byte reads as zero (Click
//! reads whatever memory follows, usually zeros), so the transport header is
//! marked at OFFSET. When OFFSET would point before the start of the
//! packet's buffer, the packet passes unmarked.
//!
//! ## Example
//! ```text
//! FromDump(in.pcap) -> MarkIPHeader(14) -> IPPrint -> Discard;
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "MarkIPHeader",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("markipheader.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub struct MarkIPHeader {
    offset: isize,
}

impl MarkIPHeader {
    pub fn configure(args: &mut Args) -> Result<MarkIPHeader, ConfigError> {
        let offset = args.read_p::<i32>("OFFSET")?.unwrap_or(0);
        Ok(MarkIPHeader {
            offset: offset as isize,
        })
    }
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(MarkIPHeader::configure(args)?))
}

impl SimpleAction for MarkIPHeader {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let Some(at) = packet.data_offset().checked_add_signed(self.offset) else {
            return Verdict::Pass;
        };
        let end = packet.data_offset() + packet.len();
        let hlen = match packet.buffer().get(at) {
            Some(b) if at < end => usize::from(b & 0x0f) * 4,
            _ => 0,
        };
        let anno = packet.anno_mut();
        anno.set_network_header(Some(at));
        anno.set_transport_header(Some(at + hlen));
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::testing::{assert_accounted, configure, ether_ip, ipv4_udp, run_through};
    use proptest::prelude::*;

    fn element(config: &str) -> MarkIPHeader {
        configure(config, MarkIPHeader::configure).expect("configures")
    }

    #[test]
    fn marks_at_the_offset() {
        let frame = ether_ip(&ipv4_udp(64, [1, 1, 1, 1], [2, 2, 2, 2]));
        let mut p = Packet::from_slice(&frame).unwrap();
        assert_eq!(element("14").action(&mut p), Verdict::Pass);
        assert_eq!(p.network_header_data_offset(), Some(14));
        assert_eq!(p.anno().transport_header(), Some(p.data_offset() + 34));
        assert_eq!(p.data(), &frame[..], "bytes unchanged");
        assert_eq!(p.network_header().map(|h| h.len()), Some(28));
    }

    #[test]
    fn marks_after_a_strip_and_past_the_end() {
        let frame = ether_ip(&ipv4_udp(64, [1, 1, 1, 1], [2, 2, 2, 2]));
        let mut p = Packet::from_slice(&frame).unwrap();
        p.pull(14).unwrap();
        element("OFFSET -14").action(&mut p);
        assert_eq!(p.network_header_data_offset(), Some(-14));
        let mut p = Packet::from_slice(&[0x46]).unwrap();
        element("").action(&mut p);
        assert_eq!(p.anno().transport_header(), Some(p.data_offset() + 24));
        let mut p = Packet::from_slice(&[0x46]).unwrap();
        element("5").action(&mut p);
        assert_eq!(p.anno().transport_header(), Some(p.data_offset() + 5));
        let mut p = Packet::from_slice(&[0x46]).unwrap();
        element("-100000").action(&mut p);
        assert_eq!(p.anno().network_header(), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_bytes_never_panic_and_are_accounted(
            frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..9000), 1..8),
            offset in -200i32..10000,
        ) {
            let config = format!("Idle -> e :: MarkIPHeader({offset}) -> Discard;");
            let (_router, stats) = run_through(&config, &frames);
            assert_accounted(&stats, frames.len());
            prop_assert_eq!(stats.total_out(), frames.len() as u64);
        }
    }
}
