//! EtherRewrite — sets the Ethernet source and destination addresses.
//!
//! ## Synopsis
//! `EtherRewrite(SRC, DST)`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Overwrites the destination and source addresses of each packet's
//! Ethernet header, in place, with DST and SRC; the type is left alone.
//! The header is the one the MAC header annotation marks (sources such as
//! FromDump and FromDevice mark it), or the start of the packet if none is
//! marked. Useful where a link has a single next hop, as for a transparent
//! firewall.
//!
//! ## Arguments
//! - `SRC`, `DST` (Ethernet addresses).
//!
//! ## Handlers
//! - `src`, `dst` (read/write): the addresses, read as `00-11-22-33-44-55`;
//!   a write takes the argument's syntax.
//!
//! ## Differences from Click
//! Click writes through the MAC header annotation without looking, and
//! crashes if it is not set; here an unmarked packet is rewritten at its
//! start. Of a packet that ends within the 12 address bytes, only the bytes
//! it has are written (what Click's output shows too).
//!
//! ## Example
//! ```text
//! FromDevice(eth0) -> EtherRewrite(1:1:1:1:1:1, 2:2:2:2:2:2) -> Queue -> ToDevice(eth1);
//! ```

use clickconf::args::{Args, EtherAddress};
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

use super::{parse_ether, unparse_ether};

pub const SPEC: ElementSpec = ElementSpec {
    class: "EtherRewrite",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("etherrewrite.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read_write("src", "source address"),
        HandlerSpec::read_write("dst", "destination address"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub struct EtherRewrite {
    /// Destination then source, as they sit in the header.
    addrs: [u8; 12],
}

impl EtherRewrite {
    pub fn configure(args: &mut Args) -> Result<EtherRewrite, ConfigError> {
        let src = args.read_mp::<EtherAddress>("SRC")?;
        let dst = args.read_mp::<EtherAddress>("DST")?;
        let mut addrs = [0u8; 12];
        addrs[..6].copy_from_slice(&dst.0);
        addrs[6..].copy_from_slice(&src.0);
        Ok(EtherRewrite { addrs })
    }
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(EtherRewrite::configure(args)?))
}

impl SimpleAction for EtherRewrite {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let start = packet.data_offset();
        let end = start + packet.len();
        let at = packet.anno().mac_header().unwrap_or(start);
        let n = end.saturating_sub(at).min(12);
        // Only the addresses are written, so a source refilling this buffer
        // copies back these 12 bytes rather than the whole frame.
        if let Some(h) = packet.buffer_range_mut(at, at + n).filter(|h| h.len() == n) {
            h.copy_from_slice(&self.addrs[..n]);
        }
        Verdict::Pass
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        let mut a = [0u8; 6];
        match name {
            "dst" => a.copy_from_slice(&self.addrs[..6]),
            "src" => a.copy_from_slice(&self.addrs[6..]),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(unparse_ether(&a))
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "dst" => self.addrs[..6].copy_from_slice(&parse_ether(name, value)?),
            "src" => self.addrs[6..].copy_from_slice(&parse_ether(name, value)?),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::testing::{assert_accounted, configure, run_through};
    use proptest::prelude::*;

    fn element(config: &str) -> EtherRewrite {
        configure(config, EtherRewrite::configure).expect("configures")
    }

    #[test]
    fn rewrites_addresses_in_place() {
        let mut e = element("1:1:1:1:1:1, 2:2:2:2:2:2");
        let frame: Vec<u8> = (100u8..160).collect();
        let mut p = Packet::from_slice(&frame).unwrap();
        assert_eq!(e.action(&mut p), Verdict::Pass);
        assert_eq!(&p.data()[..12], &[2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]);
        assert_eq!(&p.data()[12..], &frame[12..]);
    }

    #[test]
    fn a_refilled_buffer_gets_its_frame_back() {
        // A source's refill copies back only what an element wrote; the
        // rewrite must say it wrote the header and not more, nor less.
        let mut e = element("1:1:1:1:1:1, 2:2:2:2:2:2");
        let frame: Vec<u8> = (0u8..200).collect();
        let tag = Packet::new_origin_tag();
        let mut p = Packet::new();
        p.refill(tag, &frame).unwrap();
        p.set_mac_header(0);
        assert_eq!(e.action(&mut p), Verdict::Pass);
        assert_eq!(p.origin(), tag);
        p.refill(tag, &frame).unwrap();
        assert_eq!(p.data(), &frame[..]);
    }

    #[test]
    fn follows_the_mac_header_annotation() {
        let mut e = element("SRC 1:1:1:1:1:1, DST 2:2:2:2:2:2");
        let frame: Vec<u8> = (0u8..40).collect();
        let mut p = Packet::from_slice(&frame).unwrap();
        p.set_mac_header(0);
        p.pull(14).unwrap();
        assert_eq!(e.action(&mut p), Verdict::Pass);
        assert_eq!(p.data(), &frame[14..], "data after the header unchanged");
        p.push(14).unwrap();
        assert_eq!(&p.data()[..12], &[2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]);
    }

    #[test]
    fn handlers_and_runts() {
        let mut e = element("1:1:1:1:1:1, 2:2:2:2:2:2");
        assert_eq!(e.read_handler("src").unwrap(), "01-01-01-01-01-01");
        e.write_handler("src", "a-b-c-d-e-f").unwrap();
        assert_eq!(e.read_handler("src").unwrap(), "0A-0B-0C-0D-0E-0F");
        assert_eq!(e.read_handler("dst").unwrap(), "02-02-02-02-02-02");
        let mut p = Packet::from_slice(&[0; 8]).unwrap();
        assert_eq!(e.action(&mut p), Verdict::Pass);
        assert_eq!(p.data(), &[2, 2, 2, 2, 2, 2, 10, 11]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_bytes_never_panic_and_are_accounted(
            frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..9000), 1..8),
        ) {
            let (_router, stats) = run_through(
                "Idle -> e :: EtherRewrite(1:1:1:1:1:1, 2:2:2:2:2:2) -> Discard;",
                &frames,
            );
            assert_accounted(&stats, frames.len());
        }
    }
}
