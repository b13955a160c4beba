//! StoreIPAddress — writes an IP address into each packet.
//!
//! ## Synopsis
//! `StoreIPAddress(OFFSET)` or `StoreIPAddress(ADDR, OFFSET)`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; agnostic, output 1 push.
//!
//! ## Description
//! Writes ADDR, or with one argument the packet's destination IP address
//! annotation, into the packet. OFFSET is a byte offset into the packet
//! data, or `src` or `dst` for the source or destination address field of
//! the IP header (the network header annotation must be set): then the IP
//! header checksum, and the TCP or UDP checksum of a first fragment (a
//! UDP checksum of 0, none, stays 0), are updated incrementally exactly as
//! Click does, so the bytes are Click's.
//!
//! With a numeric OFFSET and no ADDR, a packet whose annotation is 0.0.0.0
//! is left alone. Packets too short for the write, or with no usable IP
//! header for `src`/`dst`, go to output 1 if connected and are dropped
//! otherwise (reason `bad_packet`).
//!
//! ## Arguments
//! - `ADDR`: the address to write (default: the annotation).
//! - `OFFSET`: a byte offset, `src` or `dst`.
//!
//! ## Differences from Click
//! - With a numeric OFFSET past the end of the packet, or an annotation of
//!   0.0.0.0 and no ADDR, Click (against its documentation) writes the
//!   address OFFSET bytes *before* the IP header when the packet has a
//!   network header, outside the packet's data, and passes the packet on
//!   output 0 (its driver can then crash when it exits). Here, as Click
//!   documents, such a packet goes to output 1 or is dropped, and a zero
//!   annotation leaves the packet unchanged.
//!
//! ## Example
//! ```text
//! ... -> SetRandIPAddress(10.0.0.0/8) -> StoreIPAddress(dst) -> ...
//! ```

use std::net::Ipv4Addr;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "StoreIPAddress",
    ports: "1/1-2",
    processing: "a/ah",
    source: include_str!("storeipaddress.rs"),
    drop_reasons: &["bad_packet"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

enum Target {
    /// A byte offset into the data.
    Offset(usize),
    /// The IP header's address field at this offset (12 or 16).
    Header(usize),
}

struct StoreIPAddress {
    addr: Option<Ipv4Addr>,
    target: Target,
    reject: Verdict,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    // As Click: two arguments are ADDR and OFFSET, one is OFFSET.
    let addr = if args.remaining() > 1 {
        Some(args.read_mp::<Ipv4Addr>("ADDR")?)
    } else {
        None
    };
    let offset = args.read_mp::<String>("OFFSET")?;
    let target = match offset.to_ascii_lowercase().as_str() {
        "src" => Target::Header(12),
        "dst" => Target::Header(16),
        o => Target::Offset(o.parse::<usize>().map_err(|_| {
            ConfigError::msg("type mismatch: OFFSET requires integer, 'src' or 'dst'")
        })?),
    };
    let reject = if cx.noutputs > 1 {
        Verdict::Out(1)
    } else {
        Verdict::Drop(DropReason(0))
    };
    Ok(Simple::boxed(StoreIPAddress {
        addr,
        target,
        reject,
    }))
}

/// Click's `click_update_in_cksum`: RFC 1624 with the halfword sums as
/// Click forms them (one end-around carry), for identical bytes.
fn click_update(csum: u16, old: [u8; 4], new: [u8; 4]) -> u16 {
    let hw = |a: [u8; 4]| {
        let s = u32::from(u16::from_be_bytes([a[0], a[1]]))
            + u32::from(u16::from_be_bytes([a[2], a[3]]));
        (s + (s >> 16)) as u16
    };
    let sum = u32::from(!csum) + u32::from(!hw(old)) + u32::from(hw(new));
    let sum = (sum & 0xffff) + (sum >> 16);
    !((sum + (sum >> 16)) as u16)
}

impl StoreIPAddress {
    /// Writes `addr` at `at` (12 or 16) in the IP header, updating the
    /// checksums; false if the packet has no usable IP header.
    fn store_in_header(packet: &mut Packet, at: usize, addr: [u8; 4]) -> bool {
        let Some(ip) = packet.network_header_mut() else {
            return false;
        };
        if ip.len() < 20 || usize::from(ip[0] & 0x0f) * 4 < 20 {
            return false;
        }
        let hl = usize::from(ip[0] & 0x0f) * 4;
        let old = [ip[at], ip[at + 1], ip[at + 2], ip[at + 3]];
        ip[at..at + 4].copy_from_slice(&addr);
        let c = click_update(u16::from_be_bytes([ip[10], ip[11]]), old, addr);
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        let first_fragment = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff == 0;
        let check_at = match ip[9] {
            6 => Some((16, 20)),
            17 => Some((6, 8)),
            _ => None,
        };
        if let Some((check, min)) = check_at
            && first_fragment
            && let Some(t) = ip.get_mut(hl..)
            && t.len() >= min
        {
            let old_sum = u16::from_be_bytes([t[check], t[check + 1]]);
            if ip_is_udp_without_checksum(min, old_sum) {
                return true;
            }
            let c = click_update(old_sum, old, addr);
            t[check..check + 2].copy_from_slice(&c.to_be_bytes());
        }
        true
    }
}

/// A UDP header (8 bytes) whose checksum is 0 carries none.
fn ip_is_udp_without_checksum(header_len: usize, sum: u16) -> bool {
    header_len == 8 && sum == 0
}

impl SimpleAction for StoreIPAddress {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let addr = self.addr.unwrap_or_else(|| packet.anno().dst_ip());
        match self.target {
            Target::Offset(at) => {
                if self.addr.is_none() && addr.is_unspecified() {
                    return Verdict::Pass;
                }
                if packet.len() < at.saturating_add(4) {
                    return self.reject;
                }
                packet.data_prefix_mut(at + 4)[at..].copy_from_slice(&addr.octets());
                Verdict::Pass
            }
            Target::Header(at) => {
                if Self::store_in_header(packet, at, addr.octets()) {
                    Verdict::Pass
                } else {
                    self.reject
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::standard::null::harness::Harness;

    const UDP: &str = "45000021 00000000 401166ca 0a000001 0a000002 04d2162e 000d8cff 68656c6c6f";

    fn bytes(hex: &str) -> Vec<u8> {
        let hex: String = hex.split_whitespace().collect();
        (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    fn through(config: &str, data: &[u8]) -> String {
        let h = Harness::new(&format!(
            "Idle -> in :: MarkIPHeader -> {config}; x[0] -> c :: Collect; x[1] -> bad :: Counter -> Discard;"
        ));
        h.inject("in", 0, &[data]);
        format!("{} bad {}", h.read("c.log").trim(), h.read("bad.count"))
    }

    #[test]
    fn header_fields_with_checksums() {
        let p = bytes(UDP);
        let out = through("x :: StoreIPAddress(192.168.1.9, dst)", &p);
        let (hex, _) = out.split_once(' ').unwrap();
        let f = bytes(hex);
        assert_eq!(f[16..20], [192, 168, 1, 9]);
        assert!(packet::checksum::verify(&f[..20]), "IP checksum");
        let pseudo = packet::checksum::pseudo_header_v4(
            "10.0.0.1".parse().unwrap(),
            "192.168.1.9".parse().unwrap(),
            packet::ip::IpProtocol::Udp,
            13,
        );
        assert_eq!(
            packet::checksum::finish(&[pseudo, packet::checksum::sum(&f[20..])]),
            0,
            "UDP checksum"
        );
        // No UDP checksum stays none.
        let mut p0 = p.clone();
        p0[26] = 0;
        p0[27] = 0;
        let out = through("x :: StoreIPAddress(192.168.1.9, src)", &p0);
        let f = bytes(out.split_once(' ').unwrap().0);
        assert_eq!(f[12..16], [192, 168, 1, 9]);
        assert_eq!(f[26..28], [0, 0]);
        assert!(packet::checksum::verify(&f[..20]));
    }

    #[test]
    fn offsets_and_rejects() {
        let p = bytes(UDP);
        let out = through("x :: StoreIPAddress(1.2.3.4, 29)", &p);
        assert!(out.ends_with("01020304 p0 bad 0"), "{out}");
        let out = through("x :: StoreIPAddress(1.2.3.4, 31)", &p);
        assert_eq!(out, " bad 1", "too short");
        // The annotation (0.0.0.0 here): left alone.
        let out = through("x :: StoreIPAddress(0)", &p);
        assert!(out.starts_with("45000021"), "{out}");
        let out = through("x :: StoreIPAddress(dst)", &p[..19]);
        assert_eq!(out, " bad 1", "truncated header");
    }

    #[test]
    fn click_checksum_arithmetic() {
        // Recomputing gives the same checksum except for the 0/ffff
        // ambiguity, where Click's arithmetic decides.
        let c = super::click_update(0x66ca, [10, 0, 0, 2], [192, 168, 1, 9]);
        let mut h = bytes(UDP)[..20].to_vec();
        h[16..20].copy_from_slice(&[192, 168, 1, 9]);
        h[10] = 0;
        h[11] = 0;
        assert_eq!(c, packet::checksum::checksum(&h));
    }

    #[test]
    fn bad_arguments() {
        for bad in [
            "",
            "x",
            "-3",
            "1.2.3.4, y",
            "1.2.3.400, dst",
            "1.2.3.4, 5, 6",
        ] {
            let text = format!("Idle -> StoreIPAddress({bad}) -> Discard");
            assert!(Harness::try_new(&text).is_err(), "{bad}");
        }
    }
}
