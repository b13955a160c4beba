//! Shaping and congestion signals: rate shapers, DSCP and ECN marking.
//!
//! Key decision: the markers share one TOS-rewriting helper that updates
//! the header checksum incrementally, as Click's do.

pub mod bandwidthratedunqueue;
pub mod bandwidthshaper;
pub mod delayshaper;
pub mod frontdropqueue;
pub mod linkunqueue;
pub mod markipce;
pub mod red;
pub mod setipdscp;
pub mod setipecn;
pub mod shaper;

use engine::ElementSpec;
use packet::Packet;

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![
        bandwidthratedunqueue::SPEC,
        bandwidthshaper::SPEC,
        delayshaper::SPEC,
        frontdropqueue::SPEC,
        linkunqueue::SPEC,
        markipce::SPEC,
        red::SPEC,
        setipdscp::SPEC,
        setipecn::SPEC,
        shaper::SPEC,
    ]
}

/// The TOS byte of the packet's IP header, if it has one.
fn tos(packet: &Packet) -> Option<u8> {
    packet
        .network_header()
        .filter(|h| h.len() >= 20)
        .map(|h| h[1])
}

/// Sets the TOS bits under `mask` to `value`, updating the checksum;
/// false if the packet has no IP header.
fn set_tos(packet: &mut Packet, mask: u8, value: u8) -> bool {
    let Some(h) = packet.network_header_mut().filter(|h| h.len() >= 20) else {
        return false;
    };
    let old = u16::from_be_bytes([h[0], h[1]]);
    h[1] = (h[1] & !mask) | (value & mask);
    let new = u16::from_be_bytes([h[0], h[1]]);
    let sum = u16::from_be_bytes([h[10], h[11]]);
    h[10..12].copy_from_slice(&packet::checksum::update_u16(sum, old, new).to_be_bytes());
    true
}
