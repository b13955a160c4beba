//! IPEncap — prepends an IPv4 header (IP-in-IP and other tunnels).
//!
//! ## Synopsis
//! `IPEncap(PROTO, SRC, DST [, keywords TOS, DSCP, ECT, CE, TTL, DF])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Prepends a 20-byte IPv4 header: protocol PROTO, source SRC, destination
//! DST (or, with `DST_ANNO`, the packet's destination-IP annotation), TTL
//! 250 unless given, an IP ID counting up from 0, total length and
//! checksum computed. Sets the network header annotation to the new header
//! and the destination-IP annotation to its destination. Packets without
//! headroom for the header are dropped (reason `no_headroom`).
//!
//! ## Arguments
//! - `PROTO`: a protocol number or name (`ipip` 4, `gre` 47, `udp`, …).
//! - `SRC`: the source address. `DST`: an address or `DST_ANNO`.
//! - `TOS`, or `DSCP` with `ECT`/`CE`: the TOS byte. `TTL` (default 250).
//! - `DF` (default false): set don't-fragment.
//!
//! ## Handlers
//! - `src`, `dst` (read).
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! // IP-in-IP toward the far tunnel end
//! ... -> IPEncap(ipip, 192.0.2.1, 198.51.100.7) -> ...
//! ```

use std::net::Ipv4Addr;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "IPEncap",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("ipencap.rs"),
    drop_reasons: &["no_headroom"],
    handlers: &[
        HandlerSpec::read("src", "source address"),
        HandlerSpec::read("dst", "destination address or DST_ANNO"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

/// Protocol names as Click's IP name database has them.
pub(crate) fn protocol(text: &str) -> Result<u8, ConfigError> {
    const NAMES: &[(&str, u8)] = &[
        ("icmp", 1),
        ("igmp", 2),
        ("ipip", 4),
        ("tcp", 6),
        ("udp", 17),
        ("dccp", 33),
        ("gre", 47),
        ("sctp", 132),
    ];
    text.parse::<u8>()
        .ok()
        .or_else(|| NAMES.iter().find(|(n, _)| *n == text).map(|&(_, v)| v))
        .ok_or_else(|| ConfigError::msg(format!("bad IP protocol '{text}'")))
}

struct IPEncap {
    header: [u8; 20],
    /// The one's-complement sum of `header` without its length, ID,
    /// checksum and destination: the checksum is finished from this and
    /// the per-packet words, never read back from the packet (a read of
    /// bytes just written in pieces stalls the store buffer).
    fixed_sum: u16,
    use_dst_anno: bool,
    id: u16,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let proto = protocol(&args.read_mp::<String>("PROTO")?)?;
    let src = args.read_mp::<Ipv4Addr>("SRC")?;
    let dst_text = args.read_mp::<String>("DST")?;
    let tos = args.read::<u8>("TOS")?;
    let dscp = args.read::<u8>("DSCP")?;
    let ect = args.read::<String>("ECT")?;
    let ce = args.read::<bool>("CE")?.unwrap_or(false);
    let ttl = args.read::<u8>("TTL")?.unwrap_or(250);
    let df = args.read::<bool>("DF")?.unwrap_or(false);
    let use_dst_anno = dst_text == "DST_ANNO";
    let dst = if use_dst_anno {
        Ipv4Addr::UNSPECIFIED
    } else {
        <Ipv4Addr as clickconf::args::ArgValue>::parse_arg(&dst_text)
            .map_err(|e| ConfigError::msg(format!("DST: {e}")))?
    };
    let tos = match (tos, dscp) {
        (Some(_), Some(_)) => return Err(ConfigError::msg("give TOS or DSCP, not both")),
        (Some(t), None) => t,
        (None, Some(d)) if d < 64 => {
            let ecn = match ect.as_deref() {
                None | Some("false") => 0,
                Some("1") => 1,
                Some("true" | "0" | "2") => 2,
                Some(o) => return Err(ConfigError::msg(format!("ECT: bad value '{o}'"))),
            };
            (d << 2) | if ce { 3 } else { ecn }
        }
        (None, Some(d)) => return Err(ConfigError::msg(format!("DSCP {d} out of range"))),
        (None, None) => {
            if ce {
                3
            } else {
                0
            }
        }
    };
    let mut header = [0u8; 20];
    header[0] = 0x45;
    header[1] = tos;
    if df {
        header[6] = 0x40;
    }
    header[8] = ttl;
    header[9] = proto;
    header[12..16].copy_from_slice(&src.octets());
    header[16..20].copy_from_slice(&dst.octets());
    let mut fixed = header;
    fixed[16..20].fill(0);
    Ok(Simple::boxed(IPEncap {
        header,
        fixed_sum: packet::checksum::sum(&fixed),
        use_dst_anno,
        id: 0,
    }))
}

impl SimpleAction for IPEncap {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let dst = if self.use_dst_anno {
            packet.anno().dst_ip().octets()
        } else {
            [
                self.header[16],
                self.header[17],
                self.header[18],
                self.header[19],
            ]
        };
        if packet.push(20).is_err() {
            return Verdict::Drop(DropReason(0));
        }
        let total = packet.len() as u16;
        let c = packet::checksum::finish(&[
            self.fixed_sum,
            total,
            self.id,
            u16::from_be_bytes([dst[0], dst[1]]),
            u16::from_be_bytes([dst[2], dst[3]]),
        ]);
        let h = &mut packet.data_prefix_mut(20)[..20];
        h.copy_from_slice(&self.header);
        h[2..4].copy_from_slice(&total.to_be_bytes());
        h[4..6].copy_from_slice(&self.id.to_be_bytes());
        h[10..12].copy_from_slice(&c.to_be_bytes());
        h[16..20].copy_from_slice(&dst);
        self.id = self.id.wrapping_add(1);
        packet.set_network_header(0, 20);
        packet.anno_mut().set_dst_ip(Ipv4Addr::from(dst));
        Verdict::Pass
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        let h = &self.header;
        match name {
            "src" => Ok(Ipv4Addr::new(h[12], h[13], h[14], h[15]).to_string()),
            "dst" if self.use_dst_anno => Ok("DST_ANNO".into()),
            "dst" => Ok(Ipv4Addr::new(h[16], h[17], h[18], h[19]).to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
