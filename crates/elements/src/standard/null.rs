//! Null — passes packets unchanged.
//!
//! ## Synopsis
//! `Null`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! Emits every input packet unchanged. Useful as a placeholder that gives a
//! junction a name, and for measuring the cost of an element hop.
//!
//! ## Handlers
//! None beyond the generic ones.
//!
//! ## Differences from Click
//! None known.
//!
//! ## Example
//! ```text
//! join :: Null;
//! src0 -> join;  src1 -> join;
//! join -> Discard;
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec, Simple, SimpleAction, Verdict};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "Null",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("null.rs"),
    drop_reasons: &[],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

pub struct Null;

fn make(_args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    Ok(Simple::boxed(Null))
}

impl SimpleAction for Null {
    #[inline]
    fn action(&mut self, _packet: &mut Packet) -> Verdict {
        Verdict::Pass
    }
}

/// A router on a manual clock plus a packet-recording sink, for the unit
/// tests of the standard elements (sources, schedulers and switches need a
/// running router to be tested).
#[cfg(test)]
pub(crate) mod harness {
    use std::any::Any;
    use std::fmt::Write as _;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    use clickconf::args::Args;
    use engine::{
        BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, ManualClock,
        Output, Router,
    };
    use packet::{Packet, PacketBatch, Timestamp};

    /// `Collect` — a sink that remembers every packet as a line
    /// `<hex bytes> p<paint>`, readable through its `log` handler.
    pub const COLLECT: ElementSpec = ElementSpec {
        class: "Collect",
        ports: "1/0",
        processing: "h/h",
        source: "//! Collect — test sink.\n",
        drop_reasons: &[],
        handlers: &[
            HandlerSpec::read("log", "one line per packet"),
            HandlerSpec::read("count", "packets received"),
        ],
        configure_phase: engine::spec::ConfigurePhase::Default,
        make: make_collect,
    };

    struct Collect {
        log: String,
        count: u64,
    }

    fn make_collect(_args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
        Ok(Box::new(Collect {
            log: String::new(),
            count: 0,
        }))
    }

    impl Element for Collect {
        fn push(&mut self, _port: usize, batch: &mut PacketBatch, _out: &mut Output) {
            for p in batch.drain() {
                self.count += 1;
                for b in p.data() {
                    let _ = write!(self.log, "{b:02x}");
                }
                let _ = writeln!(self.log, " p{}", p.anno().paint());
            }
        }
        fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
            match name {
                "log" => Ok(self.log.clone()),
                "count" => Ok(self.count.to_string()),
                _ => Err(HandlerError::NoSuchHandler(name.into())),
            }
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    pub struct Harness {
        pub router: Router,
        pub clock: Arc<ManualClock>,
    }

    impl Harness {
        /// Builds `config`, panicking with the rendered diagnostics if it fails.
        pub fn new(config: &str) -> Harness {
            Harness::try_new(config).unwrap_or_else(|e| panic!("{e}"))
        }

        /// Builds `config` on a manual clock at monotonic zero.
        pub fn try_new(config: &str) -> Result<Harness, String> {
            let mut registry = crate::registry();
            registry.add(COLLECT).map_err(|e| e.to_string())?;
            let graph =
                clickconf::load("test.click", config, &registry).map_err(|(sources, diags)| {
                    diags
                        .iter()
                        .map(|d| d.render(&sources))
                        .collect::<Vec<_>>()
                        .join("\n")
                })?;
            let clock = Arc::new(ManualClock::new(Timestamp::new(1_000_000_000, 0)));
            let router =
                Router::with_clock(graph, &registry, clock.clone()).map_err(|e| e.render())?;
            Ok(Harness { router, clock })
        }

        pub fn read(&self, handler: &str) -> String {
            self.router
                .read_handler(handler)
                .unwrap_or_else(|e| panic!("{handler}: {e}"))
        }

        pub fn write(&self, handler: &str, value: &str) -> Result<(), HandlerError> {
            self.router.write_handler(handler, value)
        }

        pub fn stopped(&self) -> bool {
            self.router.stop_handle().load(Ordering::Relaxed)
        }

        /// Pushes packets holding `datas` into input `port` of `element`.
        pub fn inject(&self, element: &str, port: usize, datas: &[&[u8]]) {
            let mut batch = PacketBatch::new();
            for d in datas {
                batch.push(Packet::from_slice(d).expect("test packet fits"));
            }
            self.inject_batch(element, port, batch);
        }

        pub fn inject_batch(&self, element: &str, port: usize, batch: PacketBatch) {
            let eid = self
                .router
                .find(element)
                .unwrap_or_else(|| panic!("no element {element}"));
            self.router.inject(eid, port, batch);
        }

        /// Packets dropped by `element`, by its declared reasons.
        pub fn drops(&self, element: &str) -> Vec<u64> {
            let eid = self.router.find(element).expect("element exists");
            self.router.stats(eid).drops
        }
    }
}

#[cfg(test)]
mod tests {
    use super::harness::Harness;

    #[test]
    fn passes_packets_unchanged() {
        let h = Harness::new("Idle -> n :: Null -> c :: Collect;");
        h.inject("n", 0, &[b"\x01\x02", b"\x03"]);
        assert_eq!(h.read("c.log"), "0102 p0\n03 p0\n");
    }

    #[test]
    fn works_in_pull_mode() {
        let h = Harness::new("Idle -> q :: Queue -> n :: Null -> u :: Unqueue -> c :: Collect;");
        h.inject("q", 0, &[b"\xaa"]);
        h.router.stepper().step();
        assert_eq!(h.read("c.log"), "aa p0\n");
    }
}
