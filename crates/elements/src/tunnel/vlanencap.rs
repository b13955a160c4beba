//! VLANEncap — adds an 802.1Q tag to Ethernet frames.
//!
//! ## Synopsis
//! `VLANEncap(VLAN_TCI [, VLAN_PCP, keywords VLAN_ID, NATIVE_VLAN, ETHERTYPE])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Inserts a 4-byte 802.1Q tag (EtherType ETHERTYPE, default 0x8100, then
//! the TCI) after the Ethernet addresses. VLAN_TCI is the TCI (or `ANNO`
//! for the packet's VLAN TCI annotation); VLAN_ID and VLAN_PCP give it in
//! parts. Frames whose VLAN ID is NATIVE_VLAN (default 0) are sent
//! untagged. Frames without headroom are dropped (reason `no_headroom`).
//!
//! ## Arguments
//! - `VLAN_TCI`, `VLAN_PCP` (0-7), `VLAN_ID` (0-4095), `NATIVE_VLAN`
//!   (-1 for none), `ETHERTYPE`.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! ... -> VLANEncap(VLAN_ID 100, VLAN_PCP 5) -> ToDevice(eth0.trunk);
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;
use packet::anno::offset::VLAN_TCI;

pub const SPEC: ElementSpec = ElementSpec {
    class: "VLANEncap",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("vlanencap.rs"),
    drop_reasons: &["no_headroom"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct VLANEncap {
    tci: u16,
    use_anno: bool,
    native: Option<u16>,
    ethertype: u16,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let (tci, use_anno, native, ethertype) = super::vlan_args(args)?;
    Ok(Simple::boxed(VLANEncap {
        tci,
        use_anno,
        native,
        ethertype,
    }))
}

impl SimpleAction for VLANEncap {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let tci = if self.use_anno {
            packet
                .anno()
                .get::<2>(VLAN_TCI)
                .map_or(0, u16::from_be_bytes)
        } else {
            self.tci
        };
        if packet.len() < 12 {
            return Verdict::Drop(DropReason(0));
        }
        if Some(tci & 0xfff) != self.native {
            if packet.push(4).is_err() {
                return Verdict::Drop(DropReason(0));
            }
            let d = packet.data_prefix_mut(16);
            d.copy_within(4..16, 0);
            d[12..14].copy_from_slice(&self.ethertype.to_be_bytes());
            d[14..16].copy_from_slice(&tci.to_be_bytes());
        }
        packet.set_mac_header(0);
        Verdict::Pass
    }
}
