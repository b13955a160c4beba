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
//! ## Differences from Click
//! A packet shorter than 12 bytes is dropped under `too_short` (Click swaps
//! with whatever lies in memory past the packet's end).
//!
//! ## Example
//! ```text
//! FromDevice(eth0) -> EtherMirror -> Queue -> ToDevice(eth0);  // reflector
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "EtherMirror",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("ethermirror.rs"),
    drop_reasons: &["too_short"],
    handlers: &[],
    make,
};

const TOO_SHORT: DropReason = DropReason(0);

pub struct EtherMirror;

fn make(_args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(EtherMirror))
}

impl SimpleAction for EtherMirror {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        match packet.data_mut().get_mut(..12) {
            Some(addrs) => {
                let (dst, src) = addrs.split_at_mut(6);
                dst.swap_with_slice(src);
                Verdict::Pass
            }
            None => Verdict::Drop(TOO_SHORT),
        }
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
    fn runts() {
        let mut p = Packet::from_slice(&[1; 12]).unwrap();
        assert_eq!(EtherMirror.action(&mut p), Verdict::Pass);
        let mut p = Packet::from_slice(&[1; 11]).unwrap();
        assert_eq!(EtherMirror.action(&mut p), Verdict::Drop(TOO_SHORT));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_bytes_never_panic_and_are_accounted(
            frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..9000), 1..8),
        ) {
            let (_router, stats) = run_through("Idle -> e :: EtherMirror -> Discard;", &frames);
            assert_accounted(&stats, frames.len());
            let short = frames.iter().filter(|f| f.len() < 12).count() as u64;
            prop_assert_eq!(stats.drops[0], short);
        }
    }
}
