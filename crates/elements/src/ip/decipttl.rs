//! DecIPTTL — decrements the IP time-to-live; expired packets leave apart.
//!
//! ## Synopsis
//! `DecIPTTL([keywords ACTIVE, MULTICAST])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; agnostic, output 1 push.
//!
//! ## Description
//! Expects packets with the IP header annotation set (by CheckIPHeader or
//! MarkIPHeader). A packet whose TTL is 0 or 1 has expired: it leaves on
//! output 1 if that output is connected and is dropped otherwise (reason
//! `expired`); either way it counts in `drops`. Any other packet has its TTL
//! decremented and its header checksum updated incrementally (RFC 1624,
//! exactly as Click computes it, so the bytes are identical), and leaves on
//! output 0.
//!
//! ## Arguments
//! - `ACTIVE` (boolean, default true): when false, packets pass unchanged.
//! - `MULTICAST` (boolean, default true): when false, packets to multicast
//!   destinations (224.0.0.0/4) pass unchanged.
//!
//! ## Handlers
//! - `drops` (read): expired packets seen.
//! - `active` (read/write): as the ACTIVE argument.
//!
//! ## Differences from Click
//! Click requires the IP header annotation (it asserts). Here a packet
//! without one is dropped under `no_ip_header` and does not count in
//! `drops`. Header bytes past the end of a truncated packet read as zero
//! (Click reads whatever memory follows, usually zeros): a packet that ends
//! before its TTL has expired, and only bytes the packet has are written.
//!
//! ## Example
//! ```text
//! ... -> CheckIPHeader -> dt :: DecIPTTL -> ...
//! dt[1] -> ICMPError(18.26.4.24, timeexceeded) -> ...
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;
use packet::checksum::decrement_ttl as decremented_checksum;
use packet::ipv4::field;

use crate::util::parse_active;

pub const SPEC: ElementSpec = ElementSpec {
    class: "DecIPTTL",
    ports: "1/1-2",
    processing: "a/ah",
    source: include_str!("decipttl.rs"),
    drop_reasons: &["expired", "no_ip_header"],
    handlers: &[
        HandlerSpec::read("drops", "expired packets seen"),
        HandlerSpec::read_write("active", "whether TTLs are decremented"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const EXPIRED: DropReason = DropReason(0);
const NO_IP_HEADER: DropReason = DropReason(1);

pub struct DecIPTTL {
    active: bool,
    multicast: bool,
    drops: u64,
    error_output: bool,
}

impl DecIPTTL {
    /// Reads the arguments for an element with `noutputs` outputs.
    pub fn configure(args: &mut Args, noutputs: usize) -> Result<DecIPTTL, ConfigError> {
        let active = args.read::<bool>("ACTIVE")?.unwrap_or(true);
        let multicast = args.read::<bool>("MULTICAST")?.unwrap_or(true);
        Ok(DecIPTTL {
            active,
            multicast,
            drops: 0,
            error_output: noutputs >= 2,
        })
    }
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(DecIPTTL::configure(args, cx.noutputs)?))
}

impl SimpleAction for DecIPTTL {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        if !self.active {
            return Verdict::Pass;
        }
        let Some(nh) = packet.anno().network_header() else {
            return Verdict::Drop(NO_IP_HEADER);
        };
        // The fixed header's bytes up to the end of the packet; the rest
        // read as 0.
        let ip = packet
            .buffer_range_mut(nh, nh + field::DST_ADDR.end)
            .unwrap_or_default();
        let byte = |ip: &[u8], i: usize| ip.get(i).copied().unwrap_or(0);
        if !self.multicast && byte(ip, field::DST_ADDR.start) & 0xf0 == 0xe0 {
            return Verdict::Pass;
        }
        let ttl = byte(ip, field::TTL);
        if ttl <= 1 {
            self.drops += 1;
            return if self.error_output {
                Verdict::Out(1)
            } else {
                Verdict::Drop(EXPIRED)
            };
        }
        let c = field::CHECKSUM.start;
        let sum = decremented_checksum(u16::from_be_bytes([byte(ip, c), byte(ip, c + 1)]));
        for (i, b) in [
            (field::TTL, ttl - 1),
            (c, (sum >> 8) as u8),
            (c + 1, sum as u8),
        ] {
            if let Some(slot) = ip.get_mut(i) {
                *slot = b;
            }
        }
        Verdict::Pass
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            "active" => Ok(self.active.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "active" => {
                self.active = parse_active(value)?;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::testing::{assert_accounted, configure, ether_ip, ipv4_udp, run_through};
    use packet::checksum::checksum as internet_checksum;
    use proptest::prelude::*;

    fn element(config: &str, noutputs: usize) -> DecIPTTL {
        configure(config, |a| DecIPTTL::configure(a, noutputs)).expect("configures")
    }

    /// A packet holding `ip` with its IP header marked at the start.
    fn marked(ip: &[u8]) -> Packet {
        let mut p = Packet::from_slice(ip).unwrap();
        p.set_network_header(0, 20);
        p
    }

    #[test]
    fn decrements_and_keeps_the_checksum_valid() {
        let mut e = element("", 1);
        let mut p = marked(&ipv4_udp(64, [10, 0, 0, 1], [10, 0, 0, 2]));
        assert_eq!(e.action(&mut p), Verdict::Pass);
        assert_eq!(p.data()[8], 63);
        assert_eq!(internet_checksum(&p.data()[..20]), 0);
    }

    #[test]
    fn incremental_update_matches_click_bit_for_bit() {
        // ~(~old + 0xfeff), carry folded once, for every old checksum.
        for old in 0..=u16::MAX {
            let sum = (!u32::from(old) & 0xffff) + 0xfeff;
            let click = !((sum + (sum >> 16)) & 0xffff) as u16;
            assert_eq!(decremented_checksum(old), click);
        }
        // Every TTL's decrement leaves a header that verifies.
        for ttl in 2..=255u8 {
            let mut p = marked(&ipv4_udp(ttl, [1, 2, 3, 4], [5, 6, 7, 8]));
            element("", 1).action(&mut p);
            assert_eq!(internet_checksum(&p.data()[..20]), 0, "ttl {ttl}");
        }
    }

    #[test]
    fn expired_packets() {
        for ttl in [0u8, 1] {
            let mut one = element("", 1);
            let mut p = marked(&ipv4_udp(ttl, [10, 0, 0, 1], [10, 0, 0, 2]));
            assert_eq!(one.action(&mut p), Verdict::Drop(EXPIRED));
            assert_eq!(p.data()[8], ttl, "expired packets are not changed");
            let mut two = element("", 2);
            assert_eq!(two.action(&mut p), Verdict::Out(1));
            assert_eq!(two.read_handler("drops").unwrap(), "1");
        }
    }

    #[test]
    fn multicast_and_active() {
        let mcast = ipv4_udp(5, [10, 0, 0, 1], [224, 0, 0, 5]);
        let mut e = element("MULTICAST false", 1);
        let mut p = marked(&mcast);
        assert_eq!(e.action(&mut p), Verdict::Pass);
        assert_eq!(p.data()[8], 5);
        let mut p = marked(&mcast);
        element("", 1).action(&mut p);
        assert_eq!(p.data()[8], 4);

        let mut e = element("ACTIVE false", 1);
        assert_eq!(e.read_handler("active").unwrap(), "false");
        let mut p = marked(&ipv4_udp(1, [1, 1, 1, 1], [2, 2, 2, 2]));
        assert_eq!(e.action(&mut p), Verdict::Pass);
        e.write_handler("active", "true").unwrap();
        assert_eq!(e.action(&mut p), Verdict::Drop(EXPIRED));
        assert!(e.write_handler("active", "maybe").is_err());
    }

    #[test]
    fn unmarked_headers_are_dropped() {
        let mut e = element("", 2);
        let mut p = Packet::from_slice(&ipv4_udp(9, [1, 1, 1, 1], [2, 2, 2, 2])).unwrap();
        assert_eq!(e.action(&mut p), Verdict::Drop(NO_IP_HEADER));
        assert_eq!(e.drops, 0);
    }

    #[test]
    fn truncated_headers_read_as_zeros() {
        let mut e = element("MULTICAST false", 2);
        // Ends before the TTL: expired.
        let mut p = Packet::from_slice(&ether_ip(&[0x45; 8])).unwrap();
        p.set_network_header(14, 20);
        assert_eq!(e.action(&mut p), Verdict::Out(1));
        // Marked past the end: expired.
        let mut p = Packet::from_slice(&[0x45; 4]).unwrap();
        p.set_network_header(14, 20);
        assert_eq!(e.action(&mut p), Verdict::Out(1));
        // Ends inside the checksum: TTL and the checksum byte it has change.
        let full = ipv4_udp(64, [10, 0, 0, 1], [10, 0, 0, 2]);
        let mut p = marked(&full[..11]);
        assert_eq!(e.action(&mut p), Verdict::Pass);
        let sum = decremented_checksum(u16::from_be_bytes([full[10], 0])).to_be_bytes();
        assert_eq!(p.data()[8], 63);
        assert_eq!(p.data()[10], sum[0]);
        assert_eq!(p.len(), 11);
        assert_eq!(e.drops, 2);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_bytes_never_panic_and_are_accounted(
            frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..9000), 1..8),
            offset in 0usize..40,
            errors in any::<bool>(),
        ) {
            // `e` marks the header, so DecIPTTL sees annotated packets.
            let config = if errors {
                format!("Idle -> e :: MarkIPHeader({offset}) -> d :: DecIPTTL -> Discard; d[1] -> Discard;")
            } else {
                format!("Idle -> e :: MarkIPHeader({offset}) -> d :: DecIPTTL(MULTICAST false) -> Discard;")
            };
            let (router, stats) = run_through(&config, &frames);
            assert_accounted(&stats, frames.len());
            let d = router.find("d").unwrap();
            assert_accounted(&router.stats(d), frames.len());
        }

        #[test]
        fn decrement_keeps_checksums_valid(mut ip in proptest::collection::vec(any::<u8>(), 20..60), ttl in 2u8..=255) {
            ip[0] = 0x45;
            ip[8] = ttl;
            crate::ip::testing::fix_checksum(&mut ip);
            let mut p = marked(&ip);
            prop_assert_eq!(element("", 1).action(&mut p), Verdict::Pass);
            prop_assert_eq!(internet_checksum(&p.data()[..20]), 0);
            prop_assert_eq!(p.data()[8], ttl - 1);
        }
    }
}
