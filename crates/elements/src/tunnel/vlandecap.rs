//! VLANDecap — removes the 802.1Q tag of Ethernet frames.
//!
//! ## Synopsis
//! `VLANDecap([ANNO, keywords ETHERTYPE])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! If the frame's EtherType is ETHERTYPE (default 0x8100), removes the
//! 4-byte tag after the Ethernet addresses. With ANNO true (the default),
//! stores the tag's TCI (0 for untagged frames) in the VLAN TCI
//! annotation. Untagged frames pass unchanged.
//!
//! ## Arguments
//! - `ANNO` (default true): set the VLAN TCI annotation.
//! - `ETHERTYPE` (default 0x8100).
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! FromDevice(eth0.trunk) -> VLANDecap -> c :: Classifier(...);
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict};
use packet::Packet;
use packet::anno::offset::VLAN_TCI;

pub const SPEC: ElementSpec = ElementSpec {
    class: "VLANDecap",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("vlandecap.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct VLANDecap {
    anno: bool,
    ethertype: u16,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let anno = args.read_p::<bool>("ANNO")?.unwrap_or(true);
    let ethertype = args.read::<u16>("ETHERTYPE")?.unwrap_or(0x8100);
    Ok(Simple::boxed(VLANDecap { anno, ethertype }))
}

impl SimpleAction for VLANDecap {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let d = packet.data();
        let mut tci = [0u8; 2];
        if d.len() >= 18 && d[12..14] == self.ethertype.to_be_bytes() {
            tci = [d[14], d[15]];
            packet.data_prefix_mut(16).copy_within(0..12, 4);
            let _ = packet.pull(4);
        }
        packet.set_mac_header(0);
        if self.anno {
            packet.anno_mut().set(VLAN_TCI, &tci);
        }
        Verdict::Pass
    }
}
