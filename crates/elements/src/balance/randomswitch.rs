//! RandomSwitch — sends each packet to an output chosen at random.
//!
//! ## Synopsis
//! `RandomSwitch`
//!
//! ## Ports
//! 1 input, 1 or more outputs; push.
//!
//! ## Description
//! Each packet goes to one of the outputs, each equally likely (a fast
//! non-cryptographic generator).
//!
//! ## Differences from Click
//! - The sequence of choices differs from Click's generator.
//!
//! ## Example
//! ```text
//! rs :: RandomSwitch; rs[0] -> ...; rs[1] -> ...;
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "RandomSwitch",
    ports: "1/1-",
    processing: "h/h",
    source: include_str!("randomswitch.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct RandomSwitch {
    state: u64,
    outputs: u64,
}

fn make(_args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let seed = cx.clock.monotonic_ns() | 1;
    Ok(Simple::boxed(RandomSwitch {
        state: seed,
        outputs: cx.noutputs.max(1) as u64,
    }))
}

impl SimpleAction for RandomSwitch {
    #[inline]
    fn action(&mut self, _packet: &mut Packet) -> Verdict {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        // Multiply-shift maps the 64-bit value onto 0..outputs evenly.
        Verdict::Out(((u128::from(x) * u128::from(self.outputs)) >> 64) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_spread_evenly() {
        let mut s = RandomSwitch {
            state: 12345,
            outputs: 4,
        };
        let mut counts = [0u32; 4];
        let mut p = Packet::from_slice(&[0u8; 60]).unwrap();
        for _ in 0..40_000 {
            let Verdict::Out(i) = s.action(&mut p) else {
                panic!("RandomSwitch always picks an output")
            };
            counts[i] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
    }
}
