//! SetPacketType — sets the packet-type annotation.
//!
//! ## Synopsis
//! `SetPacketType(TYPE)`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Sets every packet's packet-type annotation — how the packet arrived at
//! the link level — to TYPE: `HOST`, `BROADCAST`, `MULTICAST`,
//! `OTHERHOST`, `OUTGOING`, `LOOPBACK` or `FASTROUTE` (any case).
//! `FromDevice` sets it from the kernel; captures do not carry it, so this
//! element stands in for the device when a router is tested offline
//! (`DropBroadcasts` and `ICMPError` look at it).
//!
//! ## Arguments
//! - `TYPE`: the packet type.
//!
//! ## Differences from Click
//! - `FASTROUTE` is accepted too (Click refuses it).
//!
//! ## Example
//! ```text
//! FromDump(broadcasts.pcap) -> SetPacketType(BROADCAST) -> ...
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict};
use packet::Packet;
use packet::anno::PacketType;

pub const SPEC: ElementSpec = ElementSpec {
    class: "SetPacketType",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("setpackettype.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct SetPacketType(PacketType);

/// Click's packet-type names.
pub fn parse_packet_type(name: &str) -> Option<PacketType> {
    Some(match name.to_ascii_uppercase().as_str() {
        "HOST" => PacketType::Host,
        "BROADCAST" => PacketType::Broadcast,
        "MULTICAST" => PacketType::Multicast,
        "OTHERHOST" => PacketType::OtherHost,
        "OUTGOING" => PacketType::Outgoing,
        "LOOPBACK" => PacketType::Loopback,
        "FASTROUTE" => PacketType::FastRoute,
        _ => return None,
    })
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let name = args.read_mp::<String>("TYPE")?;
    let t = parse_packet_type(&name)
        .ok_or_else(|| ConfigError::msg(format!("unrecognized packet type '{name}'")))?;
    Ok(Simple::boxed(SetPacketType(t)))
}

impl SimpleAction for SetPacketType {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        packet.anno_mut().set_packet_type(self.0);
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(parse_packet_type("broadcast"), Some(PacketType::Broadcast));
        assert_eq!(parse_packet_type("OtherHost"), Some(PacketType::OtherHost));
        assert_eq!(parse_packet_type("nonsense"), None);
        let cx = BuildContext::standalone("t", 1, 1);
        assert!(make(&mut Args::new("nonsense"), &cx).is_err());
        assert!(make(&mut Args::new("MULTICAST"), &cx).is_ok());
    }
}
