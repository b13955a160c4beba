//! RED — drops (or marks) packets early as a queue fills: Random Early
//! Detection.
//!
//! ## Synopsis
//! `RED(MIN_THRESH, MAX_THRESH, MAX_P, keywords QUEUES, STABILITY, GENTLE)`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; agnostic/push.
//!
//! ## Description
//! Keeps an average of the length of the QUEUES it watches (an EWMA with
//! weight 2^-STABILITY per packet, decaying while the queues are empty)
//! and, per packet (pushed or pulled through it):
//! - below MIN_THRESH, passes it;
//! - between MIN_THRESH and MAX_THRESH, drops it with a probability
//!   growing linearly to MAX_P, spread out by counting packets since the
//!   last drop (Floyd and Jacobson's algorithm);
//! - with GENTLE (the default), between MAX_THRESH and twice it, with a
//!   probability growing from MAX_P to 1; above, always.
//!
//! "Dropped" packets go to output 1 if it is connected (put `MarkIPCE`
//! there to mark ECN instead of dropping), else are dropped (reason
//! `red`).
//!
//! ## Arguments
//! - `MIN_THRESH`, `MAX_THRESH`: average queue lengths, in packets.
//! - `MAX_P`: a probability, 0 to 1.
//! - `QUEUES`: the names of the queues (`Queue`, `FrontDropQueue`,
//!   `SimpleQueue`) to watch, space separated; their lengths are added.
//! - `STABILITY` (default 4, 0 to 16): the averaging weight's exponent
//!   (0: the instantaneous length).
//! - `GENTLE` (default true).
//!
//! ## Handlers
//! - `drops` (read), `avg_queue_size` (read), `min_thresh`, `max_thresh`,
//!   `max_p` (read).
//!
//! ## Differences from Click
//! - QUEUES is required: Switchyard does not search the graph for the
//!   nearest queues as Click does.
//! - The average is kept in floating point, so values differ in the last
//!   digits from Click's fixed point.
//!
//! ## Example
//! ```text
//! r :: RED(5, 50, 0.02, QUEUES q) -> q :: Queue(200) -> ToDevice(eth0);
//! r[1] -> MarkIPCE(FORCE false) -> q;
//! ```

use std::sync::Arc;
use std::sync::atomic::Ordering;

use clickconf::args::Args;
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    InitContext, Output, TaskContext,
};
use packet::{Packet, PacketBatch};

use crate::standard::queue::QueueLength;

pub const SPEC: ElementSpec = ElementSpec {
    class: "RED",
    ports: "1/1-2",
    processing: "a/ah",
    source: include_str!("red.rs"),
    drop_reasons: &["red"],
    handlers: &[
        HandlerSpec::read("drops", "packets dropped or sent to output 1"),
        HandlerSpec::read("avg_queue_size", "the average queue length"),
        HandlerSpec::read("min_thresh", "MIN_THRESH"),
        HandlerSpec::read("max_thresh", "MAX_THRESH"),
        HandlerSpec::read("max_p", "MAX_P"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

/// Idle decay: the average decays as if one empty packet arrived every
/// 20 ms of idleness (Click's jiffies / (HZ / 50)).
const IDLE_TICK_NS: u64 = 20_000_000;

struct Red {
    min: f64,
    max: f64,
    max_p: f64,
    gentle: bool,
    weight: f64,
    names: Vec<String>,
    queues: Vec<Arc<QueueLength>>,
    avg: f64,
    count: i64,
    random: f64,
    rng: u64,
    idle_since: Option<u64>,
    drops: u64,
    reject: Option<usize>,
    clock: Arc<dyn Clock>,
    /// Packets pulled, before the verdicts (kept to avoid allocating).
    pulled: PacketBatch,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let min = f64::from(args.read_mp::<u32>("MIN_THRESH")?);
    let max = f64::from(args.read_mp::<u32>("MAX_THRESH")?);
    let max_p = args.read_mp::<f64>("MAX_P")?;
    let queues = args.read::<String>("QUEUES")?;
    let stability = args.read::<u32>("STABILITY")?.unwrap_or(4);
    let gentle = args.read::<bool>("GENTLE")?.unwrap_or(true);
    if min > max {
        return Err(ConfigError::msg("MIN_THRESH must not exceed MAX_THRESH"));
    }
    if !(0.0..=1.0).contains(&max_p) {
        return Err(ConfigError::msg("MAX_P must be between 0 and 1"));
    }
    if stability > 16 {
        return Err(ConfigError::msg("STABILITY must be between 0 and 16"));
    }
    let names: Vec<String> = queues
        .ok_or_else(|| {
            ConfigError::msg("QUEUES is required: name the queues whose length RED watches")
        })?
        .split_ascii_whitespace()
        .map(String::from)
        .collect();
    let seed = cx.clock.monotonic_ns() | 1;
    Ok(Box::new(Red {
        min,
        max,
        max_p,
        gentle,
        weight: 1.0 / f64::from(1u32 << stability),
        names,
        queues: Vec::new(),
        avg: 0.0,
        count: -1,
        random: 0.5,
        rng: seed,
        idle_since: None,
        drops: 0,
        reject: (cx.noutputs > 1).then_some(1),
        clock: cx.clock.clone(),
        pulled: PacketBatch::new(),
    }))
}

impl Red {
    fn uniform(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    fn should_drop(&mut self) -> bool {
        let len: usize = self
            .queues
            .iter()
            .map(|q| q.0.load(Ordering::Relaxed))
            .sum();
        if self.weight >= 1.0 {
            self.avg = len as f64;
        } else if len > 0 {
            self.avg += (len as f64 - self.avg) * self.weight;
            self.idle_since = None;
        } else {
            let now = self.clock.monotonic_ns();
            let ticks = match self.idle_since {
                Some(since) => now.saturating_sub(since) / IDLE_TICK_NS,
                None => 1,
            };
            if ticks > 0 {
                self.avg *= (1.0 - self.weight).powi(ticks.min(1 << 20) as i32);
                self.idle_since = Some(now);
            }
        }
        let kill = if self.gentle {
            2.0 * self.max
        } else {
            self.max
        };
        if self.avg <= self.min {
            self.count = -1;
            return false;
        }
        if self.avg > kill {
            self.count = -1;
            return true;
        }
        let p_b = if self.avg <= self.max {
            self.max_p * (self.avg - self.min) / (self.max - self.min).max(f64::MIN_POSITIVE)
        } else {
            self.max_p + (1.0 - self.max_p) * (self.avg - self.max) / self.max.max(1.0)
        };
        self.count += 1;
        if self.count > 0 && p_b > 0.0 && self.count as f64 > self.random / p_b {
            self.count = 0;
            self.random = self.uniform();
            return true;
        }
        if self.count == 0 {
            self.random = self.uniform();
        }
        false
    }

    fn reject(&mut self, p: Packet, out: &mut Output) {
        self.drops += 1;
        match self.reject {
            Some(port) => out.emit(port, p),
            None => out.drop(p, DropReason(0)),
        }
    }
}

impl Element for Red {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        for name in &self.names {
            let q = cx.shared().lookup::<QueueLength>(name).ok_or_else(|| {
                ConfigError::msg(format!("QUEUES: '{name}' is not a queue element"))
            })?;
            self.queues.push(q);
        }
        Ok(())
    }

    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        for p in batch.drain() {
            if self.should_drop() {
                self.reject(p, out);
            } else {
                out.emit(0, p);
            }
        }
    }

    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        out: &mut Output,
    ) {
        let mut pulled = std::mem::take(&mut self.pulled);
        cx.pull_input(0, max, &mut pulled);
        for p in pulled.drain() {
            if self.should_drop() {
                self.reject(p, out);
            } else {
                into.push(p);
            }
        }
        self.pulled = pulled;
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "drops" => Ok(self.drops.to_string()),
            "avg_queue_size" => Ok(format!("{:.3}", self.avg)),
            "min_thresh" => Ok(self.min.to_string()),
            "max_thresh" => Ok(self.max.to_string()),
            "max_p" => Ok(self.max_p.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use packet::{Packet, PacketBatch};

    fn run(thresholds: &str, backlog: usize) -> (u64, u64) {
        let reg = crate::registry();
        let text = format!(
            "Idle -> r :: RED({thresholds}, QUEUES q) -> q :: Queue(100000) -> Discard; r[1] -> marked :: Counter -> Discard"
        );
        let r = engine::Router::from_text("t", &text, &reg).unwrap();
        let red = r.find("r").unwrap();
        let mut st = r.stepper();
        let mut total = 0;
        while total < backlog {
            let mut b = PacketBatch::new();
            for _ in 0..100 {
                b.push(Packet::from_slice(&[0u8; 60]).unwrap());
            }
            total += 100;
            st.inject(red, 0, b);
        }
        let drops: u64 = r.read_handler("r.drops").unwrap().parse().unwrap();
        let marked: u64 = r.read_handler("marked.count").unwrap().parse().unwrap();
        (drops, marked)
    }

    #[test]
    fn no_drops_below_min_all_past_twice_max() {
        // The queue is never pulled, so it grows with every packet.
        let (drops, marked) = run("1000, 2000, 0.1", 900);
        assert_eq!((drops, marked), (0, 0), "average stays below MIN_THRESH");
        let (drops, _) = run("5, 10, 0.1", 5000);
        assert!(
            drops > 4000,
            "far above 2 x MAX_THRESH nearly all go: {drops}"
        );
        let (drops, marked) = run("50, 400, 0.1", 1200);
        assert_eq!(drops, marked, "early drops go to output 1");
        assert!(drops > 0 && drops < 600, "some early drops: {drops}");
    }

    #[test]
    fn queues_must_exist() {
        let reg = crate::registry();
        let e =
            engine::Router::from_text("t", "Idle -> RED(5, 10, 0.1, QUEUES nope) -> Discard", &reg)
                .unwrap_err()
                .render();
        assert!(e.contains("'nope' is not a queue element"), "{e}");
        assert!(
            engine::Router::from_text("t", "Idle -> RED(5, 10, 0.1) -> Discard", &reg).is_err()
        );
    }
}
