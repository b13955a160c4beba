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
//! ## Handlers
//! - `ecn` (read/write): the ECN argument, as written.
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
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "SetIPECN",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("setipecn.rs"),
    drop_reasons: &["no_ip_header"],
    handlers: &[HandlerSpec::read_write("ecn", "the ECN value set")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct SetIPECN {
    ecn: u8,
    text: String,
}

/// Click's ECN names: `0`-`3`, `no`/`-`, `ect1`/`ECT(1)`, `ect2`/`ECT(0)`,
/// `ce`/`CE`.
fn parse(text: &str) -> Result<u8, String> {
    Ok(match text {
        "0" | "no" | "-" => 0,
        "1" | "ect1" | "ECT(1)" => 1,
        "2" | "ect2" | "ECT(0)" => 2,
        "3" | "ce" | "CE" => 3,
        other => return Err(format!("bad ECN argument '{other}'")),
    })
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let text = args.read_mp::<String>("ECN")?;
    let ecn = parse(&text).map_err(ConfigError::msg)?;
    Ok(Simple::boxed(SetIPECN { ecn, text }))
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
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "ecn" => Ok(self.text.clone()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "ecn" => {
                let text = value.trim();
                self.ecn = parse(text).map_err(HandlerError::BadValue)?;
                self.text = text.to_string();
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
