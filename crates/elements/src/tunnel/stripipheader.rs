//! StripIPHeader — removes the IP header, leaving what it carried.
//!
//! ## Synopsis
//! `StripIPHeader`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Removes everything up to the end of the IP header (found from the
//! network header annotation and the header's length): with an IP-in-IP
//! or GRE tunnel, what is left is the inner packet. Packets without a
//! network header annotation, or too short, are dropped (reason
//! `no_ip_header`).
//!
//! ## Differences from Click
//! - Click pulls by the transport header annotation; the result is the
//!   same for packets whose annotations were set by `CheckIPHeader` or
//!   `MarkIPHeader`.
//!
//! ## Example
//! ```text
//! // Decapsulate IP-in-IP addressed to us
//! IPClassifier(ip proto ipip and dst host 192.0.2.1)[0] -> StripIPHeader -> CheckIPHeader -> ...
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "StripIPHeader",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("stripipheader.rs"),
    drop_reasons: &["no_ip_header"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct StripIPHeader;

fn make(_args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(StripIPHeader))
}

impl SimpleAction for StripIPHeader {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let Some(at) = packet.network_header_data_offset() else {
            return Verdict::Drop(DropReason(0));
        };
        let Some(h) = packet.network_header() else {
            return Verdict::Drop(DropReason(0));
        };
        let hl = h.first().map_or(0, |b| isize::from(b & 0x0f) * 4);
        let end = at + hl;
        if hl < 20 || end < 0 || end as usize > packet.len() {
            return Verdict::Drop(DropReason(0));
        }
        if packet.pull(end as usize).is_err() {
            return Verdict::Drop(DropReason(0));
        }
        Verdict::Pass
    }
}
