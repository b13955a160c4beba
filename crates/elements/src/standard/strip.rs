//! Strip — removes bytes from the front of each packet.
//!
//! ## Synopsis
//! `Strip(LENGTH)`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Deletes the first LENGTH bytes of every packet; a shorter packet loses
//! all its bytes. The bytes stay in the buffer's headroom, so `Unstrip` can
//! put them back. Header annotations are unchanged.
//!
//! ## Arguments
//! - `LENGTH` (integer, required): bytes to remove.
//!
//! ## Handlers
//! None beyond the generic ones.
//!
//! ## Differences from Click
//! None known (Click also empties a packet shorter than LENGTH, and says so
//! on the console; Switchyard stays quiet).
//!
//! ## Example
//! ```text
//! FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> ...;
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Strip",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("strip.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub struct Strip {
    length: usize,
}

/// Reads the required LENGTH argument.
pub(crate) fn read_length(args: &mut Args) -> Result<usize, ConfigError> {
    Ok(args.read_mp::<u32>("LENGTH")? as usize)
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let length = read_length(args)?;
    Ok(Simple::boxed(Strip { length }))
}

impl SimpleAction for Strip {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let n = self.length.min(packet.len());
        // Cannot fail: n is at most the packet's length.
        let _ = packet.pull(n);
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use crate::standard::null::harness::Harness;

    #[test]
    fn strips_front_bytes() {
        let h = Harness::new("Idle -> s :: Strip(2) -> c :: Collect;");
        h.inject("s", 0, &[b"\x01\x02\x03", b"\x01\x02", b"\x01", b""]);
        assert_eq!(h.read("c.log"), "03 p0\n p0\n p0\n p0\n");
        assert!(Harness::try_new("Idle -> Strip -> Discard;").is_err());
        assert!(Harness::try_new("Idle -> Strip(-1) -> Discard;").is_err());
    }
}
