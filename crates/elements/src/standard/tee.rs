//! Tee — sends a copy of each packet out of every output.
//!
//! ## Synopsis
//! `Tee([N])`
//!
//! ## Ports
//! 1 input, push; 1 or more outputs, push.
//!
//! ## Description
//! Sends every packet it receives out of each of its outputs: copies to all
//! outputs but the last, the original to the last. Each copy is a distinct
//! packet with its own bytes and annotations.
//!
//! ## Arguments
//! - `N` (integer, optional): the number of outputs expected; an error if
//!   the configuration connects a different number.
//!
//! ## Handlers
//! None beyond the generic ones.
//!
//! ## Differences from Click
//! Packets move in batches: a whole batch leaves output 0 before its copies
//! leave output 1, so two outputs that meet downstream see the packets in
//! a different interleaving than under Click (which sends each packet to
//! every output before the next packet). Each copy costs a pool buffer and
//! a copy of the bytes (Click shares one buffer between clones).
//!
//! ## Example
//! ```text
//! FromDevice(eth0) -> t :: Tee;  t[0] -> Queue -> ToDevice(eth1);  t[1] -> ToDump(copy.pcap);
//! ```

use std::any::Any;

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Output};
use packet::PacketBatch;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Tee",
    ports: "1/1-",
    processing: "h/h",
    source: include_str!("tee.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub struct Tee {
    noutputs: usize,
}

/// Checks Click's optional N argument against the connected outputs.
pub(crate) fn check_arms(args: &mut Args, noutputs: usize) -> Result<(), ConfigError> {
    if let Some(n) = args.read_p::<u32>("N")?
        && n as usize != noutputs
    {
        return Err(ConfigError::msg(format!(
            "N is {n}, but {noutputs} output{} connected",
            if noutputs == 1 { " is" } else { "s are" }
        )));
    }
    Ok(())
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    check_arms(args, cx.noutputs)?;
    Ok(Box::new(Tee {
        noutputs: cx.noutputs.max(1),
    }))
}

impl Element for Tee {
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let last = self.noutputs - 1;
        for port in 0..last {
            for p in batch.iter() {
                out.emit(port, p.duplicate());
            }
        }
        out.forward(last, batch);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::standard::null::harness::Harness;

    #[test]
    fn copies_to_every_output() {
        let h = Harness::new(
            "Idle -> t :: Tee; t[0] -> a :: Collect; t[1] -> b :: Collect; t[2] -> Paint(3) -> c :: Collect;",
        );
        h.inject("t", 0, &[b"\x01", b"\x02"]);
        assert_eq!(h.read("a.log"), "01 p0\n02 p0\n");
        assert_eq!(h.read("b.log"), "01 p0\n02 p0\n");
        assert_eq!(h.read("c.log"), "01 p3\n02 p3\n");
    }

    #[test]
    fn copies_are_independent() {
        let h = Harness::new(
            "Idle -> t :: Tee(2); t[0] -> Paint(9) -> a :: Collect; t[1] -> b :: Collect;",
        );
        h.inject("t", 0, &[b"\x05"]);
        assert_eq!(h.read("a.log"), "05 p9\n");
        assert_eq!(h.read("b.log"), "05 p0\n");
    }

    #[test]
    fn n_must_match() {
        let err = Harness::try_new("Idle -> t :: Tee(3); t[0] -> Discard; t[1] -> Discard;").err();
        assert!(err.is_some_and(|e| e.contains("N is 3")));
    }
}
