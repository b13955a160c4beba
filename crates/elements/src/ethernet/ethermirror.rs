//! EtherMirror — swaps the Ethernet source and destination addresses.
//!
//! ## Synopsis
//! `EtherMirror()`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Expects Ethernet frames. Swaps the first six bytes (destination address)
//! with the next six (source address), in place, so the frame is addressed
//! back to its sender. Nothing else changes.
//!
//! ## Arguments
//! None.
//!
//! ## Handlers
//! None besides the generic ones.
//!
//! ## Differences from Click
//! None in what leaves the element. A packet shorter than 12 bytes is
//! mirrored as if zeros followed its end, and keeps its length (Click swaps
//! with whatever memory follows the packet, which is usually zeros).
//!
//! ## Example
//! ```text
//! FromDevice(eth0) -> EtherMirror -> Queue -> ToDevice(eth0);  // reflector
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "EtherMirror",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("ethermirror.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub struct EtherMirror;

fn make(_args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(EtherMirror))
}

impl SimpleAction for EtherMirror {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let data = packet.data_prefix_mut(12);
        match data.get_mut(..12) {
            Some(addrs) => {
                let (dst, src) = addrs.split_at_mut(6);
                dst.swap_with_slice(src);
            }
            None => {
                // A runt: swap with zeros standing in for the missing bytes.
                let mut addrs = [0u8; 12];
                addrs[..data.len()].copy_from_slice(data);
                addrs.rotate_left(6);
                let n = data.len();
                data.copy_from_slice(&addrs[..n]);
            }
        }
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::testing::{assert_accounted, run_through};
    use proptest::prelude::*;

    #[test]
    fn swaps_addresses_only() {
        let frame: Vec<u8> = (0u8..60).collect();
        let mut p = Packet::from_slice(&frame).unwrap();
        assert_eq!(EtherMirror.action(&mut p), Verdict::Pass);
        assert_eq!(&p.data()[..6], &frame[6..12]);
        assert_eq!(&p.data()[6..12], &frame[..6]);
        assert_eq!(&p.data()[12..], &frame[12..]);
        EtherMirror.action(&mut p);
        assert_eq!(p.data(), &frame[..]);
    }

    #[test]
    fn runts_mirror_against_zeros() {
        // Click's output for the 10-byte runt of mixed.pcap.
        let mut p = Packet::from_slice(&[2, 0, 0, 0, 0, 2, 2, 0, 0, 1]).unwrap();
        assert_eq!(EtherMirror.action(&mut p), Verdict::Pass);
        assert_eq!(p.data(), &[2, 0, 0, 1, 0, 0, 2, 0, 0, 0]);
        let mut p = Packet::from_slice(&[]).unwrap();
        assert_eq!(EtherMirror.action(&mut p), Verdict::Pass);
        assert!(p.is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_bytes_never_panic_and_are_accounted(
            frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..9000), 1..8),
        ) {
            let (_router, stats) = run_through("Idle -> e :: EtherMirror -> Discard;", &frames);
            assert_accounted(&stats, frames.len());
            prop_assert_eq!(stats.total_out(), frames.len() as u64);
        }
    }
}
