//! EtherEncap — puts an Ethernet header in front of each packet.
//!
//! ## Synopsis
//! `EtherEncap(ETHERTYPE, SRC, DST)`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Prepends a 14-byte Ethernet header with destination DST, source SRC and
//! type ETHERTYPE, and marks it as the packet's MAC header (the network
//! header annotation moves to just after it, as Click's `push_mac_header`
//! does).
//!
//! ## Arguments
//! - `ETHERTYPE` (16-bit integer, host order, e.g. `0x0800`).
//! - `SRC`, `DST` (Ethernet addresses).
//!
//! ## Handlers
//! - `src`, `dst` (read/write): the addresses, read as `00-11-22-33-44-55`;
//!   a write takes the argument's syntax.
//! - `ethertype` (read/write): the type, read in decimal; a write takes the
//!   argument's syntax. `etht` is Click's deprecated name for it.
//!
//! ## Differences from Click
//! A packet with fewer than 14 bytes of headroom is dropped under
//! `no_headroom` (Click copies it to a larger buffer). Packets from
//! Switchyard's sources have 128 bytes of headroom.
//!
//! ## Example
//! ```text
//! ... -> EtherEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2) -> ToDevice(eth0);
//! ```

use clickconf::args::{ArgValue, Args, EtherAddress};
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

use super::{ETHER_HEADER, parse_ether, unparse_ether};

pub const SPEC: ElementSpec = ElementSpec {
    class: "EtherEncap",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("etherencap.rs"),
    drop_reasons: &["no_headroom"],
    handlers: &[
        HandlerSpec::read_write("src", "source address"),
        HandlerSpec::read_write("dst", "destination address"),
        HandlerSpec::read_write("ethertype", "Ethernet type"),
        HandlerSpec::read_write("etht", "Ethernet type (deprecated name)"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const NO_HEADROOM: DropReason = DropReason(0);

pub struct EtherEncap {
    /// The header to prepend: destination, source, type.
    header: [u8; ETHER_HEADER],
}

impl EtherEncap {
    pub fn configure(args: &mut Args) -> Result<EtherEncap, ConfigError> {
        let ethertype = args.read_mp::<u16>("ETHERTYPE")?;
        let src = args.read_mp::<EtherAddress>("SRC")?;
        let dst = args.read_mp::<EtherAddress>("DST")?;
        let mut header = [0u8; ETHER_HEADER];
        header[0..6].copy_from_slice(&dst.0);
        header[6..12].copy_from_slice(&src.0);
        header[12..14].copy_from_slice(&ethertype.to_be_bytes());
        Ok(EtherEncap { header })
    }

    fn ethertype(&self) -> u16 {
        u16::from_be_bytes([self.header[12], self.header[13]])
    }
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(EtherEncap::configure(args)?))
}

impl SimpleAction for EtherEncap {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        if packet.push(ETHER_HEADER).is_err() {
            return Verdict::Drop(NO_HEADROOM);
        }
        if let Some(h) = packet.data_prefix_mut(ETHER_HEADER).get_mut(..ETHER_HEADER) {
            h.copy_from_slice(&self.header);
        }
        let at = packet.data_offset();
        let anno = packet.anno_mut();
        anno.set_mac_header(Some(at));
        anno.set_network_header(Some(at + ETHER_HEADER));
        Verdict::Pass
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        let mut addr = [0u8; 6];
        match name {
            "src" => addr.copy_from_slice(&self.header[6..12]),
            "dst" => addr.copy_from_slice(&self.header[0..6]),
            "ethertype" | "etht" => return Ok(self.ethertype().to_string()),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(unparse_ether(&addr))
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "src" => self.header[6..12].copy_from_slice(&parse_ether(name, value)?),
            "dst" => self.header[0..6].copy_from_slice(&parse_ether(name, value)?),
            "ethertype" | "etht" => {
                let t = u16::parse_arg(value.trim())
                    .map_err(|e| HandlerError::BadValue(format!("{name}: {}", e.message)))?;
                self.header[12..14].copy_from_slice(&t.to_be_bytes());
            }
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

    fn element(config: &str) -> EtherEncap {
        configure(config, EtherEncap::configure).expect("configures")
    }

    #[test]
    fn prepends_the_header_and_marks_it() {
        let mut e = element("0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2");
        let mut p = Packet::from_slice(&[0x45, 0, 0, 20]).unwrap();
        p.set_network_header(0, 20);
        assert_eq!(e.action(&mut p), Verdict::Pass);
        assert_eq!(
            p.data(),
            &[
                2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 0x08, 0x00, 0x45, 0, 0, 20
            ]
        );
        assert_eq!(p.anno().mac_header(), Some(p.data_offset()));
        assert_eq!(p.network_header_data_offset(), Some(14));
    }

    #[test]
    fn handlers_read_and_write() {
        let mut e = element("ETHERTYPE 0x86dd, SRC ab:cd:ef:0:1:2, DST 0:0:0:0:0:1");
        assert_eq!(e.read_handler("src").unwrap(), "AB-CD-EF-00-01-02");
        assert_eq!(e.read_handler("dst").unwrap(), "00-00-00-00-00-01");
        assert_eq!(e.read_handler("ethertype").unwrap(), "34525");
        assert_eq!(e.read_handler("etht").unwrap(), "34525");
        e.write_handler("ethertype", "0x0806").unwrap();
        e.write_handler("dst", "ff:ff:ff:ff:ff:ff").unwrap();
        assert_eq!(e.read_handler("ethertype").unwrap(), "2054");
        assert!(e.write_handler("ethertype", "70000").is_err());
        assert!(e.write_handler("src", "nope").is_err());
        let mut p = Packet::from_slice(&[]).unwrap();
        e.action(&mut p);
        assert_eq!(&p.data()[..6], &[0xff; 6]);
        assert_eq!(&p.data()[12..], &[0x08, 0x06]);
    }

    #[test]
    fn arguments_are_required() {
        assert!(configure("0x0800, 1:1:1:1:1:1", EtherEncap::configure).is_err());
        assert!(configure("0x10000, 1:1:1:1:1:1, 2:2:2:2:2:2", EtherEncap::configure).is_err());
        assert!(configure("0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2, 4", EtherEncap::configure).is_err());
    }

    #[test]
    fn no_headroom_is_a_drop() {
        let mut e = element("0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2");
        let mut p = Packet::from_slice(&[1, 2, 3]).unwrap();
        let room = p.headroom();
        p.push(room - 13).unwrap();
        assert_eq!(e.action(&mut p), Verdict::Drop(NO_HEADROOM));
        assert_eq!(p.len(), 3 + room - 13, "a dropped packet is not changed");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_bytes_never_panic_and_are_accounted(
            frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..9000), 1..8),
        ) {
            let (_router, stats) = run_through(
                "Idle -> e :: EtherEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2) -> Discard;",
                &frames,
            );
            assert_accounted(&stats, frames.len());
        }
    }
}
