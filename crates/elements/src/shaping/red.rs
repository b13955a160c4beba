//! RED — drops (or marks) packets early as a queue fills: Random Early
//! Detection.
//!
//! ## Synopsis
//! `RED(MIN_THRESH, MAX_THRESH, MAX_P [, keywords QUEUES, STABILITY, GENTLE])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; agnostic, output 1 push.
//!
//! ## Description
//! Keeps a moving average of the total length of the queues it watches
//! and, for each packet pushed or pulled through it:
//! - with the average at or below MIN_THRESH, passes it;
//! - between MIN_THRESH and MAX_THRESH, marks it with a probability growing
//!   linearly from 0 to MAX_P, spread out by counting the packets since the
//!   last mark (Floyd and Jacobson's algorithm);
//! - with GENTLE (the default), between MAX_THRESH and twice it, with a
//!   probability growing from MAX_P to 1; above that (or above MAX_THRESH
//!   without GENTLE), always.
//!
//! Marked packets leave on output 1 if it is connected (put `MarkIPCE`
//! there to signal congestion with ECN instead of dropping), else are
//! dropped (reason `red`).
//!
//! The queues are those named by QUEUES or, by default, the nearest queues
//! (`Queue`, `SimpleQueue`, `FrontDropQueue`) downstream of a push RED or
//! upstream of a pull RED, as Click finds them. The average is Click's
//! fixed-point EWMA (10 fraction bits) with weight 2^-STABILITY per packet;
//! while the queues are empty it decays as if an empty sample arrived every
//! 20 ms.
//!
//! ## Arguments
//! - `MIN_THRESH`, `MAX_THRESH` (integers, MAX_THRESH at most 65535):
//!   average queue lengths in packets.
//! - `MAX_P` (real, 0 to 1): the mark probability at MAX_THRESH.
//! - `QUEUES`: space-separated names of the queues to watch; their lengths
//!   are added.
//! - `STABILITY` (integer 0 to 16, default 4): the weight's exponent (0:
//!   use the instantaneous length).
//! - `GENTLE` (bool, default true).
//!
//! ## Handlers
//! - `drops` (read): packets marked.
//! - `min_thresh`, `max_thresh`, `max_p` (read/write): the arguments.
//! - `avg_queue_size` (read): the average, as Click prints it.
//! - `stats` (read): current queue length, average and drops.
//! - `queues` (read): the queues watched, one per line.
//!
//! ## Differences from Click
//! - The random sequence differs from Click's, so which packets are marked
//!   between the thresholds differs (the rate is the same).
//! - Packets move in batches: a push RED counts the packets of the batch it
//!   has already passed as queued, and a pull RED the packets of its batch
//!   not yet handed on as still queued, so the lengths it sees are Click's
//!   when the queues are next to it.
//! - The graph search for queues follows every connection through the
//!   elements between (Click follows each element's declared flow).
//! - The `config` handler reads the configuration as written.
//!
//! ## Example
//! ```text
//! r :: RED(5, 50, 0.02) -> q :: Queue(200) -> ToDevice(eth0);
//! r[1] -> MarkIPCE -> q;
//! ```

use std::sync::Arc;
use std::sync::atomic::Ordering;

use clickconf::args::Args;
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    InitContext, Output, Processing, TaskContext,
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
        HandlerSpec::read_write("min_thresh", "MIN_THRESH"),
        HandlerSpec::read_write("max_thresh", "MAX_THRESH"),
        HandlerSpec::read_write("max_p", "MAX_P"),
        HandlerSpec::read("avg_queue_size", "the average queue length"),
        HandlerSpec::read("stats", "queue length, average and drops"),
        HandlerSpec::read("queues", "the queues watched"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

/// Fraction bits of the average.
const QUEUE_SCALE: u32 = 10;
/// One in MAX_P's fixed point.
const ONE: u32 = 0x10000;
/// While the queues are empty the average decays once per 20 ms (Click's
/// jiffies / (HZ / 50)).
const IDLE_TICK_NS: u64 = 20_000_000;

/// The thresholds, as configured and as used.
#[derive(Clone, Debug)]
struct Params {
    min: u32,
    max: u32,
    gentle: bool,
    /// The arguments as written, for the handlers.
    texts: [String; 3],
    kill: u32,
    c1: u32,
    c2: u32,
    g1: u32,
    g2: u32,
}

impl Params {
    fn new(
        min: u32,
        max: u32,
        max_p: u32,
        gentle: bool,
        texts: [String; 3],
    ) -> Result<Params, String> {
        if max > 0xFFFF {
            return Err("MAX_THRESH must be <= 65535".into());
        }
        if min > max {
            return Err("MIN_THRESH must be <= MAX_THRESH".into());
        }
        if max_p > ONE {
            return Err("MAX_P must be between 0 and 1".into());
        }
        let (c1, c2) = if min >= max {
            (0, 1)
        } else {
            (
                max_p / (max - min),
                (((u64::from(max_p) * u64::from(min)) / u64::from(max - min)) as u32),
            )
        };
        Ok(Params {
            min,
            max,
            gentle,
            texts,
            kill: if gentle && max_p != ONE { max * 2 } else { max },
            c1,
            c2,
            g1: (ONE - max_p).checked_div(max).unwrap_or(0),
            g2: ONE.wrapping_sub(2 * max_p),
        })
    }
}

/// Reads MAX_P as Click's 16-bit fixed point, rounded to nearest.
fn parse_max_p(text: &str) -> Result<u32, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("MAX_P: expected a real number, not '{text}'"))?;
    if !(0.0..=1.0).contains(&v) {
        return Err("MAX_P must be between 0 and 1".into());
    }
    Ok((v * f64::from(ONE) + 0.5).floor() as u32)
}

/// Click's moving average of the queue length (`DirectEWMA` with
/// `StabilityEWMAXParameters<10>`).
#[derive(Clone, Copy, Debug, Default)]
struct Average {
    scaled: u64,
    stability: u32,
}

impl Average {
    fn step(&mut self, x_scaled: u64) {
        let diff = x_scaled.wrapping_sub(self.scaled) as i64;
        self.scaled = self.scaled.wrapping_add((diff >> self.stability) as u64);
    }
    fn compensation(&self) -> u64 {
        1u64 << self.stability.saturating_sub(1)
    }
    fn update(&mut self, x: u64) {
        self.step((x << QUEUE_SCALE) + self.compensation());
    }
    fn update_zero(&mut self, n: u64) {
        if n >= 100 {
            self.scaled = 0;
        } else {
            for _ in 0..n {
                self.step(self.compensation());
            }
        }
    }
    fn unscaled(&self) -> u64 {
        (self.scaled + (1 << (QUEUE_SCALE - 1))) >> QUEUE_SCALE
    }
    fn unparse(&self) -> String {
        let frac = unparse_real2((self.scaled & ((1 << QUEUE_SCALE) - 1)) as u32, QUEUE_SCALE);
        format!("{}{}", self.scaled >> QUEUE_SCALE, &frac[1..])
    }
}

/// A fixed-point number with `bits` fraction bits in decimal, with as few
/// digits as tell it apart from its neighbours (Click's
/// `cp_unparse_real2`, after Knuth's `print_scaled`).
pub(crate) fn unparse_real2(real: u32, bits: u32) -> String {
    let mut s = (real >> bits).to_string();
    let one: u32 = 1 << bits;
    let mut real = real & (one - 1);
    if real == 0 {
        return s;
    }
    s.push('.');
    real = 10 * real + 5;
    let mut allowable: u32 = 10;
    let mut rounder: u32 = 5;
    while rounder < (one >> 1) {
        rounder *= 10;
    }
    loop {
        if allowable > one {
            real = real.wrapping_add((one >> 1).wrapping_sub(rounder));
        }
        s.push(char::from(b'0' + (real >> bits) as u8));
        real = 10 * (real & (one - 1));
        allowable = allowable.wrapping_mul(10);
        if real <= allowable {
            break;
        }
    }
    s
}

struct Red {
    params: Params,
    avg: Average,
    names: Vec<String>,
    queues: Vec<Arc<QueueLength>>,
    count: i64,
    random: i64,
    rng: u64,
    last_tick: Option<u64>,
    drops: u64,
    reject: Option<usize>,
    clock: Arc<dyn Clock>,
    /// Packets pulled, before the verdicts (kept to avoid allocating).
    pulled: PacketBatch,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let min = args.read_mp::<u32>("MIN_THRESH")?;
    let max = args.read_mp::<u32>("MAX_THRESH")?;
    let max_p_text = args.read_mp::<String>("MAX_P")?;
    let queues = args.read::<String>("QUEUES")?;
    let stability = args.read::<u32>("STABILITY")?.unwrap_or(4);
    let gentle = args.read::<bool>("GENTLE")?.unwrap_or(true);
    if stability > 16 {
        return Err(ConfigError::msg("STABILITY must be between 0 and 16"));
    }
    let max_p = parse_max_p(&max_p_text).map_err(ConfigError::msg)?;
    let params = Params::new(
        min,
        max,
        max_p,
        gentle,
        [min.to_string(), max.to_string(), max_p_text],
    )
    .map_err(ConfigError::msg)?;
    let names = queues
        .map(|q| q.split_ascii_whitespace().map(String::from).collect())
        .unwrap_or_default();
    Ok(Box::new(Red {
        params,
        avg: Average {
            scaled: 0,
            stability,
        },
        names,
        queues: Vec::new(),
        count: -1,
        random: 0,
        rng: cx.clock.monotonic_ns() | 1,
        last_tick: None,
        drops: 0,
        reject: (cx.noutputs > 1).then_some(1),
        clock: cx.clock.clone(),
        pulled: PacketBatch::new(),
    }))
}

impl Red {
    fn random16(&mut self) -> i64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        ((x >> 32) & 0xFFFF) as i64
    }

    fn queue_len(&self) -> u64 {
        self.queues
            .iter()
            .map(|q| q.0.load(Ordering::Relaxed) as u64)
            .sum()
    }

    /// Whether the next packet is marked, the queues holding `extra` more
    /// packets than they have published.
    fn should_drop(&mut self, extra: u64) -> bool {
        let len = self.queue_len() + extra;
        let avg = if self.avg.stability == 0 {
            len
        } else if len > 0 {
            self.avg.update(len);
            self.last_tick = None;
            self.avg.unscaled()
        } else {
            let tick = self.clock.monotonic_ns() / IDLE_TICK_NS;
            let n = self.last_tick.map_or(1, |last| tick.saturating_sub(last));
            self.avg.update_zero(n);
            self.last_tick = Some(tick);
            self.avg.unscaled()
        };
        let p = &self.params;
        if avg <= u64::from(p.min) {
            self.count = -1;
            return false;
        }
        if avg > u64::from(p.kill) {
            self.count = -1;
            return true;
        }
        // Probability in 16-bit fixed point, from the scaled average.
        let scaled = if self.avg.stability == 0 {
            len << QUEUE_SCALE
        } else {
            self.avg.scaled
        };
        let p_b = if avg <= u64::from(p.max) {
            ((u64::from(p.c1).wrapping_mul(scaled)) >> QUEUE_SCALE).wrapping_sub(u64::from(p.c2))
        } else {
            ((u64::from(p.g1).wrapping_mul(scaled)) >> QUEUE_SCALE).wrapping_sub(u64::from(p.g2))
        } as i32 as i64;
        self.count += 1;
        if self.count > 0 && p_b > 0 && self.count > self.random / p_b {
            self.count = 0;
            self.random = self.random16();
            return true;
        }
        if self.count == 0 {
            self.random = self.random16();
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

    fn set_param(&mut self, which: usize, value: &str) -> Result<(), HandlerError> {
        let mut texts = self.params.texts.clone();
        texts[which] = value.trim().to_string();
        let number = |t: &str, name: &str| {
            t.parse::<u32>()
                .map_err(|_| HandlerError::BadValue(format!("{name}: expected an integer")))
        };
        let min = number(&texts[0], "min_thresh")?;
        let max = number(&texts[1], "max_thresh")?;
        let max_p = parse_max_p(&texts[2]).map_err(HandlerError::BadValue)?;
        self.params = Params::new(min, max, max_p, self.params.gentle, texts)
            .map_err(HandlerError::BadValue)?;
        Ok(())
    }
}

impl Element for Red {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        if self.names.is_empty() {
            let shared = cx.shared();
            let is_queue = |name: &str| shared.lookup::<QueueLength>(name).is_some();
            self.names = if cx.output(0) == Processing::Push {
                cx.nearest(true, 0, is_queue)
            } else {
                cx.nearest(false, 0, is_queue)
            };
            if self.names.is_empty() {
                return Err(ConfigError::msg("no nearby Queues"));
            }
        }
        for name in &self.names {
            let q = cx.shared().lookup::<QueueLength>(name).ok_or_else(|| {
                ConfigError::msg(format!("QUEUES: '{name}' is not a queue element"))
            })?;
            self.queues.push(q);
        }
        Ok(())
    }

    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        // Packets passed earlier in the batch are on their way to the queue.
        // The decisions do not read the packets, so they are made first and
        // the batch goes on whole unless one is dropped or marked.
        let mut passed = 0;
        let first_reject = (0..batch.len()).find(|_| {
            let reject = self.should_drop(passed);
            passed += u64::from(!reject);
            reject
        });
        let Some(at) = first_reject else {
            out.forward(0, batch);
            return;
        };
        let mut rest = batch.drain();
        for p in rest.by_ref().take(at) {
            out.emit(0, p);
        }
        if let Some(p) = rest.next() {
            self.reject(p, out);
        }
        for p in rest {
            if self.should_drop(passed) {
                self.reject(p, out);
            } else {
                out.emit(0, p);
                passed += 1;
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
        // Packets after this one in the batch were still queued in Click.
        let mut behind = pulled.len() as u64;
        for p in pulled.drain() {
            behind -= 1;
            if self.should_drop(behind) {
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
            "min_thresh" => Ok(self.params.texts[0].clone()),
            "max_thresh" => Ok(self.params.texts[1].clone()),
            "max_p" => Ok(self.params.texts[2].clone()),
            "avg_queue_size" => Ok(self.avg.unparse()),
            "stats" => Ok(format!(
                "{} current queue\n{} avg queue\n{} drops\n",
                self.queue_len(),
                self.avg.unparse(),
                self.drops
            )),
            "queues" => Ok(self.names.iter().map(|n| format!("{n}\n")).collect()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "min_thresh" => self.set_param(0, value),
            "max_thresh" => self.set_param(1, value),
            "max_p" => self.set_param(2, value),
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

    fn batch(n: usize) -> PacketBatch {
        let mut b = PacketBatch::new();
        for _ in 0..n {
            b.push(Packet::from_slice(&[0u8; 60]).unwrap());
        }
        b
    }

    /// Pushes `total` packets one at a time into a RED before a queue that
    /// is never pulled; returns (drops, marked).
    fn run(thresholds: &str, total: usize) -> (u64, u64) {
        let reg = crate::registry();
        let text = format!(
            "Idle -> r :: RED({thresholds}) -> q :: Queue(100000) -> Discard; r[1] -> marked :: Counter -> Discard"
        );
        let r = engine::Router::from_text("t", &text, &reg).unwrap();
        let red = r.find("r").unwrap();
        let mut st = r.stepper();
        for _ in 0..total {
            st.inject(red, 0, batch(1));
        }
        let drops: u64 = r.read_handler("r.drops").unwrap().parse().unwrap();
        let marked: u64 = r.read_handler("marked.count").unwrap().parse().unwrap();
        (drops, marked)
    }

    #[test]
    fn no_drops_below_min_all_past_twice_max() {
        let (drops, marked) = run("1000, 2000, 0.1", 900);
        assert_eq!((drops, marked), (0, 0), "average stays below MIN_THRESH");
        let (drops, _) = run("5, 10, 0.1", 5000);
        assert!(drops > 4900, "far above 2 x MAX_THRESH all go: {drops}");
        let (drops, marked) = run("50, 400, 0.1", 1200);
        assert_eq!(drops, marked, "early drops go to output 1");
        assert!(drops > 0 && drops < 600, "some early drops: {drops}");
    }

    #[test]
    fn mark_rate_between_the_thresholds() {
        // STABILITY 0: the instantaneous length. A queue held at 30 packets
        // between MIN 10 and MAX 50 with MAX_P 0.2: p_b = 0.1; spreading
        // the marks by the count since the last one makes the rate about
        // 2 p_b / (1 + p_b) = 0.18 (Floyd and Jacobson, uniform
        // inter-mark gaps).
        let reg = crate::registry();
        let r = engine::Router::from_text(
            "t",
            "Idle -> q :: Queue(100000) -> r :: RED(10, 50, 0.2, STABILITY 0) -> Unqueue(1) -> Discard; r[1] -> m :: Counter -> Discard",
            &reg,
        )
        .unwrap();
        let q = r.find("q").unwrap();
        // A pull RED counts the packets behind in its batch: pull one at a
        // time through a 31-packet queue refilled after each pull.
        let mut st = r.stepper();
        st.inject(q, 0, batch(30));
        for _ in 0..20_000 {
            st.inject(q, 0, batch(1));
            st.step();
        }
        let marked: f64 = r.read_handler("m.count").unwrap().parse().unwrap();
        let drops: f64 = r.read_handler("r.drops").unwrap().parse().unwrap();
        assert_eq!(marked, drops);
        let rate = marked / 20_000.0;
        assert!((0.16..0.20).contains(&rate), "mark rate {rate}");
    }

    #[test]
    fn average_is_clicks_fixed_point() {
        let reg = crate::registry();
        let r = engine::Router::from_text(
            "t",
            "Idle -> r :: RED(100, 200, 0.02) -> q :: Queue(1000) -> Discard",
            &reg,
        )
        .unwrap();
        let red = r.find("r").unwrap();
        let mut st = r.stepper();
        for _ in 0..10 {
            st.inject(red, 0, batch(1));
        }
        // Lengths 0..9 seen, weight 1/16: Click's value for the same run.
        assert_eq!(r.read_handler("r.avg_queue_size").unwrap(), "2.391");
        assert_eq!(r.read_handler("r.queues").unwrap(), "q\n");
        assert_eq!(
            r.read_handler("r.stats").unwrap(),
            "10 current queue\n2.391 avg queue\n0 drops\n"
        );
        assert_eq!(r.read_handler("r.max_p").unwrap(), "0.02");
        r.write_handler("r.max_p", "0.5").unwrap();
        assert_eq!(r.read_handler("r.max_p").unwrap(), "0.5");
        assert!(r.write_handler("r.min_thresh", "300").is_err());
        // A batch of 10: the packets passed earlier count as queued.
        let r2 = engine::Router::from_text(
            "t",
            "Idle -> r :: RED(100, 200, 0.02) -> q :: Queue(1000) -> Discard",
            &reg,
        )
        .unwrap();
        let red2 = r2.find("r").unwrap();
        r2.stepper().inject(red2, 0, batch(10));
        assert_eq!(r2.read_handler("r.avg_queue_size").unwrap(), "2.391");
    }

    #[test]
    fn unparse_real2_as_click() {
        use super::unparse_real2 as u;
        assert_eq!(u(1311, 16), "0.02");
        assert_eq!(u(6554, 16), "0.1");
        assert_eq!(u(512, 10), "0.5");
        assert_eq!(u(1024 + 1, 10), "1.001");
        assert_eq!(u(0, 10), "0");
    }

    #[test]
    fn queues_found_downstream_or_upstream_or_named() {
        let reg = crate::registry();
        let build = |t: &str| engine::Router::from_text("t", t, &reg);
        let r = build("Idle -> r :: RED(5, 10, 0.1) -> Counter -> c :: Classifier(12/0800, -); c[0] -> a :: Queue -> Discard; c[1] -> b :: FrontDropQueue -> Discard").unwrap();
        assert_eq!(r.read_handler("r.queues").unwrap(), "a\nb\n");
        let r = build("Idle -> q :: Queue -> r :: RED(5, 10, 0.1) -> Unqueue -> Discard").unwrap();
        assert_eq!(r.read_handler("r.queues").unwrap(), "q\n");
        let e = build("Idle -> RED(5, 10, 0.1, QUEUES nope) -> Discard")
            .unwrap_err()
            .render();
        assert!(e.contains("'nope' is not a queue element"), "{e}");
        let e = build("Idle -> RED(5, 10, 0.1) -> Discard")
            .unwrap_err()
            .render();
        assert!(e.contains("no nearby Queues"), "{e}");
        assert!(build("Idle -> RED(5, 10, 2) -> q :: Queue -> Discard").is_err());
        assert!(build("Idle -> RED(10, 5, 0.1) -> q :: Queue -> Discard").is_err());
        assert!(build("Idle -> RED(5, 70000, 0.1) -> q :: Queue -> Discard").is_err());
    }
}
