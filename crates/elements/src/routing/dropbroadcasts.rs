//! DropBroadcasts — drops packets that arrived as link-level broadcasts.
//!
//! ## Synopsis
//! `DropBroadcasts`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Drops packets whose packet-type annotation says they arrived as
//! link-level broadcast or multicast (`FromDevice` sets it from the
//! kernel's packet type), so a router does not forward
//! them (RFC 1812 section 5.3.4). Other packets pass.
//!
//! ## Handlers
//! - `drops` (read): packets dropped.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! ... -> rt :: RadixIPLookup(...); rt[0] -> DropBroadcasts -> ...
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;
use packet::anno::PacketType;

pub const SPEC: ElementSpec = ElementSpec {
    class: "DropBroadcasts",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("dropbroadcasts.rs"),
    drop_reasons: &["broadcast"],
    handlers: &[HandlerSpec::read("drops", "packets dropped")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct DropBroadcasts {
    drops: u64,
}

fn make(_args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(DropBroadcasts { drops: 0 }))
}

impl SimpleAction for DropBroadcasts {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        match packet.anno().packet_type() {
            PacketType::Broadcast | PacketType::Multicast => {
                self.drops += 1;
                Verdict::Drop(DropReason(0))
            }
            _ => Verdict::Pass,
        }
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
