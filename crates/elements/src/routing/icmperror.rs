//! ICMPError — makes ICMP error messages about the packets it receives.
//!
//! ## Synopsis
//! `ICMPError(SRC, TYPE [, CODE, keywords BADADDRS, MTU, PMTU])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! For each IP packet (network header annotation set) it makes an error
//! message in the packet's place: an IP header from SRC to the packet's
//! source (TTL 200, TOS 0, a fresh IP ID), an ICMP header of TYPE and
//! CODE, and as much of the offending packet, from its IP header, as fits
//! in MTU bytes (576 by default, RFC 1812 section 4.3.2.3). The error's
//! destination-IP annotation is its destination, its timestamp the current
//! time, and (unless SET_FIX_ANNO is false) its fix-IP-source annotation
//! is set, so `FixIPSrc` can give it the address of the interface it
//! leaves by.
//!
//! As RFC 1812 section 4.3.2.7 requires, no error is made (the packet is
//! dropped, reason `no_error`) about an ICMP error message, a fragment
//! other than the first, a packet sent to a broadcast or multicast
//! address (by its header, its packet-type annotation, or BADADDRS), or a
//! packet whose source is not a valid unicast address (net 0, 127/8,
//! class E, broadcast or multicast).
//!
//! TYPE and CODE are numbers or names: `unreachable` (codes `net`, `host`,
//! `protocol`, `port`, `needfrag`, …), `timeexceeded` (`transit`,
//! `reassembly`), `parameterproblem` (the pointer comes from the packet's
//! parameter-problem annotation, set by `IPGWOptions`), `redirect` (`net`,
//! `host`, …; the gateway is the destination-IP annotation),
//! `sourcequench`.
//!
//! ## Arguments
//! - `SRC`: the source address of the errors.
//! - `TYPE`, `CODE` (default 0).
//! - `BADADDRS`: addresses (e.g. the subnets' broadcast addresses) whose
//!   packets are never answered.
//! - `MTU` (default 576): the largest error message.
//! - `PMTU`: the next-hop MTU reported by `unreachable needfrag`.
//! - `SET_FIX_ANNO` (default true): set the fix-IP-source annotation.
//!
//! ## Differences from Click
//! - Source-routed packets are answered without a reversed source route
//!   (Click copies it), and redirects are sent for them (Click does not).
//!
//! ## Example
//! ```text
//! dt :: DecIPTTL; dt[1] -> ICMPError(10.0.0.1, timeexceeded) -> rt;
//! ```

use std::net::Ipv4Addr;

use clickconf::args::{ArgValue, Args};
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;
use packet::anno::PacketType;
use packet::anno::offset::{FIX_IP_SRC, ICMP_PARAMPROB};

pub const SPEC: ElementSpec = ElementSpec {
    class: "ICMPError",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("icmperror.rs"),
    drop_reasons: &["no_error"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const TYPES: &[(&str, u8)] = &[
    ("echo-reply", 0),
    ("unreachable", 3),
    ("sourcequench", 4),
    ("redirect", 5),
    ("echo", 8),
    ("timeexceeded", 11),
    ("parameterproblem", 12),
];

fn code_names(t: u8) -> &'static [(&'static str, u8)] {
    match t {
        3 => &[
            ("net", 0),
            ("host", 1),
            ("protocol", 2),
            ("port", 3),
            ("needfrag", 4),
            ("srcroutefail", 5),
            ("netunknown", 6),
            ("hostunknown", 7),
            ("isolated", 8),
            ("netprohibited", 9),
            ("hostprohibited", 10),
            ("tosnet", 11),
            ("toshost", 12),
            ("filterprohibited", 13),
            ("hostprecedence", 14),
            ("precedencecutoff", 15),
        ],
        5 => &[("net", 0), ("host", 1), ("tosnet", 2), ("toshost", 3)],
        11 => &[("transit", 0), ("reassembly", 1)],
        12 => &[("erroratptr", 0), ("missingopt", 1), ("length", 2)],
        _ => &[],
    }
}

fn number_or_name(text: &str, names: &[(&str, u8)], what: &str) -> Result<u8, ConfigError> {
    text.parse::<u8>()
        .ok()
        .or_else(|| names.iter().find(|(n, _)| *n == text).map(|&(_, v)| v))
        .ok_or_else(|| ConfigError::msg(format!("unknown ICMP {what} '{text}'")))
}

struct ICMPError {
    src: Ipv4Addr,
    kind: u8,
    code: u8,
    bad: Vec<Ipv4Addr>,
    mtu: usize,
    pmtu: u16,
    fix_anno: bool,
    next_id: u16,
    clock: std::sync::Arc<dyn engine::Clock>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let mut e = configure(args)?;
    e.clock = cx.clock.clone();
    Ok(Simple::boxed(e))
}

fn configure(args: &mut Args) -> Result<ICMPError, ConfigError> {
    let src = args.read_mp::<Ipv4Addr>("SRC")?;
    let kind = args.read_mp::<String>("TYPE")?;
    let code = args.read_p::<String>("CODE")?;
    let bad: Vec<Ipv4Addr> = args
        .read::<String>("BADADDRS")?
        .map(|s| {
            s.split_ascii_whitespace()
                .map(|w| {
                    <Ipv4Addr as ArgValue>::parse_arg(w)
                        .map_err(|e| ConfigError::msg(format!("BADADDRS: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let mtu = args.read::<u16>("MTU")?.unwrap_or(576);
    let pmtu = args.read::<u16>("PMTU")?.unwrap_or(0);
    let fix_anno = args.read::<bool>("SET_FIX_ANNO")?.unwrap_or(true);
    if mtu < 56 {
        return Err(ConfigError::msg(format!(
            "MTU {mtu} is too small for an ICMP error"
        )));
    }
    let kind = number_or_name(&kind, TYPES, "type")?;
    let code = match code {
        Some(c) => number_or_name(&c, code_names(kind), "code")?,
        None => 0,
    };
    Ok(ICMPError {
        src,
        kind,
        code,
        bad,
        mtu: usize::from(mtu),
        pmtu,
        fix_anno,
        next_id: 1,
        clock: std::sync::Arc::new(engine::SystemClock::new()),
    })
}

fn unicast(a: Ipv4Addr) -> bool {
    !(a.is_broadcast() || a.is_multicast())
}

/// A source an error may be sent to (RFC 1812 sections 4.2.2.11, 5.3.7).
fn valid_source(a: Ipv4Addr) -> bool {
    let net = a.octets()[0];
    unicast(a) && net != 0 && net != 127 && net & 0xf0 != 0xf0
}

impl ICMPError {
    /// The error message about `ip` (an IP header and what follows).
    fn error_for(&mut self, ip: &[u8], packet: &Packet) -> Option<Vec<u8>> {
        if ip.len() < 20 || ip[0] >> 4 != 4 {
            return None;
        }
        let hl = usize::from(ip[0] & 0x0f) * 4;
        if hl < 20 || ip.len() < hl {
            return None;
        }
        let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
        let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
        let frag_offset = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff;
        let is_icmp_error = ip[9] == 1
            && frag_offset == 0
            && ip.get(hl).is_some_and(|t| matches!(t, 3 | 4 | 5 | 11 | 12));
        let bad_dst = !unicast(dst)
            || matches!(
                packet.anno().packet_type(),
                PacketType::Broadcast | PacketType::Multicast
            )
            || self.bad.contains(&dst);
        if frag_offset != 0
            || is_icmp_error
            || bad_dst
            || !valid_source(src)
            || self.bad.contains(&src)
        {
            return None;
        }
        let quoted = ip.len().min(self.mtu - 28);
        let total = 20 + 8 + quoted;
        let mut e = vec![0u8; total];
        e[0] = 0x45;
        e[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        e[4..6].copy_from_slice(&self.next_id.to_be_bytes());
        self.next_id = self.next_id.wrapping_add(1);
        e[8] = 200;
        e[9] = 1;
        e[12..16].copy_from_slice(&self.src.octets());
        e[16..20].copy_from_slice(&src.octets());
        let c = packet::checksum::checksum(&e[..20]);
        e[10..12].copy_from_slice(&c.to_be_bytes());
        e[20] = self.kind;
        e[21] = self.code;
        match (self.kind, self.code) {
            (12, _) => {
                let ptr = packet.anno().get::<1>(ICMP_PARAMPROB).map_or(0, |b| b[0]);
                e[24] = ptr;
            }
            (3, 4) => e[26..28].copy_from_slice(&self.pmtu.to_be_bytes()),
            (5, _) => e[24..28].copy_from_slice(&packet.anno().dst_ip().octets()),
            _ => {}
        }
        e[28..].copy_from_slice(&ip[..quoted]);
        let c = packet::checksum::checksum(&e[20..]);
        e[22..24].copy_from_slice(&c.to_be_bytes());
        Some(e)
    }
}

impl SimpleAction for ICMPError {
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let Some(ip) = packet.network_header() else {
            return Verdict::Drop(DropReason(0));
        };
        let Some(bytes) = self.error_for(ip, packet) else {
            return Verdict::Drop(DropReason(0));
        };
        // The error replaces the packet in the same buffer, so the count of
        // packets in and out stays one for one.
        let dst = Ipv4Addr::new(bytes[16], bytes[17], bytes[18], bytes[19]);
        if packet.reset_with(&bytes).is_err() {
            return Verdict::Drop(DropReason(0));
        }
        *packet.anno_mut() = packet::Annotations::default();
        packet.set_network_header(0, 20);
        let now = self.clock.wall();
        let anno = packet.anno_mut();
        anno.set_dst_ip(dst);
        anno.timestamp = now;
        if self.fix_anno {
            anno.set(FIX_IP_SRC, &[1]);
        }
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(config: &str) -> ICMPError {
        let mut args = Args::new(config);
        let e = configure(&mut args).unwrap();
        args.complete().unwrap();
        e
    }

    #[test]
    fn time_exceeded_quotes_header_and_eight_bytes() {
        let mut e = element("10.0.0.1, timeexceeded");
        let mut ip = vec![
            0x45, 0, 0, 40, 0, 1, 0, 0, 1, 17, 0, 0, 10, 0, 1, 5, 10, 0, 2, 9,
        ];
        ip.extend_from_slice(&[0x12, 0x34, 0, 53, 0, 20, 0, 0, 9, 9, 9, 9]);
        let p = Packet::from_slice(&ip).unwrap();
        let err = e.error_for(&ip, &p).unwrap();
        assert_eq!(err.len(), 20 + 8 + 32, "the whole packet fits in 576 bytes");
        assert_eq!(err[8], 200);
        assert!(packet::checksum::verify(&err[..20]));
        assert!(packet::checksum::verify(&err[20..]));
        assert_eq!(&err[16..20], &[10, 0, 1, 5]);
        assert_eq!((err[20], err[21]), (11, 0));
        assert_eq!(&err[28..], &ip[..]);
    }

    #[test]
    fn no_errors_about_errors_fragments_or_broadcasts() {
        let mut e = element("10.0.0.1, timeexceeded");
        let base = [
            0x45u8, 0, 0, 28, 0, 1, 0, 0, 1, 1, 0, 0, 10, 0, 1, 5, 10, 0, 2, 9, 3, 3, 0, 0, 0, 0,
            0, 0,
        ];
        let p = Packet::from_slice(&base).unwrap();
        assert!(e.error_for(&base, &p).is_none(), "ICMP error");
        let mut frag = base;
        frag[9] = 17;
        frag[7] = 1;
        assert!(e.error_for(&frag, &p).is_none(), "later fragment");
        let mut bcast = base;
        bcast[9] = 17;
        bcast[16..20].copy_from_slice(&[255; 4]);
        assert!(e.error_for(&bcast, &p).is_none(), "broadcast");
        let mut ok = base;
        ok[9] = 17;
        assert!(e.error_for(&ok, &p).is_some());
        assert!(configure(&mut Args::new("10.0.0.1, nosuch")).is_err());
        assert_eq!(element("10.0.0.1, unreachable, needfrag").code, 4);
    }
}
