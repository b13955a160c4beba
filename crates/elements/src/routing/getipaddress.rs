//! GetIPAddress — sets the destination-IP annotation from the packet.
//!
//! ## Synopsis
//! `GetIPAddress(OFFSET [, ANNO])`
//! `GetIPAddress(IP src|dst [, ANNO])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Copies the 4 bytes at OFFSET from the start of the packet data into
//! the destination-IP annotation (or the 4-byte annotation ANNO names).
//! OFFSET is usually 16: the destination address of a packet that starts
//! with its IP header. With `IP src` or `IP dst` the address is read from
//! the IP header the network header annotation marks instead.
//!
//! ## Arguments
//! - `OFFSET`: byte offset of the address.
//! - `IP` (keyword): `src` or `dst`; give either OFFSET or IP.
//! - `ANNO` (default the destination-IP annotation): a 4-byte annotation,
//!   by name or offset.
//!
//! ## Differences from Click
//! - A packet too short to hold the address, or without a network header
//!   for `IP`, is dropped (reason `too_short`); Click reads past its end.
//!
//! ## Example
//! ```text
//! Strip(14) -> CheckIPHeader -> GetIPAddress(16) -> rt :: RadixIPLookup(...);
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "GetIPAddress",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("getipaddress.rs"),
    drop_reasons: &["too_short"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

#[derive(Clone, Copy)]
enum From {
    Offset(usize),
    /// Offset within the IP header: 12 (source) or 16 (destination).
    Header(usize),
}

struct GetIPAddress {
    from: From,
    anno: usize,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let offset = args.read_p::<u16>("OFFSET")?;
    let anno = args
        .read_p_with("ANNO", |t| {
            crate::standard::paint::parse_anno(t, 4).map_err(clickconf::args::ValueError::new)
        })?
        .unwrap_or(packet::anno::offset::DST_IP);
    let ip = args.read::<String>("IP")?;
    let from = match (offset, ip.as_deref()) {
        (Some(o), None) => From::Offset(usize::from(o)),
        (None, Some("src")) => From::Header(12),
        (None, Some("dst")) => From::Header(16),
        (None, Some(_)) => return Err(ConfigError::msg("bad IP")),
        _ => return Err(ConfigError::msg("set one of OFFSET, IP")),
    };
    Ok(Simple::boxed(GetIPAddress { from, anno }))
}

impl SimpleAction for GetIPAddress {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let bytes = match self.from {
            From::Offset(at) => packet.data().get(at..at + 4),
            From::Header(at) => packet.network_header().and_then(|h| h.get(at..at + 4)),
        };
        let Some(b) = bytes else {
            return Verdict::Drop(DropReason(0));
        };
        let a = [b[0], b[1], b[2], b[3]];
        packet.anno_mut().set(self.anno, &a);
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn run(config: &str, data: &[u8]) -> Option<packet::Annotations> {
        let mut args = Args::new(config);
        let mut e = make(&mut args, &BuildContext::standalone("g", 1, 1)).ok()?;
        args.complete().ok()?;
        let mut p = Packet::from_slice(data).unwrap();
        p.set_network_header(0, 20);
        let mut batch = packet::PacketBatch::new();
        batch.push(p);
        let mut out = engine::Output::new(1, 1);
        e.push(0, &mut batch, &mut out);
        out.batch(0)?.drain().next().map(|p| *p.anno())
    }

    #[test]
    fn offsets_header_fields_and_annotations() {
        let mut ip = [0u8; 20];
        ip[12..16].copy_from_slice(&[1, 2, 3, 4]);
        ip[16..20].copy_from_slice(&[5, 6, 7, 8]);
        assert_eq!(run("16", &ip).unwrap().dst_ip(), Ipv4Addr::new(5, 6, 7, 8));
        assert_eq!(
            run("IP src", &ip).unwrap().dst_ip(),
            Ipv4Addr::new(1, 2, 3, 4)
        );
        assert_eq!(
            run("IP dst", &ip).unwrap().dst_ip(),
            Ipv4Addr::new(5, 6, 7, 8)
        );
        let a = run("12, 4", &ip).unwrap();
        assert_eq!(a.get::<4>(4), Some([1, 2, 3, 4]));
        assert!(run("18", &ip).is_none(), "too short");
        assert!(run("16, IP dst", &ip).is_none(), "both");
        assert!(run("IP both", &ip).is_none());
        assert!(run("", &ip).is_none());
    }
}
