//! SetIPECN — sets the ECN field of IP packets.
//!
//! ## Synopsis
//! `SetIPECN(ECN)`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Sets the two ECN bits of the TOS byte of the IP header at the network
//! header annotation and updates the checksum. Packets without an IP
//! header are dropped (reason `no_ip_header`).
//!
//! ## Arguments
//! - `ECN`: `0`-`3`, `no` (or `-`, 0), `ect1` (or `ECT(1)`, 1), `ect2`
//!   (or `ECT(0)`, 2), `ce` (or `CE`, 3), as Click names them.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! ... -> SetIPECN(ect2) -> ...
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "SetIPECN",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("setipecn.rs"),
    drop_reasons: &["no_ip_header"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct SetIPECN {
    ecn: u8,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let text = args.read_mp::<String>("ECN")?;
    let ecn = match text.as_str() {
        "0" | "no" | "-" => 0,
        "1" | "ect1" | "ECT(1)" => 1,
        "2" | "ect2" | "ECT(0)" => 2,
        "3" | "ce" | "CE" => 3,
        other => return Err(ConfigError::msg(format!("bad ECN argument '{other}'"))),
    };
    Ok(Simple::boxed(SetIPECN { ecn }))
}

impl SimpleAction for SetIPECN {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        if super::set_tos(packet, 0x03, self.ecn) {
            Verdict::Pass
        } else {
            Verdict::Drop(DropReason(0))
        }
    }
}
