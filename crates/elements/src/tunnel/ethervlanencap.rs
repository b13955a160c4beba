//! EtherVLANEncap — prepends an Ethernet header with an 802.1Q tag.
//!
//! ## Synopsis
//! `EtherVLANEncap(ETHERTYPE, SRC, DST, VLAN_TCI [, VLAN_PCP, keywords VLAN_ID, NATIVE_VLAN])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Prepends an 18-byte header: DST, SRC, 0x8100, the TCI, and ETHERTYPE
//! (the payload's type, e.g. 0x0800). As for `VLANEncap`, VLAN_TCI may be
//! `ANNO`, VLAN_ID and VLAN_PCP give the TCI in parts, and frames of
//! NATIVE_VLAN (default 0) get a plain 14-byte Ethernet header. Packets
//! without headroom are dropped (reason `no_headroom`).
//!
//! ## Arguments
//! - `ETHERTYPE`, `SRC`, `DST`, and the VLAN arguments of `VLANEncap`.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! ... -> EtherVLANEncap(0x0800, 00:01:02:03:04:05, ff:ff:ff:ff:ff:ff, VLAN_ID 7) -> ...
//! ```

use clickconf::args::{Args, EtherAddress};
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;
use packet::anno::offset::VLAN_TCI;

pub const SPEC: ElementSpec = ElementSpec {
    class: "EtherVLANEncap",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("ethervlanencap.rs"),
    drop_reasons: &["no_headroom"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct EtherVLANEncap {
    ethertype: u16,
    src: [u8; 6],
    dst: [u8; 6],
    tci: u16,
    use_anno: bool,
    native: Option<u16>,
    tag_type: u16,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let ethertype = args.read_mp::<u16>("ETHERTYPE")?;
    let src = args.read_mp::<EtherAddress>("SRC")?;
    let dst = args.read_mp::<EtherAddress>("DST")?;
    let (tci, use_anno, native, tag_type) = super::vlan_args(args)?;
    Ok(Simple::boxed(EtherVLANEncap {
        ethertype,
        src: src.0,
        dst: dst.0,
        tci,
        use_anno,
        native,
        tag_type,
    }))
}

impl SimpleAction for EtherVLANEncap {
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
        let tagged = Some(tci & 0xfff) != self.native;
        let len = if tagged { 18 } else { 14 };
        if packet.push(len).is_err() {
            return Verdict::Drop(DropReason(0));
        }
        let d = packet.data_prefix_mut(len);
        d[0..6].copy_from_slice(&self.dst);
        d[6..12].copy_from_slice(&self.src);
        if tagged {
            d[12..14].copy_from_slice(&self.tag_type.to_be_bytes());
            d[14..16].copy_from_slice(&tci.to_be_bytes());
            d[16..18].copy_from_slice(&self.ethertype.to_be_bytes());
        } else {
            d[12..14].copy_from_slice(&self.ethertype.to_be_bytes());
        }
        packet.set_mac_header(0);
        Verdict::Pass
    }
}
