//! AverageCounter — counts packets and bytes and their average rates.
//!
//! ## Synopsis
//! `AverageCounter([IGNORE])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Passes packets unchanged, counting them and their bytes. The rates are
//! strict averages over the time from the first packet to the most recent
//! one, measured in Click's millisecond ticks: a run shorter than a tick
//! counts as one tick.
//!
//! ## Arguments
//! - `IGNORE` (integer seconds, default 0): packets in the first IGNORE
//!   seconds after the first packet are not counted, and that time is left
//!   out of the rates.
//!
//! ## Handlers
//! - `count` (read): packets counted.
//! - `byte_count` (read): bytes counted.
//! - `rate` (read): packets per second, printed like C's `%.12g`.
//! - `byte_rate` (read): bytes per second, likewise.
//! - `reset` (write): zero the counts and restart the averaging.
//!
//! ## Differences from Click
//! Counts are 64-bit, so they do not wrap at 2^32 as Click's do.
//!
//! ## Example
//! ```text
//! FromDump(in.pcap) -> ac :: AverageCounter -> Discard;  // then read ac.rate
//! ```

use std::sync::Arc;

use clickconf::args::Args;
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "AverageCounter",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("averagecounter.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read("count", "packets counted"),
        HandlerSpec::read("byte_count", "bytes counted"),
        HandlerSpec::read("rate", "packets per second since the first packet"),
        HandlerSpec::read("byte_rate", "bytes per second since the first packet"),
        HandlerSpec::write("reset", "zero the counts and rates"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

/// Click's tick: one millisecond.
const NS_PER_TICK: u64 = 1_000_000;
const TICKS_PER_SEC: u32 = 1000;

pub struct AverageCounter {
    count: u64,
    bytes: u64,
    /// Tick of the first packet since the last reset.
    first: Option<u32>,
    /// Tick of the most recent packet.
    last: u32,
    /// IGNORE in ticks.
    ignore: u32,
    clock: Arc<dyn Clock>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let ignore = args.read_p::<u32>("IGNORE")?.unwrap_or(0);
    Ok(Simple::boxed(AverageCounter {
        count: 0,
        bytes: 0,
        first: None,
        last: 0,
        ignore: ignore.wrapping_mul(TICKS_PER_SEC),
        clock: cx.clock.clone(),
    }))
}

/// Formats like C's `printf("%.12g", x)`.
pub(crate) fn format_g12(x: f64) -> String {
    const PRECISION: i32 = 12;
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".to_string()
        } else if x > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        };
    }
    // The exponent after rounding to PRECISION significant digits.
    let sci = format!("{:.*e}", (PRECISION - 1) as usize, x);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..PRECISION).contains(&exp) {
        let mantissa = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (PRECISION - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

impl AverageCounter {
    fn tick(&self) -> u32 {
        (self.clock.monotonic_ns() / NS_PER_TICK) as u32
    }

    fn rate(&self, amount: u64) -> String {
        let Some(first) = self.first else {
            return "0".to_string();
        };
        // Click's unsigned tick arithmetic, wrap-around included.
        let d = self
            .last
            .wrapping_sub(first)
            .wrapping_sub(self.ignore)
            .max(1);
        format_g12(amount as f64 * TICKS_PER_SEC as f64 / d as f64)
    }
}

impl SimpleAction for AverageCounter {
    #[inline]
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let now = self.tick();
        let first = *self.first.get_or_insert(now);
        if now.wrapping_sub(first) >= self.ignore {
            self.count += 1;
            self.bytes += packet.len() as u64;
        }
        self.last = now;
        Verdict::Pass
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "count" => Ok(self.count.to_string()),
            "byte_count" => Ok(self.bytes.to_string()),
            "rate" => Ok(self.rate(self.count)),
            "byte_rate" => Ok(self.rate(self.bytes)),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, _value: &str) -> Result<(), HandlerError> {
        match name {
            "reset" => {
                self.count = 0;
                self.bytes = 0;
                self.first = None;
                self.last = 0;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standard::null::harness::Harness;

    #[test]
    fn g12_matches_printf() {
        assert_eq!(format_g12(0.0), "0");
        assert_eq!(format_g12(5000.0), "5000");
        assert_eq!(format_g12(2.5), "2.5");
        assert_eq!(format_g12(1.0 / 3.0), "0.333333333333");
        assert_eq!(format_g12(2000.0 / 3.0), "666.666666667");
        assert_eq!(format_g12(1e12), "1e+12");
        assert_eq!(format_g12(123456789012.0), "123456789012");
        assert_eq!(format_g12(0.0001), "0.0001");
        assert_eq!(format_g12(0.00001234), "1.234e-05");
        assert_eq!(format_g12(999999999999.9), "1e+12");
    }

    const MS: u64 = 1_000_000;

    #[test]
    fn counts_and_rates() {
        let h = Harness::new("Idle -> ac :: AverageCounter -> c :: Collect;");
        assert_eq!(h.read("ac.rate"), "0");
        h.clock.advance(10 * MS);
        h.inject("ac", 0, &[&[0; 60], &[0; 40]]);
        // Both in the same tick: the span counts as one tick.
        assert_eq!(h.read("ac.count"), "2");
        assert_eq!(h.read("ac.byte_count"), "100");
        assert_eq!(h.read("ac.rate"), "2000");
        h.clock.advance(300 * MS);
        h.inject("ac", 0, &[&[0; 50]]);
        assert_eq!(h.read("ac.rate"), "10");
        assert_eq!(h.read("ac.byte_rate"), "500");
        h.write("ac.reset", "").unwrap();
        assert_eq!(h.read("ac.count"), "0");
        assert_eq!(h.read("ac.rate"), "0");
        assert_eq!(h.read("c.count"), "3");
    }

    #[test]
    fn ignore_skips_the_first_seconds() {
        let h = Harness::new("Idle -> ac :: AverageCounter(1) -> Discard;");
        h.inject("ac", 0, &[b"x"]);
        h.clock.advance(999 * MS);
        h.inject("ac", 0, &[b"x"]);
        assert_eq!(h.read("ac.count"), "0");
        h.clock.advance(MS);
        h.inject("ac", 0, &[b"xy"]);
        h.clock.advance(500 * MS);
        h.inject("ac", 0, &[b"xy"]);
        assert_eq!(h.read("ac.count"), "2");
        assert_eq!(h.read("ac.byte_count"), "4");
        assert_eq!(h.read("ac.rate"), "4");
    }
}
