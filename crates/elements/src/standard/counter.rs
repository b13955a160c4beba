//! Counter — counts packets and bytes passing through.
//!
//! ## Synopsis
//! `Counter()`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Passes packets unchanged, counting them and their bytes, and estimates
//! the recent packet and byte rates.
//!
//! ## Handlers
//! - `count` (read): packets counted.
//! - `byte_count` (read): bytes counted.
//! - `rate` (read): packets per second, averaged since the first packet.
//! - `byte_rate` (read): bytes per second, likewise.
//! - `bit_rate` (read): bits per second, likewise.
//! - `reset`, `reset_counts` (write): zero the counts and rates.
//!
//! ## Differences from Click
//! Rates are averages from the first packet counted to the last (Click uses
//! an exponentially weighted average over recent seconds). The keywords
//! COUNT_CALL and BYTE_COUNT_CALL are not supported.
//!
//! ## Example
//! ```text
//! FromDump(in.pcap) -> c :: Counter -> Discard;   // then read c.count
//! ```

use std::sync::Arc;

use clickconf::args::Args;
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Counter",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("counter.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read("count", "packets counted"),
        HandlerSpec::read("byte_count", "bytes counted"),
        HandlerSpec::read("rate", "packets per second"),
        HandlerSpec::read("byte_rate", "bytes per second"),
        HandlerSpec::read("bit_rate", "bits per second"),
        HandlerSpec::write("reset", "zero the counts"),
        HandlerSpec::write("reset_counts", "zero the counts"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub struct Counter {
    count: u64,
    bytes: u64,
    clock: Arc<dyn Clock>,
    first_ns: Option<u64>,
}

fn make(_args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(Counter {
        count: 0,
        bytes: 0,
        clock: cx.clock.clone(),
        first_ns: None,
    }))
}

impl Counter {
    fn per_second(&self, amount: u64) -> f64 {
        let Some(first) = self.first_ns else {
            return 0.0;
        };
        let elapsed = self.clock.monotonic_ns().saturating_sub(first);
        if elapsed == 0 {
            return 0.0;
        }
        amount as f64 * 1e9 / elapsed as f64
    }
}

impl SimpleAction for Counter {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        if self.count == 0 {
            self.first_ns = Some(self.clock.monotonic_ns());
        }
        self.count += 1;
        self.bytes += packet.len() as u64;
        Verdict::Pass
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "byte_count" => Ok(self.bytes.to_string()),
            "rate" => Ok(format!("{:.0}", self.per_second(self.count))),
            "byte_rate" => Ok(format!("{:.0}", self.per_second(self.bytes))),
            "bit_rate" => Ok(format!("{:.0}", self.per_second(self.bytes * 8))),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, _value: &str) -> Result<(), HandlerError> {
        match name {
            "reset" | "reset_counts" => {
                self.count = 0;
                self.bytes = 0;
                self.first_ns = None;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
