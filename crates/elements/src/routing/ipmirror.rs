//! IPMirror — swaps the source and destination of IP packets.
//!
//! ## Synopsis
//! `IPMirror([DST_ANNO])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Swaps the IP source and destination addresses at the network header
//! and, for TCP and UDP packets that are not later fragments (and hold at
//! least 8 bytes of transport header), the source and destination ports;
//! for TCP also the sequence and acknowledgment numbers. Checksums stay valid (swapping does not change
//! a ones'-complement sum). With DST_ANNO true (the default), the
//! destination-IP annotation is set to the new destination. Packets too
//! short for a header are passed unchanged.
//!
//! ## Arguments
//! - `DST_ANNO` (keyword, default true): set the destination annotation.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! CheckIPHeader(14) -> IPMirror -> EtherMirror -> Queue -> ToDevice(eth0);
//! ```

use std::net::Ipv4Addr;

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "IPMirror",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("ipmirror.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct IPMirror {
    dst_anno: bool,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let dst_anno = args.read_p::<bool>("DST_ANNO")?.unwrap_or(true);
    Ok(Simple::boxed(IPMirror { dst_anno }))
}

impl SimpleAction for IPMirror {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let mut new_dst = None;
        // The addresses, and the ports, sequence and ack numbers after
        // the header.
        let header_len = packet.ip_header_len().unwrap_or(0);
        if let Some(h) = packet.network_header_prefix_mut(header_len.max(20) + 12)
            && h.len() >= 20
        {
            let (a, b) = h.split_at_mut(16);
            a[12..16].swap_with_slice(&mut b[..4]);
            new_dst = Some(Ipv4Addr::new(h[16], h[17], h[18], h[19]));
            let hl = usize::from(h[0] & 0x0f) * 4;
            let later_fragment = u16::from_be_bytes([h[6], h[7]]) & 0x1fff != 0;
            let tcp = h[9] == 6;
            if matches!(h[9], 6 | 17)
                && !later_fragment
                && hl >= 20
                && let Some(t) = h.get_mut(hl..hl + 8)
            {
                let (s, d) = t.split_at_mut(2);
                s[..2].swap_with_slice(&mut d[..2]);
                // A TCP reply acknowledges what the packet sent.
                if tcp && let Some(t) = h.get_mut(hl + 4..hl + 12) {
                    let (seq, ack) = t.split_at_mut(4);
                    seq.swap_with_slice(ack);
                }
            }
        }
        if self.dst_anno
            && let Some(d) = new_dst
        {
            packet.anno_mut().set_dst_ip(d);
        }
        Verdict::Pass
    }
}
