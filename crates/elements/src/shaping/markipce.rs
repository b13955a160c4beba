//! MarkIPCE — marks ECN-capable IP packets Congestion Experienced.
//!
//! ## Synopsis
//! `MarkIPCE([FORCE])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Sets the ECN field of ECN-capable packets (ECT(0) or ECT(1)) to CE and
//! updates the checksum; CE packets pass unchanged. Packets that are not
//! ECN-capable are dropped (reason `not_ect`), as a congested router
//! would, unless FORCE is true, in which case they are marked too.
//! Packets without an IP header are dropped (reason `no_ip_header`).
//! Usually it sits on a `RED` element's marking path.
//!
//! ## Arguments
//! - `FORCE` (default false): mark packets that are not ECN-capable.
//!
//! ## Handlers
//! - `drops` (read): packets dropped because they were not ECN-capable.
//!
//! ## Differences from Click
//! - Click's `drops` handler is never incremented (it always reads 0);
//!   here it counts the packets dropped as not ECN-capable.
//!
//! ## Example
//! ```text
//! ... -> MarkIPCE -> Queue -> ...
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "MarkIPCE",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("markipce.rs"),
    drop_reasons: &["not_ect", "no_ip_header"],
    handlers: &[HandlerSpec::read(
        "drops",
        "packets dropped as not ECN-capable",
    )],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct MarkIPCE {
    force: bool,
    drops: u64,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let force = args.read_p::<bool>("FORCE")?.unwrap_or(false);
    Ok(Simple::boxed(MarkIPCE { force, drops: 0 }))
}

impl SimpleAction for MarkIPCE {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        match super::tos(packet) {
            None => Verdict::Drop(DropReason(1)),
            Some(t) if t & 3 == 0 && !self.force => {
                self.drops += 1;
                Verdict::Drop(DropReason(0))
            }
            Some(t) if t & 3 == 3 => Verdict::Pass,
            Some(_) => {
                super::set_tos(packet, 0x03, 3);
                Verdict::Pass
            }
        }
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
