//! IPRateMonitor — measures packet or byte rates to and from IP address
//! ranges, looking closer at the busy ones.
//!
//! ## Synopsis
//! `IPRateMonitor(TYPE, RATIO, THRESH [, MEMORY, ANNO])`
//!
//! ## Ports
//! 1 or 2 inputs, 1 or 2 outputs; agnostic. Packets from input N leave on
//! output N.
//!
//! ## Description
//! Keeps, for the IP sources of packets on input 0 (forward) and the IP
//! destinations of packets on input 1 (reverse), moving averages of their
//! rates, in a tree by address byte as Click does: at first one counter
//! per first byte (`18`), and when a counter's forward or reverse rate
//! reaches THRESH per second, a level of counters below it for the next
//! byte (`18.26`), and so on down to whole addresses. A counter's rate is
//! the sum of its children's. Every second or so, levels whose parent has
//! fallen below THRESH are folded back, as is whatever needs to go to keep
//! memory under MEMORY. Packets pass unchanged; with ANNO, each gets the
//! forward and reverse rates (per second) of the deepest counter of its
//! address in its forward-rate (bytes 20–23) and reverse-rate (24–27)
//! annotations. The network header annotation must be set.
//!
//! Rates are exponentially weighted moving averages over epochs of 8 ms
//! (Click's jiffies / 8), weight 1/32, kept in fixed point with 10
//! fraction bits.
//!
//! ## Arguments
//! - `TYPE`: `PACKETS` or `BYTES` (IP length).
//! - `RATIO` (0 to 1): the chance that a packet updates the rates.
//! - `THRESH`: the rate at which a range is split (given as if RATIO were
//!   1).
//! - `MEMORY` (KiB, default 0 = unlimited; at least 100): memory for the
//!   tree, counted as Click counts it (2080 bytes per level table, 40 per
//!   counter).
//! - `ANNO` (default true): set the rate annotations.
//!
//! ## Handlers
//! - `look` (read): the epochs since the last reset, then one line per
//!   counter with a nonzero rate, `ADDR\tFWD\tREV` (rates per second),
//!   children indented by a tab under their parent.
//! - `thresh` (read), `mem` (read: bytes in use), `memmax` (read/write,
//!   KiB when written).
//! - `reset` (write): forget every rate (as in Click, `mem` keeps counting
//!   the first-level counters it frees).
//! - `anno_level` (write): `ADDR LEVEL SECONDS`: stop splitting the range
//!   of ADDR at LEVEL (0–3) for SECONDS.
//!
//! ## Differences from Click
//! - Rates follow the router's clock; the fold timer is per element (a
//!   static shared by every IPRateMonitor in Click).
//! - Packets without an IP header pass uncounted (Click reads them
//!   anyway).
//!
//! ## Example
//! ```text
//! FromDevice(eth0) -> CheckIPHeader(14) -> r :: IPRateMonitor(PACKETS, 0.5, 256, 600) -> Discard;
//! // yard run … -h r.look
//! ```

use std::fmt::Write as _;
use std::sync::Arc;

use clickconf::args::Args;
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Output,
    TaskContext,
};
use packet::{Packet, PacketBatch, anno::offset};

pub const SPEC: ElementSpec = ElementSpec {
    class: "IPRateMonitor",
    ports: "1-2/1-2",
    processing: "a/a",
    source: include_str!("ipratemonitor.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read("look", "rates of the address ranges watched"),
        HandlerSpec::read("thresh", "split threshold"),
        HandlerSpec::read("mem", "memory in use, bytes"),
        HandlerSpec::read_write("memmax", "memory limit (bytes read, KiB written)"),
        HandlerSpec::write("reset", "forget every rate"),
        HandlerSpec::write("anno_level", "ADDR LEVEL SECONDS: stop splitting there"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const STABILITY: u32 = 5;
const SCALE: u32 = 10;
const COMPENSATION: u32 = 1 << (STABILITY - 1);
/// Epochs per second: Click's `CLICK_HZ >> 3`.
const EPOCH_FREQUENCY: u32 = 1000 >> 3;
const STATS_SIZE: usize = 2080;
const COUNTER_SIZE: usize = 40;
const MEMMAX_MIN: usize = 100;
/// A reverse-rate annotation of 4 bytes (Click's `REV_RATE_ANNO`).
const REV_RATE: usize = 24;

/// Click's `RateEWMAX` with two rates (forward, reverse).
#[derive(Clone, Copy, Default)]
struct Ewma {
    epoch: u32,
    current: [u32; 2],
    avg: [u32; 2],
}

fn ewma_step(avg: &mut u32, x: u32) {
    let scaled = (x << SCALE).wrapping_add(COMPENSATION);
    *avg = avg.wrapping_add(((scaled.wrapping_sub(*avg)) as i32 >> STABILITY) as u32);
}

impl Ewma {
    fn new(now: u32) -> Ewma {
        Ewma {
            epoch: now,
            ..Ewma::default()
        }
    }

    fn update_time(&mut self, now: u32) {
        let jj = self.epoch;
        if now == jj {
            return;
        }
        for i in 0..2 {
            ewma_step(&mut self.avg[i], self.current[i]);
            let n = now.wrapping_sub(jj).wrapping_sub(1);
            if n > 0 {
                if n >= 100 {
                    self.avg[i] = 0;
                } else {
                    for _ in 0..n {
                        ewma_step(&mut self.avg[i], 0);
                    }
                }
            }
            self.current[i] = 0;
        }
        self.epoch = now;
    }

    fn update(&mut self, now: u32, delta: u32, which: usize) {
        self.update_time(now);
        self.current[which] = self.current[which].wrapping_add(delta);
    }

    fn scaled(&self, which: usize) -> i32 {
        self.avg[which] as i32
    }
}

/// Click's `cp_unparse_real2` for an unsigned fixed-point value.
fn unparse_real2(real: u32, frac_bits: u32) -> String {
    let mut s = (real >> frac_bits).to_string();
    let one: u32 = 1 << frac_bits;
    let mut r = real & (one - 1);
    if r == 0 {
        return s;
    }
    s.push('.');
    r = 10 * r + 5;
    let mut allowable: u64 = 10;
    let mut rounder: u32 = 5;
    while rounder < (one >> 1) {
        rounder *= 10;
    }
    loop {
        if allowable > u64::from(one) {
            r = r.wrapping_add((one >> 1).wrapping_sub(rounder));
        }
        s.push((b'0' + (r >> frac_bits) as u8) as char);
        r = 10 * (r & (one - 1));
        allowable *= 10;
        if u64::from(r) <= allowable {
            break;
        }
    }
    s
}

fn unparse_rate(e: &Ewma, which: usize) -> String {
    unparse_real2(
        (e.scaled(which) as u32).wrapping_mul(EPOCH_FREQUENCY),
        SCALE,
    )
}

#[derive(Clone, Copy)]
struct Counter {
    rate: Ewma,
    next_level: Option<usize>,
    anno_this: u32,
}

struct Stats {
    /// The counter (table, byte) this level refines; `None` for the base.
    parent: Option<(usize, u8)>,
    prev: Option<usize>,
    next: Option<usize>,
    counters: Box<[Option<Counter>; 256]>,
}

struct IPRateMonitor {
    count_packets: bool,
    anno: bool,
    thresh: i32,
    memmax: usize,
    ratio: u32,
    tables: Vec<Option<Stats>>,
    free: Vec<usize>,
    first: Option<usize>,
    last: Option<usize>,
    alloced: usize,
    reset_epoch: u32,
    prev_fold: Option<u32>,
    rng: u64,
    clock: Arc<dyn Clock>,
    scratch: PacketBatch,
}

const BASE: usize = 0;

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let kind: String = args.read_mp("TYPE")?;
    let ratio: f64 = args.read_mp("RATIO")?;
    let thresh: i32 = args.read_mp("THRESH")?;
    let memory = args.read_p::<u32>("MEMORY")?.unwrap_or(0) as usize;
    let anno = args.read_p::<bool>("ANNO")?.unwrap_or(true);
    let count_packets = match kind.to_ascii_uppercase().as_str() {
        "PACKETS" => true,
        "BYTES" => false,
        _ => {
            return Err(ConfigError::msg(
                "monitor type should be \"PACKETS\" or \"BYTES\"",
            ));
        }
    };
    if !(0.0..=1.0).contains(&ratio) {
        return Err(ConfigError::msg("ratio must be between 0 and 1"));
    }
    let ratio = (ratio * 65536.0 + 0.5).floor() as u32;
    let memmax = if memory != 0 && memory < MEMMAX_MIN {
        MEMMAX_MIN
    } else {
        memory
    } * 1024;
    let mut m = IPRateMonitor {
        count_packets,
        anno,
        thresh: ((i64::from(thresh) * i64::from(ratio)) >> 16) as i32,
        memmax,
        ratio,
        tables: Vec::new(),
        free: Vec::new(),
        first: None,
        last: None,
        alloced: 0,
        reset_epoch: 0,
        prev_fold: None,
        rng: 0x2545_f491_4f6c_dd1d,
        clock: cx.clock.clone(),
        scratch: PacketBatch::new(),
    };
    let base = m.new_table(None);
    m.first = Some(base);
    m.last = Some(base);
    m.reset_epoch = m.epoch();
    Ok(Box::new(m))
}

impl IPRateMonitor {
    fn epoch(&self) -> u32 {
        ((self.clock.monotonic_ns() / 1_000_000) >> 3) as u32
    }

    fn random(&mut self) -> u32 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }

    fn new_table(&mut self, parent: Option<(usize, u8)>) -> usize {
        self.alloced += STATS_SIZE;
        let s = Stats {
            parent,
            prev: None,
            next: None,
            counters: Box::new([None; 256]),
        };
        match self.free.pop() {
            Some(i) => {
                self.tables[i] = Some(s);
                i
            }
            None => {
                self.tables.push(Some(s));
                self.tables.len() - 1
            }
        }
    }

    fn table(&mut self, i: usize) -> &mut Stats {
        self.tables[i].as_mut().expect("live table")
    }

    fn counter(&mut self, t: usize, b: u8) -> Option<&mut Counter> {
        self.tables[t].as_mut()?.counters[usize::from(b)].as_mut()
    }

    fn make_counter(&mut self, t: usize, b: u8, rate: Option<Ewma>) -> bool {
        if self.memmax != 0 && self.alloced + COUNTER_SIZE > self.memmax {
            return false;
        }
        let now = self.epoch();
        let c = Counter {
            rate: rate.unwrap_or_else(|| Ewma::new(now)),
            next_level: None,
            anno_this: 0,
        };
        self.table(t).counters[usize::from(b)] = Some(c);
        self.alloced += COUNTER_SIZE;
        true
    }

    /// Deletes table `t` and everything below it (the tables below first,
    /// as Click's destructor does); returns its neighbours in the age list
    /// when it was unlinked.
    fn delete_table(&mut self, t: usize) -> (Option<usize>, Option<usize>) {
        let children: Vec<usize> = self.tables[t]
            .as_ref()
            .map(|s| {
                s.counters
                    .iter()
                    .flatten()
                    .filter_map(|c| c.next_level)
                    .collect()
            })
            .unwrap_or_default();
        for c in children {
            self.delete_table(c);
        }
        let Some(s) = self.tables[t].take() else {
            return (None, None);
        };
        self.alloced -= COUNTER_SIZE * s.counters.iter().flatten().count();
        let (prev, next) = (s.prev, s.next);
        match prev {
            Some(p) => {
                if let Some(ps) = self.tables[p].as_mut() {
                    ps.next = next;
                }
            }
            None => self.first = next,
        }
        match next {
            Some(n) => {
                if let Some(ns) = self.tables[n].as_mut() {
                    ns.prev = prev;
                }
            }
            None => self.last = prev,
        }
        if let Some((pt, b)) = s.parent
            && let Some(c) = self.counter(pt, b)
        {
            c.next_level = None;
        }
        self.alloced -= STATS_SIZE;
        self.free.push(t);
        (prev, next)
    }

    fn links(&self, t: usize) -> (Option<usize>, Option<usize>) {
        self.tables[t]
            .as_ref()
            .map_or((None, None), |s| (s.prev, s.next))
    }

    fn fold(&mut self, thresh: i32) {
        let forward = self.random() & 1 == 1;
        let memmax = if self.memmax != 0 {
            self.memmax
        } else {
            (self.alloced as f32 * 0.9) as usize
        };
        let now = self.epoch();
        let mut cur = if forward { self.first } else { self.last };
        while let Some(s) = cur {
            let (prev, next) = self.links(s);
            let parent = self.tables[s].as_ref().and_then(|t| t.parent);
            if let Some((pt, b)) = parent
                && let Some(c) = self.counter(pt, b)
            {
                c.rate.update(now, 0, 0);
                if c.rate.scaled(0) < thresh && c.rate.scaled(1) < thresh {
                    let (p, n) = self.delete_table(s);
                    if self.alloced < memmax {
                        break;
                    }
                    cur = if forward { n } else { p };
                    continue;
                }
            }
            cur = if forward { next } else { prev };
        }
    }

    fn forced_fold(&mut self) {
        let perc = (self.thresh as f32 / 5.0) as i32;
        let mut thresh = self.thresh;
        let mut rounds = 0;
        while self.alloced > self.memmax && rounds < 1000 {
            self.fold(thresh);
            thresh = thresh.saturating_add(perc.max(1));
            rounds += 1;
        }
    }

    fn update(&mut self, addr: [u8; 4], val: u32, p: &mut Packet, forward: bool, update: bool) {
        let now = self.epoch();
        let prev_fold = *self.prev_fold.get_or_insert(now);
        let which = usize::from(!forward);
        let mut t = BASE;
        let mut level = 0;
        loop {
            let byte = addr[level];
            if self.counter(t, byte).is_none() && !self.make_counter(t, byte, None) {
                return;
            }
            let Some(c) = self.counter(t, byte) else {
                return;
            };
            if update {
                c.rate.update(now, val, which);
            }
            match c.next_level {
                Some(n) if level < 3 => {
                    t = n;
                    level += 1;
                }
                _ => break,
            }
        }
        let byte = addr[level];
        let Some(c) = self.counter(t, byte).copied() else {
            return;
        };
        let fwd = ((i64::from(c.rate.scaled(0)) * i64::from(EPOCH_FREQUENCY)) >> SCALE) as i32;
        let rev = ((i64::from(c.rate.scaled(1)) * i64::from(EPOCH_FREQUENCY)) >> SCALE) as i32;
        if self.anno {
            p.anno_mut().set(offset::FWD_RATE, &fwd.to_ne_bytes());
            p.anno_mut().set(REV_RATE, &rev.to_ne_bytes());
        }
        if c.anno_this < now
            && (fwd >= self.thresh || rev >= self.thresh)
            && level < 3
            && (self.memmax == 0 || self.alloced + COUNTER_SIZE + STATS_SIZE <= self.memmax)
        {
            let next_byte = addr[level + 1];
            let child = self.new_table(Some((t, byte)));
            if !self.make_counter(child, next_byte, Some(c.rate)) {
                self.delete_table(child);
                return;
            }
            if let Some(pc) = self.counter(t, byte) {
                pc.next_level = Some(child);
            }
            let last = self.last;
            if let Some(l) = last
                && let Some(ls) = self.tables[l].as_mut()
            {
                ls.next = Some(child);
            }
            let cs = self.table(child);
            cs.prev = last;
            cs.next = None;
            self.last = Some(child);
        }
        if now.wrapping_sub(prev_fold) >= EPOCH_FREQUENCY {
            self.fold(self.thresh);
            self.prev_fold = Some(now);
        }
    }

    fn handle(&mut self, port: usize, p: &mut Packet) {
        let Some(ip) = p.network_header() else {
            return;
        };
        if ip.len() < 20 {
            return;
        }
        let val = if self.count_packets {
            1
        } else {
            u32::from(u16::from_be_bytes([ip[2], ip[3]]))
        };
        let forward = port == 0;
        let addr: [u8; 4] = if forward {
            [ip[12], ip[13], ip[14], ip[15]]
        } else {
            [ip[16], ip[17], ip[18], ip[19]]
        };
        let update = ((self.random() >> 5) & 0xffff) <= self.ratio;
        self.update(addr, val, p, forward, update);
    }

    /// Lists table `t`; rates are brought up to now on copies (bringing
    /// them forward later gives the same averages).
    fn print(&self, t: usize, prefix: &str, out: &mut String) {
        let now = self.epoch();
        let Some(table) = self.tables[t].as_ref() else {
            return;
        };
        for (i, c) in table.counters.iter().enumerate() {
            let Some(mut c) = *c else {
                continue;
            };
            if c.rate.scaled(1) > 0 || c.rate.scaled(0) > 0 {
                c.rate.update(now, 0, 0);
                let this = if prefix.is_empty() {
                    i.to_string()
                } else {
                    format!("{prefix}.{i}")
                };
                let _ = writeln!(
                    out,
                    "{this}\t{}\t{}",
                    unparse_rate(&c.rate, 0),
                    unparse_rate(&c.rate, 1)
                );
                if let Some(n) = c.next_level {
                    self.print(n, &format!("\t{this}"), out);
                }
            }
        }
    }

    fn look(&self) -> String {
        let mut out = format!("{}\n", self.epoch().wrapping_sub(self.reset_epoch));
        self.print(BASE, "", &mut out);
        out
    }

    fn reset(&mut self) {
        for i in 0..256u16 {
            let b = i as u8;
            if let Some(c) = self.counter(BASE, b).copied() {
                if let Some(n) = c.next_level {
                    self.delete_table(n);
                }
                self.table(BASE).counters[usize::from(b)] = None;
            }
        }
        self.reset_epoch = self.epoch();
    }

    fn anno_level(&mut self, value: &str) -> Result<(), HandlerError> {
        let args = clickconf::args::split_args(value);
        if args.len() != 3 {
            return Err(HandlerError::BadValue("expecting 3 arguments".into()));
        }
        let addr = <std::net::Ipv4Addr as clickconf::args::ArgValue>::parse_arg(&args[0].text)
            .map_err(|_| HandlerError::BadValue("not an IP address".into()))?;
        let level: u32 = args[1]
            .text
            .trim()
            .parse()
            .ok()
            .filter(|l| *l < 4)
            .ok_or_else(|| {
                HandlerError::BadValue(
                    "2nd argument specifies a level, between 0 and 3, to annotate".into(),
                )
            })?;
        let when: u32 = args[2]
            .text
            .trim()
            .parse()
            .ok()
            .filter(|w| *w >= 1)
            .ok_or_else(|| {
                HandlerError::BadValue(
                    "3rd argument specifies when this rule expires, must be > 0".into(),
                )
            })?;
        let when = when
            .wrapping_mul(EPOCH_FREQUENCY)
            .wrapping_add(self.epoch());
        let a = addr.octets();
        let mut t = BASE;
        let mut level = level;
        for &byte in &a {
            let Some(c) = self.counter(t, byte).copied() else {
                return Ok(());
            };
            if level == 0 {
                if let Some(n) = c.next_level {
                    self.delete_table(n);
                }
                if let Some(c) = self.counter(t, byte) {
                    c.anno_this = when;
                    c.next_level = None;
                }
                return Ok(());
            }
            let Some(n) = c.next_level else {
                return Ok(());
            };
            t = n;
            level -= 1;
        }
        Ok(())
    }
}

impl Element for IPRateMonitor {
    fn push(&mut self, port: usize, batch: &mut PacketBatch, out: &mut Output) {
        for p in batch.as_mut_slice() {
            self.handle(port, p);
        }
        out.forward(port, batch);
    }

    fn pull(
        &mut self,
        port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        let mut batch = std::mem::take(&mut self.scratch);
        cx.pull_input(port, max, &mut batch);
        for mut p in batch.drain() {
            self.handle(port, &mut p);
            into.push(p);
        }
        self.scratch = batch;
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "thresh" => self.thresh.to_string(),
            "mem" => self.alloced.to_string(),
            "memmax" => self.memmax.to_string(),
            "look" => self.look(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "reset" => self.reset(),
            "memmax" => {
                let args = clickconf::args::split_args(value);
                if args.len() != 1 {
                    return Err(HandlerError::BadValue("expecting 1 integer".into()));
                }
                let m: i64 = args[0]
                    .text
                    .trim()
                    .parse()
                    .map_err(|_| HandlerError::BadValue("not an integer".into()))?;
                let m = m.max(0) as usize;
                let m = if m != 0 && m < MEMMAX_MIN {
                    MEMMAX_MIN
                } else {
                    m
                };
                self.memmax = m * 1024;
                if self.memmax != 0 && self.alloced > self.memmax {
                    self.forced_fold();
                }
            }
            "anno_level" => self.anno_level(value)?,
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::testing::{ether_ip, ipv4_udp, manual_router};
    use packet::PacketBatch;

    #[test]
    fn fixed_point_prints_as_click() {
        assert_eq!(unparse_real2(512, 10), "0.5");
        assert_eq!(unparse_real2(4000, 10), "3.906");
        assert_eq!(unparse_real2(1024 * 125, 10), "125");
        assert_eq!(unparse_real2(0, 10), "0");
        assert_eq!(unparse_real2(1, 10), "0.001");
    }

    #[test]
    fn averages_move_by_epoch() {
        let mut e = Ewma::new(0);
        e.update(0, 1, 0);
        assert_eq!(e.scaled(0), 0);
        e.update(1, 0, 0);
        assert_eq!(e.scaled(0), (1040 >> 5));
        // Ten idle epochs decay it.
        let before = e.scaled(0);
        e.update(11, 0, 0);
        assert!(e.scaled(0) < before);
    }

    #[test]
    fn busy_ranges_are_split_and_listed() {
        let (router, clock) = manual_router(
            "Idle -> m :: MarkIPHeader(14) -> r :: IPRateMonitor(PACKETS, 1, 100) -> Discard",
            1_700_000_000_000_000_000,
        );
        let m = router.find("m").unwrap();
        for _ in 0..300 {
            let mut b = PacketBatch::new();
            for _ in 0..2 {
                b.push(
                    Packet::from_slice(&ether_ip(&ipv4_udp(64, [10, 0, 0, 1], [10, 0, 0, 2])))
                        .unwrap(),
                );
            }
            router.inject(m, 0, b);
            clock.advance(8_000_000);
        }
        let look = router.read_handler("r.look").unwrap();
        let lines: Vec<&str> = look.lines().collect();
        assert_eq!(lines[0], "300", "{look}");
        assert!(lines[1].starts_with("10\t2"), "{look}");
        assert!(lines[2].starts_with("\t10.0\t"), "{look}");
        assert!(lines[3].starts_with("\t\t10.0.0\t"), "{look}");
        assert!(lines[4].starts_with("\t\t\t10.0.0.1\t"), "{look}");
        assert_eq!(
            router.read_handler("r.mem").unwrap(),
            (2080 * 4 + 40 * 4).to_string()
        );
        router.write_handler("r.reset", "").unwrap();
        assert_eq!(router.read_handler("r.look").unwrap(), "0\n");
        // As in Click, reset frees the level tables but does not count the
        // first-level counters it frees.
        assert_eq!(router.read_handler("r.mem").unwrap(), "2120");
    }
}
