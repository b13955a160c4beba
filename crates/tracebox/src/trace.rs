//! One hop's analysis from raw bytes: the single library action that the
//! future CLI, Lua `tracebox()` and control API all call per reply.
//!
//! Key decision: the caller owns the TTL loop, sockets and clock; this
//! function only turns (probe, reply, measured RTT) into a [`Hop`], and
//! says whether the trace should stop (reply from the destination).

use crate::diff::diff;
use crate::output::{Hop, HopReply};
use crate::reply::{ReplyKind, extension_names, matches, parse_reply};
use std::net::IpAddr;

/// The analysed hop and whether the destination answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopResult {
    pub hop: Hop,
    /// The reply's source is the destination: the public tool stops here.
    pub reached: bool,
}

/// Analyses the reply to the probe sent with TTL `ttl`. Returns `None` when
/// the bytes are not a reply to this probe (the caller keeps waiting).
pub fn analyse_hop(
    ttl: u8,
    dst: IpAddr,
    probe: &[u8],
    reply_bytes: &[u8],
    rtt_us: u64,
) -> Option<HopResult> {
    let reply = parse_reply(reply_bytes)?;
    if !matches(probe, &reply, reply_bytes) {
        return None;
    }
    let extensions = match &reply.kind {
        ReplyKind::IcmpError { extensions, .. } => extension_names(extensions)
            .into_iter()
            .map(String::from)
            .collect(),
        ReplyKind::Direct(_) => Vec::new(),
    };
    Some(HopResult {
        hop: Hop {
            ttl,
            reply: Some(HopReply {
                from: reply.from,
                name: None,
                rtt_us,
                mods: diff(probe, reply.compared()),
                extensions,
            }),
        },
        reached: reply.from == dst,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::hop_line;
    use std::net::Ipv4Addr;

    const PROBE: [u8; 40] = [
        0x45, 0, 0, 40, 0x01, 0x10, 0x40, 0, 2, 6, 0x11, 0x11, 10, 0, 0, 1, 1, 2, 3, 4, 0xb9, 0x61,
        0, 0x50, 0x4b, 0xc7, 0x5e, 0x45, 0, 0, 0, 0, 0x50, 0x02, 0x16, 0xd0, 0x22, 0x22, 0, 0,
    ];

    #[test]
    fn second_hop_shows_ttl_and_checksum() {
        let mut b = vec![
            0x45, 0, 0, 68, 0, 0, 0, 0, 64, 1, 0, 0, 9, 9, 9, 9, 10, 0, 0, 1,
        ];
        b.extend_from_slice(&[11, 0, 0, 0, 0, 0, 0, 0]);
        let mut q = PROBE;
        q[8] = 1;
        q[10] = 0x12;
        b.extend_from_slice(&q);
        let dst = IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4));
        let r = analyse_hop(2, dst, &PROBE, &b, 1500).unwrap();
        assert!(!r.reached);
        assert_eq!(
            hop_line(&r.hop, false),
            "2: 9.9.9.9 1ms IP::TTL IP::CheckSum "
        );
    }

    #[test]
    fn unrelated_packet_is_not_a_hop() {
        let b = [
            0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 8, 8, 8, 8, 10, 0, 0, 1,
        ];
        assert_eq!(
            analyse_hop(1, IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4)), &PROBE, &b, 0),
            None
        );
    }
}
