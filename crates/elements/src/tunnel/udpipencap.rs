//! UDPIPEncap — prepends UDP and IPv4 headers (UDP tunnels).
//!
//! ## Synopsis
//! `UDPIPEncap(SRC, SPORT, DST, DPORT [, CHECKSUM])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Prepends an IPv4 header (protocol UDP, TTL 250, TOS 0, IP ID counting
//! up from 0) and a UDP header from SRC:SPORT to DST:DPORT (DST may be
//! `DST_ANNO`: the destination-IP annotation), lengths and checksums
//! computed (the UDP checksum only if CHECKSUM, the default). Sets the
//! network header and destination-IP annotations. Packets without headroom
//! are dropped (reason `no_headroom`).
//!
//! ## Arguments
//! - `SRC`, `SPORT`, `DST`, `DPORT`: the addresses and ports.
//! - `CHECKSUM` (default true): compute the UDP checksum.
//!
//! ## Differences from Click
//! - Click 2.1 leaves CHECKSUM unset when it is not given (an
//!   uninitialized variable), so it may or may not compute checksums;
//!   here the default is true, as Click documents.
//!
//! ## Example
//! ```text
//! ... -> UDPIPEncap(192.0.2.1, 4789, 198.51.100.7, 4789) -> ...
//! ```

use std::net::Ipv4Addr;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "UDPIPEncap",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("udpipencap.rs"),
    drop_reasons: &["no_headroom"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct UDPIPEncap {
    src: Ipv4Addr,
    sport: u16,
    dst: Option<Ipv4Addr>,
    dport: u16,
    checksum: bool,
    id: u16,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let src = args.read_mp::<Ipv4Addr>("SRC")?;
    let sport = args.read_mp::<u16>("SPORT")?;
    let dst_text = args.read_mp::<String>("DST")?;
    let dport = args.read_mp::<u16>("DPORT")?;
    let checksum = args.read_p::<bool>("CHECKSUM")?.unwrap_or(true);
    let dst = if dst_text == "DST_ANNO" {
        None
    } else {
        Some(
            <Ipv4Addr as clickconf::args::ArgValue>::parse_arg(&dst_text)
                .map_err(|e| ConfigError::msg(format!("DST: {e}")))?,
        )
    };
    Ok(Simple::boxed(UDPIPEncap {
        src,
        sport,
        dst,
        dport,
        checksum,
        id: 0,
    }))
}

impl SimpleAction for UDPIPEncap {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let dst = self.dst.unwrap_or(packet.anno().dst_ip());
        if packet.push(28).is_err() || packet.len() > 0xffff {
            return Verdict::Drop(DropReason(0));
        }
        let total = packet.len();
        let udp_len = (total - 20) as u16;
        // Only the headers change unless the checksum covers the payload.
        let data = if self.checksum {
            packet.data_mut()
        } else {
            packet.data_prefix_mut(28)
        };
        let h = &mut data[..20];
        h.fill(0);
        h[0] = 0x45;
        h[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        h[4..6].copy_from_slice(&self.id.to_be_bytes());
        h[8] = 250;
        h[9] = 17;
        h[12..16].copy_from_slice(&self.src.octets());
        h[16..20].copy_from_slice(&dst.octets());
        // Summed from the values, not read back from the bytes just
        // written (a read of bytes stored in pieces stalls).
        let (s, d) = (self.src.to_bits(), dst.to_bits());
        let c = packet::checksum::finish(&[
            0x4500,
            total as u16,
            self.id,
            250 << 8 | 17,
            (s >> 16) as u16,
            s as u16,
            (d >> 16) as u16,
            d as u16,
        ]);
        h[10..12].copy_from_slice(&c.to_be_bytes());
        let u = &mut data[20..28];
        u[0..2].copy_from_slice(&self.sport.to_be_bytes());
        u[2..4].copy_from_slice(&self.dport.to_be_bytes());
        u[4..6].copy_from_slice(&udp_len.to_be_bytes());
        u[6..8].fill(0);
        if self.checksum {
            let pseudo = packet::checksum::pseudo_header_v4(
                self.src,
                dst,
                packet::ip::IpProtocol::Udp,
                udp_len,
            );
            let body = packet::checksum::sum(&data[20..total]);
            let mut c = packet::checksum::finish(&[pseudo, body]);
            if c == 0 {
                c = 0xffff;
            }
            data[26..28].copy_from_slice(&c.to_be_bytes());
        }
        self.id = self.id.wrapping_add(1);
        packet.set_network_header(0, 20);
        packet.anno_mut().set_dst_ip(dst);
        Verdict::Pass
    }
}
