//! ICMPPingResponder — answers ICMP echo requests.
//!
//! ## Synopsis
//! `ICMPPingResponder`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; agnostic/push.
//!
//! ## Description
//! Turns each ICMP echo request into its echo reply, in place: source and
//! destination addresses swapped, fragment field cleared, TTL 255, type
//! and code 0, checksums updated incrementally; the destination-IP
//! annotation is set to the new destination, the timestamp to now, the
//! paint to 0. Other packets (not ICMP echo requests, or with fewer than 8
//! bytes after the IP header) go to output 1 if it is connected, else are
//! dropped (reason `not_echo`). The network header annotation must be set.
//! Like Click, it does not look at the fragment offset: put it behind
//! `IPReassembler` to answer fragmented pings correctly.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! ip :: IPClassifier(icmp type echo, -);
//! ip[0] -> ICMPPingResponder -> EtherMirror -> Queue -> ToDevice(eth0);
//! ```

use std::net::Ipv4Addr;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;
use packet::checksum::update_u16;

pub const SPEC: ElementSpec = ElementSpec {
    class: "ICMPPingResponder",
    ports: "1/1-2",
    processing: "a/ah",
    source: include_str!("icmppingresponder.rs"),
    drop_reasons: &["not_echo"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct ICMPPingResponder {
    reject: Verdict,
    clock: std::sync::Arc<dyn engine::Clock>,
}

fn make(_args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let reject = if cx.noutputs > 1 {
        Verdict::Out(1)
    } else {
        Verdict::Drop(DropReason(0))
    };
    Ok(Simple::boxed(ICMPPingResponder {
        reject,
        clock: cx.clock.clone(),
    }))
}

/// Makes the reply in `h` (an IP header and what follows); false if `h`
/// is not an echo request.
fn reply(h: &mut [u8]) -> Option<Ipv4Addr> {
    if h.len() < 20 || h[0] >> 4 != 4 || h[9] != 1 {
        return None;
    }
    let hl = usize::from(h[0] & 0x0f) * 4;
    // As in Click, the fragment offset is not looked at.
    if hl < 20 || h.len() < hl + 8 || h[hl] != 8 {
        return None;
    }
    let (a, b) = h.split_at_mut(16);
    a[12..16].swap_with_slice(&mut b[..4]);
    // The swap leaves the header checksum valid; the fragment field and
    // the TTL are updated incrementally, as Click does (so a header that
    // arrived with a bad checksum keeps it).
    let mut sum = u16::from_be_bytes([h[10], h[11]]);
    let frag = u16::from_be_bytes([h[6], h[7]]);
    sum = update_u16(sum, frag, 0);
    h[6] = 0;
    h[7] = 0;
    let ttl_word = u16::from_be_bytes([h[8], h[9]]);
    h[8] = 255;
    sum = update_u16(sum, ttl_word, u16::from_be_bytes([h[8], h[9]]));
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    // Type 8 -> 0 in the first ICMP word.
    let old = u16::from_be_bytes([h[hl], h[hl + 1]]);
    h[hl] = 0;
    h[hl + 1] = 0;
    let new = u16::from_be_bytes([h[hl], h[hl + 1]]);
    let sum = u16::from_be_bytes([h[hl + 2], h[hl + 3]]);
    let mut sum = update_u16(sum, old, new);
    // The incremental update gives 0 (-0) where the message is all zeros,
    // whose checksum is 0xffff (Click's `click_update_zero_in_cksum`).
    if sum == 0
        && h[hl..]
            .iter()
            .enumerate()
            .all(|(i, &b)| b == 0 || i == 2 || i == 3)
    {
        sum = 0xffff;
    }
    h[hl + 2..hl + 4].copy_from_slice(&sum.to_be_bytes());
    Some(Ipv4Addr::new(h[16], h[17], h[18], h[19]))
}

impl SimpleAction for ICMPPingResponder {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        match packet.network_header_mut().and_then(reply) {
            Some(dst) => {
                let now = self.clock.wall();
                let anno = packet.anno_mut();
                anno.set_dst_ip(dst);
                anno.timestamp = now;
                anno.set_paint(0);
                Verdict::Pass
            }
            None => self.reject,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_have_valid_checksums() {
        let mut p = vec![
            0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 8, 0, 0, 0, 0, 7, 0,
            1,
        ];
        let c = packet::checksum::checksum(&p[..20]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
        let c = packet::checksum::checksum(&p[20..]);
        p[22..24].copy_from_slice(&c.to_be_bytes());
        assert_eq!(reply(&mut p), Some(Ipv4Addr::new(10, 0, 0, 1)));
        assert!(packet::checksum::verify(&p[..20]));
        assert!(packet::checksum::verify(&p[20..]));
        assert_eq!(&p[12..20], &[10, 0, 0, 2, 10, 0, 0, 1]);
        assert_eq!(p[20], 0);
        assert_eq!(reply(&mut p), None, "a reply is not answered");
        assert_eq!(reply(&mut p[..10]), None);
    }
}
