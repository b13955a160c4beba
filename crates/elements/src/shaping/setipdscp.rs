//! SetIPDSCP — sets the DSCP field of IP packets.
//!
//! ## Synopsis
//! `SetIPDSCP(DSCP)`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Sets the Differentiated Services code point (the upper six bits of the
//! TOS byte) of the IP header at the network header annotation to DSCP,
//! keeping the ECN bits, and updates the checksum. Packets without an IP
//! header are dropped (reason `no_ip_header`).
//!
//! ## Arguments
//! - `DSCP`: 0 to 63.
//!
//! ## Handlers
//! - `dscp` (read/write): the DSCP argument, as written.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! IPClassifier(udp port 5060, -)[0] -> SetIPDSCP(46) -> ...   // EF for SIP
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "SetIPDSCP",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("setipdscp.rs"),
    drop_reasons: &["no_ip_header"],
    handlers: &[HandlerSpec::read_write("dscp", "the code point set")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct SetIPDSCP {
    dscp: u8,
    text: String,
}

fn parse(v: u32) -> Result<u8, String> {
    u8::try_from(v)
        .ok()
        .filter(|&d| d < 64)
        .ok_or_else(|| format!("DSCP {v} out of range (0 to 63)"))
}

/// An unsigned integer as Click reads one (decimal, `0x` hex, `0` octal).
fn parse_text(text: &str) -> Result<u8, String> {
    let v =
        <u32 as clickconf::args::ArgValue>::parse_arg(text).map_err(|e| format!("DSCP: {e}"))?;
    parse(v)
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let text = args.read_mp::<String>("DSCP")?;
    let dscp = parse_text(&text).map_err(ConfigError::msg)?;
    Ok(Simple::boxed(SetIPDSCP { dscp, text }))
}

impl SimpleAction for SetIPDSCP {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        if super::set_tos(packet, 0xfc, self.dscp << 2) {
            Verdict::Pass
        } else {
            Verdict::Drop(DropReason(0))
        }
    }
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "dscp" => Ok(self.text.clone()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "dscp" => {
                let text = value.trim();
                self.dscp = parse_text(text).map_err(HandlerError::BadValue)?;
                self.text = text.to_string();
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
