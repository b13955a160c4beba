//! SetTimestamp — stores a time in each packet's timestamp annotation.
//!
//! ## Synopsis
//! `SetTimestamp([TIMESTAMP, keyword FIRST])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Sets every packet's timestamp annotation to TIMESTAMP (seconds since
//! the epoch, with a fraction), or, without TIMESTAMP, to the current
//! time. Useful to make captures of elements that stamp their packets
//! with the current time (`ICMPError`, `ARPResponder`,
//! `ICMPPingResponder`) reproducible.
//!
//! ## Arguments
//! - `TIMESTAMP`: the time to store.
//! - `FIRST` (default false): Click sets the "first timestamp" annotation
//!   instead; not supported here (an error when true).
//!
//! ## Differences from Click
//! - `FIRST true` is refused: packets here have no first-timestamp
//!   annotation.
//!
//! ## Example
//! ```text
//! ... -> ICMPError(10.0.0.1, timeexceeded) -> SetTimestamp(1700000000) -> ToDump(errors.pcap);
//! ```

use std::sync::Arc;

use clickconf::args::{Args, Seconds};
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict,
};
use packet::{Packet, Timestamp};

pub const SPEC: ElementSpec = ElementSpec {
    class: "SetTimestamp",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("settimestamp.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct SetTimestamp {
    fixed: Option<Timestamp>,
    clock: Arc<dyn Clock>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let fixed = args
        .read_p::<Seconds>("TIMESTAMP")?
        .map(|s| Timestamp(s.0.as_nanos().min(u128::from(u64::MAX)) as u64));
    if args.read::<bool>("FIRST")?.unwrap_or(false) {
        return Err(ConfigError::msg(
            "FIRST: the first-timestamp annotation is not supported",
        ));
    }
    if args.read::<bool>("DELTA")?.is_some() {
        return Err(ConfigError::msg(
            "SetTimestamp(DELTA) is deprecated, use SetTimestampDelta(TYPE FIRST)",
        ));
    }
    Ok(Simple::boxed(SetTimestamp {
        fixed,
        clock: cx.clock.clone(),
    }))
}

impl SimpleAction for SetTimestamp {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        packet.anno_mut().timestamp = match self.fixed {
            Some(t) => t,
            None => self.clock.wall(),
        };
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_and_current_times() {
        let cx = BuildContext::standalone("t", 1, 1);
        let mut args = Args::new("1700000000.25");
        let mut e = make(&mut args, &cx).unwrap();
        args.complete().unwrap();
        let mut batch = packet::PacketBatch::new();
        batch.push(Packet::from_slice(&[0u8; 20]).unwrap());
        let mut out = engine::Output::new(1, 0);
        e.push(0, &mut batch, &mut out);
        let p = out.batch(0).unwrap().drain().next().unwrap();
        assert_eq!(
            p.anno().timestamp,
            Timestamp::new(1_700_000_000, 250_000_000)
        );
        assert!(make(&mut Args::new("FIRST true"), &cx).is_err());
        assert!(make(&mut Args::new("nonsense"), &cx).is_err());
    }
}
