//! HashSwitch — spreads packets over outputs by a hash of some bytes.
//!
//! ## Synopsis
//! `HashSwitch(OFFSET, LENGTH)`
//!
//! ## Ports
//! 1 input, 1 or more outputs; push.
//!
//! ## Description
//! Sums the LENGTH bytes at OFFSET from the start of the packet data and
//! sends the packet to output `sum mod N` (N outputs); with 2, 4 or 8
//! outputs, to `(sum ^ (sum >> 4)) & (N - 1)`, as Click does. Packets too
//! short go to output 0. Because the sum does not depend on the order of
//! the bytes, hashing the addresses and ports of IPv4 TCP/UDP packets
//! (e.g. `HashSwitch(26, 12)` on Ethernet frames without options) sends
//! both directions of a flow, and every packet of it, to the same output.
//!
//! ## Arguments
//! - `OFFSET`: where the hashed bytes start.
//! - `LENGTH`: how many bytes (at least 1).
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! hs :: HashSwitch(26, 12);   // Ethernet frames: IPv4 addresses and ports
//! hs[0] -> ...; hs[1] -> ...;
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "HashSwitch",
    ports: "1/1-",
    processing: "h/h",
    source: include_str!("hashswitch.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct HashSwitch {
    offset: usize,
    length: usize,
    outputs: usize,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let offset = args.read_mp::<u32>("OFFSET")? as usize;
    let length = args.read_mp::<u32>("LENGTH")? as usize;
    if length == 0 {
        return Err(ConfigError::msg("LENGTH must be at least 1"));
    }
    Ok(Simple::boxed(HashSwitch {
        offset,
        length,
        outputs: cx.noutputs.max(1),
    }))
}

impl SimpleAction for HashSwitch {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let Some(bytes) = packet.data().get(self.offset..self.offset + self.length) else {
            return Verdict::Out(0);
        };
        let d: u32 = bytes.iter().map(|&b| u32::from(b)).sum();
        let n = self.outputs as u32;
        let port = if matches!(n, 2 | 4 | 8) {
            (d ^ (d >> 4)) & (n - 1)
        } else {
            d % n
        };
        Verdict::Out(port as usize)
    }
}
