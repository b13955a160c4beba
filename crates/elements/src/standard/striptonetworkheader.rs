//! StripToNetworkHeader — removes everything in front of the network
//! header.
//!
//! ## Synopsis
//! `StripToNetworkHeader`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Makes every packet start at its network header annotation (set by
//! elements such as `CheckIPHeader` or `MarkIPHeader`). If the header lies
//! before the start of the data (it was stripped), the data is extended
//! back to it. A packet without a network header annotation is dropped.
//!
//! ## Handlers
//! None beyond the generic ones.
//!
//! ## Differences from Click
//! Click requires the annotation and misbehaves without it; here such a
//! packet is dropped (`no_network_header`).
//!
//! ## Example
//! ```text
//! CheckIPHeader(14) -> StripToNetworkHeader -> ToDump(ip.pcap, ENCAP IP);
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "StripToNetworkHeader",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("striptonetworkheader.rs"),
    drop_reasons: &["no_network_header"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const NO_NETWORK_HEADER: DropReason = DropReason(0);

pub struct StripToNetworkHeader;

fn make(_args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(StripToNetworkHeader))
}

impl SimpleAction for StripToNetworkHeader {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let Some(off) = packet.network_header_data_offset() else {
            return Verdict::Drop(NO_NETWORK_HEADER);
        };
        // The header is a buffer offset, so pushing back to it always fits
        // in the headroom; pulling past the end empties the packet.
        let _ = if off >= 0 {
            packet.pull((off as usize).min(packet.len()))
        } else {
            packet.push(off.unsigned_abs())
        };
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use crate::standard::null::harness::Harness;
    use packet::{Packet, PacketBatch};

    #[test]
    fn strips_or_unstrips_to_the_header() {
        let h = Harness::new("Idle -> s :: StripToNetworkHeader -> c :: Collect;");
        let mut batch = PacketBatch::new();
        let mut p = Packet::from_slice(b"\x01\x02\x03\x04").unwrap();
        p.set_network_header(2, 2);
        batch.push(p);
        let mut p = Packet::from_slice(b"\x01\x02\x03\x04").unwrap();
        p.set_network_header(1, 2);
        p.pull(3).unwrap();
        batch.push(p);
        batch.push(Packet::from_slice(b"\x09").unwrap());
        h.inject_batch("s", 0, batch);
        assert_eq!(h.read("c.log"), "0304 p0\n020304 p0\n");
        assert_eq!(h.drops("s"), vec![1]);
    }
}
