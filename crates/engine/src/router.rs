//! A running router: elements in cells, batches dispatched along the
//! connections, tasks on one or more threads, handlers.
//!
//! Key decision: each element sits in a cell with a one-word owner lock,
//! held only while that element's own code runs. A push dispatch takes the
//! element's output batches out of the cell before passing them on, so a
//! thread never holds two cells while pushing, push paths cannot deadlock,
//! and a cycle of push connections simply re-enters the element. Pull paths
//! hold the cells of the pulling chain, which ends at a queue; a pull that
//! would re-enter a cell it holds returns no packets.
//!
//! Difference from Click: Click carries each packet to the end of its push
//! path before starting the next. Here a batch is handed on port by port,
//! depth first, so when two outputs of one element meet again downstream,
//! the packets of output 0 arrive there before those of output 1 (as in
//! FastClick). Order along any single path is kept.

use std::cell::UnsafeCell;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use clickconf::{Diagnostic, RouterGraph, SourceMap};
use packet::PacketBatch;

use crate::build::{BuildStage, BuiltElement, ElementInfo, build, make_element};
use crate::clock::{Clock, SystemClock};
use crate::element::{
    BuildContext, Element, HandlerAccess, HandlerError, InitContext, Output, PullSource, StopAsk,
    TaskContext, TaskStatus,
};
use crate::registry::Registry;
use crate::shared::Shared;

/// Rounds of tasks run after a stop request, at most.
const DRAIN_ROUNDS: usize = 8;
use crate::spec::HandlerSpec;

/// Packet counts for one element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElementStats {
    /// Packets received on each input port.
    pub input: Vec<u64>,
    /// Packets sent on each output port.
    pub output: Vec<u64>,
    /// Drops by the element's declared reasons, in declaration order.
    pub drops: Vec<u64>,
    /// Packets sent to an output that does not exist or is not connected,
    /// or left unconsumed by the element; dropped by the engine.
    pub misrouted: u64,
    /// Packets the element holds at the moment (queues).
    pub held: u64,
}

impl ElementStats {
    pub fn total_in(&self) -> u64 {
        self.input.iter().sum()
    }
    pub fn total_out(&self) -> u64 {
        self.output.iter().sum()
    }
    pub fn total_dropped(&self) -> u64 {
        self.drops.iter().sum::<u64>() + self.misrouted
    }
}

struct SlotInner {
    element: Box<dyn Element>,
    /// The configuration string in force (changes on reconfiguration).
    config: String,
    out: Output,
    input: Vec<u64>,
    output: Vec<u64>,
    unconsumed: u64,
}

/// An element and the lock that says which thread may touch it.
struct ElementCell {
    /// 0 when free, else the holder's thread token.
    owner: AtomicU32,
    inner: UnsafeCell<SlotInner>,
}

// SAFETY: `inner` is only reached through `CellGuard`, which exists only
// while `owner` holds the creating thread's token, so at most one thread
// touches it at a time; everything inside is `Send`.
unsafe impl Sync for ElementCell {}

struct CellGuard<'a> {
    cell: &'a ElementCell,
}

impl CellGuard<'_> {
    #[allow(clippy::mut_from_ref)]
    fn inner(&mut self) -> &mut SlotInner {
        // SAFETY: the guard holds the cell's lock (see `ElementCell`), and
        // `&mut self` keeps this the only reference made through the guard.
        unsafe { &mut *self.cell.inner.get() }
    }
}

impl Drop for CellGuard<'_> {
    fn drop(&mut self) {
        self.cell.owner.store(0, Ordering::Release);
    }
}

/// Outcome of trying to lock a cell.
enum Lock<'a> {
    Held(CellGuard<'a>),
    /// This thread already holds the cell.
    Reentrant,
}

impl ElementCell {
    fn new(inner: SlotInner) -> ElementCell {
        ElementCell {
            owner: AtomicU32::new(0),
            inner: UnsafeCell::new(inner),
        }
    }

    #[inline]
    fn lock(&self, token: u32) -> Lock<'_> {
        let mut spins = 0u32;
        loop {
            match self
                .owner
                .compare_exchange_weak(0, token, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return Lock::Held(CellGuard { cell: self }),
                Err(current) if current == token => return Lock::Reentrant,
                Err(_) => {
                    spins += 1;
                    if spins < 100 {
                        std::hint::spin_loop();
                    } else {
                        std::thread::yield_now();
                    }
                }
            }
        }
    }
}

static NEXT_TOKEN: AtomicU32 = AtomicU32::new(1);

fn new_token() -> u32 {
    NEXT_TOKEN.fetch_add(1, Ordering::Relaxed).max(1)
}

/// Per-thread dispatch state: the work stack and spare batches.
struct Worker {
    token: u32,
    stack: Vec<(usize, usize, PacketBatch)>,
    spare: Vec<PacketBatch>,
}

impl Worker {
    fn new() -> Worker {
        Worker {
            token: new_token(),
            stack: Vec::with_capacity(64),
            spare: (0..16).map(|_| PacketBatch::new()).collect(),
        }
    }

    #[inline]
    fn spare(&mut self) -> PacketBatch {
        self.spare.pop().unwrap_or_default()
    }

    #[inline]
    fn recycle(&mut self, mut batch: PacketBatch) {
        batch.clear();
        self.spare.push(batch);
    }
}

/// Options for [`Router::run`].
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Threads to run tasks on.
    pub threads: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { threads: 1 }
    }
}

/// A router built from a configuration.
pub struct Router {
    infos: Vec<ElementInfo>,
    cells: Vec<ElementCell>,
    tasks: Vec<usize>,
    sources: SourceMap,
    clock: Arc<dyn Clock>,
    stop: Arc<AtomicBool>,
    warnings: Vec<Diagnostic>,
    shared: Arc<Shared>,
    /// The driver manager, which takes other elements' stop requests.
    driver: Option<usize>,
    /// Stop events waiting for the driver manager.
    stop_events: AtomicU32,
    /// Per element: has asked to stop with `stop_router` (counted once).
    stop_asked: Vec<AtomicBool>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("elements", &self.infos.len())
            .field("tasks", &self.tasks)
            .finish()
    }
}

impl Router {
    /// Checks a flattened configuration and builds its router, with the
    /// system clock.
    pub fn new(graph: RouterGraph, registry: &Registry) -> Result<Router, RouterError> {
        Router::with_clock(graph, registry, Arc::new(SystemClock::new()))
    }

    /// As [`Router::new`], with a given clock.
    pub fn with_clock(
        graph: RouterGraph,
        registry: &Registry,
        clock: Arc<dyn Clock>,
    ) -> Result<Router, RouterError> {
        let shared = Arc::new(Shared::default());
        let built = match build(&graph, registry, &clock, &shared, BuildStage::Run) {
            Ok(b) => b,
            Err(diagnostics) => {
                return Err(RouterError {
                    sources: graph.sources,
                    diagnostics,
                });
            }
        };
        let mut tasks = Vec::new();
        let mut driver = None;
        let mut cells = Vec::with_capacity(built.elements.len());
        for (
            i,
            BuiltElement {
                element,
                output,
                wants_task,
                manages_stops,
            },
        ) in built.elements.into_iter().enumerate()
        {
            if wants_task {
                tasks.push(i);
            }
            if manages_stops {
                driver = Some(i);
            }
            let info = &built.infos[i];
            cells.push(ElementCell::new(SlotInner {
                element,
                config: info.config.clone(),
                out: output,
                input: vec![0; info.inputs.len()],
                output: vec![0; info.outputs.len()],
                unconsumed: 0,
            }));
        }
        let mut warnings = graph.warnings;
        warnings.extend(built.warnings);
        let cells_len = cells.len();
        Ok(Router {
            infos: built.infos,
            cells,
            tasks,
            sources: graph.sources,
            clock,
            stop: Arc::new(AtomicBool::new(false)),
            warnings,
            shared,
            driver,
            stop_events: AtomicU32::new(0),
            stop_asked: (0..cells_len).map(|_| AtomicBool::new(false)).collect(),
        })
    }

    /// Checks a configuration text as far as can be done without running
    /// it: language, classes, ports, push/pull, arguments. Elements are
    /// built but not initialized, so no file or device is opened. Returns
    /// the element count and the warnings.
    pub fn check_text(
        name: &str,
        text: &str,
        registry: &Registry,
    ) -> Result<(usize, SourceMap, Vec<Diagnostic>), RouterError> {
        let graph = clickconf::load(name, text, registry).map_err(|(sources, diagnostics)| {
            RouterError {
                sources,
                diagnostics,
            }
        })?;
        Router::check_graph(graph, registry)
    }

    /// As [`Router::check_text`], for a flattened graph.
    pub fn check_graph(
        graph: RouterGraph,
        registry: &Registry,
    ) -> Result<(usize, SourceMap, Vec<Diagnostic>), RouterError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
        let shared = Arc::new(Shared::default());
        match build(&graph, registry, &clock, &shared, BuildStage::Check) {
            Ok(built) => {
                let mut warnings = graph.warnings;
                warnings.extend(built.warnings);
                Ok((built.infos.len(), graph.sources, warnings))
            }
            Err(diagnostics) => Err(RouterError {
                sources: graph.sources,
                diagnostics,
            }),
        }
    }

    /// Parses, flattens, checks and builds a configuration text.
    pub fn from_text(name: &str, text: &str, registry: &Registry) -> Result<Router, RouterError> {
        let graph = clickconf::load(name, text, registry).map_err(|(sources, diagnostics)| {
            RouterError {
                sources,
                diagnostics,
            }
        })?;
        Router::new(graph, registry)
    }

    /// Warnings found while loading.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The configuration's sources, for rendering diagnostics.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// The elements, in configuration order.
    pub fn elements(&self) -> &[ElementInfo] {
        &self.infos
    }

    /// The index of the element named `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.infos.iter().position(|i| i.name == name)
    }

    /// A flag that, once set, makes [`Router::run`] return.
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// The router's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Runs tasks until every task is done or a stop is requested, then calls
    /// every element's `finish`.
    pub fn run(&self, options: &RunOptions) {
        let threads = options.threads.max(1);
        let mut per_thread: Vec<Vec<usize>> = vec![Vec::new(); threads];
        for (k, &t) in self.tasks.iter().enumerate() {
            per_thread[k % threads].push(t);
        }
        let remaining = AtomicUsize::new(self.tasks.len());
        std::thread::scope(|scope| {
            for tasks in per_thread.iter().skip(1) {
                let remaining = &remaining;
                scope.spawn(move || self.worker_loop(tasks, remaining));
            }
            self.worker_loop(&per_thread[0], &remaining);
        });
        self.finish();
    }

    /// Calls every element's `finish` (flush outputs, release devices).
    pub fn finish(&self) {
        let token = new_token();
        for cell in &self.cells {
            if let Lock::Held(mut g) = cell.lock(token) {
                g.inner().element.finish();
            }
        }
    }

    /// A stepper that runs the router's tasks one round at a time on the
    /// calling thread (for tests, tools and simulated time).
    pub fn stepper(&self) -> Stepper<'_> {
        Stepper {
            router: self,
            worker: Worker::new(),
            done: vec![false; self.tasks.len()],
        }
    }

    /// Pushes `batch` into input `port` of element `element`, as if an
    /// upstream element had (for tests and tools).
    pub fn inject(&self, element: usize, port: usize, batch: PacketBatch) {
        let mut w = Worker::new();
        self.dispatch(&mut w, element, port, batch);
    }

    fn worker_loop(&self, tasks: &[usize], remaining: &AtomicUsize) {
        tighten_timer_slack();
        let mut w = Worker::new();
        let mut done = vec![false; tasks.len()];
        let mut live = tasks.len();
        let mut idle_rounds = 0u32;
        while live > 0 && !self.stop.load(Ordering::Relaxed) {
            let mut worked = false;
            let mut wake: Option<u64> = None;
            for (k, &t) in tasks.iter().enumerate() {
                if done[k] {
                    continue;
                }
                match self.run_task(&mut w, t) {
                    TaskStatus::Worked => worked = true,
                    TaskStatus::Idle(until) => {
                        if let Some(u) = until {
                            wake = Some(wake.map_or(u, |x| x.min(u)));
                        }
                    }
                    TaskStatus::Done => {
                        done[k] = true;
                        live -= 1;
                        remaining.fetch_sub(1, Ordering::AcqRel);
                    }
                }
            }
            if worked {
                idle_rounds = 0;
            } else if wake.is_some_and(|w| self.clock.warp_to(w)) {
                // Simulated time: nothing to do until the next timer, so
                // time jumps there.
                idle_rounds = 0;
            } else {
                idle_rounds = idle_rounds.saturating_add(1);
                self.idle_wait(idle_rounds, wake);
            }
        }
        // A stop request (a source's STOP true, Ctrl-C) lets the packets
        // already inside move on: a few more rounds, while any task works,
        // so queues drain into their sinks as Click's driver finishes its
        // pass over the tasks.
        if self.stop.load(Ordering::Relaxed) {
            for _ in 0..DRAIN_ROUNDS {
                let mut worked = false;
                for (k, &t) in tasks.iter().enumerate() {
                    if !done[k] && self.run_task(&mut w, t) == TaskStatus::Worked {
                        worked = true;
                    }
                }
                if !worked {
                    break;
                }
            }
        }
    }

    /// Backs off when a thread's tasks have nothing to do: spin briefly,
    /// then sleep until the earliest wake-up or at most a millisecond.
    fn idle_wait(&self, rounds: u32, wake: Option<u64>) {
        if rounds < 64 {
            std::hint::spin_loop();
            return;
        }
        let now = self.clock.monotonic_ns();
        let cap = if rounds < 1024 { 20_000 } else { 1_000_000 };
        let sleep = wake.map_or(cap, |w| w.saturating_sub(now).min(cap));
        if sleep > 0 {
            std::thread::sleep(std::time::Duration::from_nanos(sleep));
        }
    }

    fn run_task(&self, w: &mut Worker, eid: usize) -> TaskStatus {
        let token = w.token;
        let Lock::Held(mut guard) = self.cells[eid].lock(token) else {
            return TaskStatus::Idle(None);
        };
        let inner = guard.inner();
        let mut stop = StopAsk::default();
        let status = {
            let SlotInner {
                element,
                out,
                input,
                ..
            } = inner;
            let mut upstream = Upstream {
                router: self,
                worker: w,
                eid,
                input,
            };
            let handlers = TaskHandlers {
                router: self,
                token,
            };
            let mut cx = TaskContext {
                upstream: &mut upstream,
                clock: &*self.clock,
                stop: &mut stop,
                handlers: &handlers,
                stop_events: self.events_for(eid),
            };
            element.run_task(&mut cx, out)
        };
        self.collect_outputs(w, eid, inner);
        drop(guard);
        self.apply_stop(eid, stop);
        self.drain_stack(w);
        status
    }

    /// Moves an element's filled output batches onto the work stack (port 0
    /// on top, so it is dispatched first, depth first as in Click).
    #[inline]
    fn collect_outputs(&self, w: &mut Worker, eid: usize, inner: &mut SlotInner) {
        let info = &self.infos[eid];
        for port in (0..inner.out.batches.len()).rev() {
            if inner.out.batches[port].is_empty() {
                continue;
            }
            let mut batch = w.spare();
            std::mem::swap(&mut batch, &mut inner.out.batches[port]);
            inner.output[port] += batch.len() as u64;
            match info.push_to.get(port).copied().flatten() {
                Some((to, to_port)) => w.stack.push((to, to_port, batch)),
                None => {
                    inner.out.misrouted += batch.len() as u64;
                    w.recycle(batch);
                }
            }
        }
    }

    fn dispatch(&self, w: &mut Worker, eid: usize, port: usize, batch: PacketBatch) {
        w.stack.push((eid, port, batch));
        self.drain_stack(w);
    }

    /// Dispatches everything on the work stack. Called only when this thread
    /// holds no cell, so a push never finds its target held by itself.
    ///
    /// An element that fills exactly one output (the usual case) hands its
    /// batch straight to the next element, the input batch's storage taking
    /// the output's place: the same order as pushing it on the stack and
    /// popping it at once, without the stack or the spare batches.
    fn drain_stack(&self, w: &mut Worker) {
        let mut next = w.stack.pop();
        while let Some((eid, port, mut batch)) = next.take() {
            let Lock::Held(mut guard) = self.cells[eid].lock(w.token) else {
                // Unreachable by the calling rule above; drop rather than spin.
                w.recycle(batch);
                next = w.stack.pop();
                continue;
            };
            let inner = guard.inner();
            if let Some(c) = inner.input.get_mut(port) {
                *c += batch.len() as u64;
            }
            inner.element.push(port, &mut batch, &mut inner.out);
            if !batch.is_empty() {
                inner.unconsumed += batch.len() as u64;
                batch.clear();
            }
            let info = &self.infos[eid];
            let mut filled = inner
                .out
                .batches
                .iter()
                .enumerate()
                .filter(|(_, b)| !b.is_empty());
            let only = match (filled.next(), filled.next()) {
                (Some((p, _)), None) => Some(p),
                _ => None,
            };
            match only.map(|p| (p, info.push_to.get(p).copied().flatten())) {
                Some((out_port, Some((to, to_port)))) => {
                    std::mem::swap(&mut batch, &mut inner.out.batches[out_port]);
                    inner.output[out_port] += batch.len() as u64;
                    drop(guard);
                    next = Some((to, to_port, batch));
                }
                _ => {
                    self.collect_outputs(w, eid, inner);
                    drop(guard);
                    w.recycle(batch);
                    next = w.stack.pop();
                }
            }
        }
    }

    fn pull(&self, w: &mut Worker, eid: usize, port: usize, max: usize, into: &mut PacketBatch) {
        let token = w.token;
        let Lock::Held(mut guard) = self.cells[eid].lock(token) else {
            return;
        };
        let inner = guard.inner();
        let before = into.len();
        let mut stop = StopAsk::default();
        {
            let SlotInner {
                element,
                out,
                input,
                ..
            } = &mut *inner;
            let mut upstream = Upstream {
                router: self,
                worker: w,
                eid,
                input,
            };
            let handlers = TaskHandlers {
                router: self,
                token,
            };
            let mut cx = TaskContext {
                upstream: &mut upstream,
                clock: &*self.clock,
                stop: &mut stop,
                handlers: &handlers,
                stop_events: self.events_for(eid),
            };
            element.pull(port, max, &mut cx, into, out);
        }
        if let Some(c) = inner.output.get_mut(port) {
            *c += (into.len() - before) as u64;
        }
        // Side pushes made during a pull wait on the stack until this thread
        // is back at the top of its run.
        self.collect_outputs(w, eid, inner);
        drop(guard);
        self.apply_stop(eid, stop);
    }

    /// The stop events element `eid` may take: the real counter for the
    /// driver manager, an always-empty one for everyone else.
    fn events_for(&self, eid: usize) -> &AtomicU32 {
        static NONE: AtomicU32 = AtomicU32::new(0);
        if self.driver == Some(eid) {
            &self.stop_events
        } else {
            &NONE
        }
    }

    /// Carries out what element `eid` asked about stopping: with a driver
    /// manager (and `eid` not it), counts stop events for it; otherwise
    /// stops the router.
    fn apply_stop(&self, eid: usize, ask: StopAsk) {
        if !ask.any() {
            return;
        }
        match self.driver {
            Some(d) if d != eid => {
                let mut n = ask.events;
                if ask.once && !self.stop_asked[eid].swap(true, Ordering::AcqRel) {
                    n += 1;
                }
                if n > 0 {
                    self.stop_events.fetch_add(n, Ordering::AcqRel);
                }
            }
            _ => self.stop.store(true, Ordering::Relaxed),
        }
    }

    /// Raises one stop event from outside any element (Click's `write
    /// stop`): for the driver manager if there is one, otherwise the router
    /// stops.
    pub fn request_stop(&self) {
        if self.driver.is_some() {
            self.stop_events.fetch_add(1, Ordering::AcqRel);
        } else {
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    /// Whether the router has a driver manager (`DriverManager`,
    /// `Script(TYPE DRIVER)`).
    pub fn has_driver_manager(&self) -> bool {
        self.driver.is_some()
    }

    /// Packet counts of element `eid`.
    pub fn stats(&self, eid: usize) -> ElementStats {
        let token = new_token();
        let Lock::Held(mut g) = self.cells[eid].lock(token) else {
            return ElementStats::default();
        };
        let inner = g.inner();
        ElementStats {
            input: inner.input.clone(),
            output: inner.output.clone(),
            drops: inner.out.drops.clone(),
            misrouted: inner.out.misrouted + inner.unconsumed,
            held: inner.element.held() as u64,
        }
    }

    /// Splits `element.handler` at the last dot.
    fn resolve<'a>(&self, full: &'a str) -> Result<(usize, &'a str), HandlerError> {
        let (name, handler) = full
            .rsplit_once('.')
            .ok_or_else(|| HandlerError::NoSuchHandler(full.to_string()))?;
        let eid = self
            .find(name)
            .ok_or_else(|| HandlerError::NoSuchElement(name.to_string()))?;
        Ok((eid, handler))
    }

    /// Reads handler `element.handler`.
    pub fn read_handler(&self, full: &str) -> Result<String, HandlerError> {
        let (eid, handler) = self.resolve(full)?;
        self.read_element_handler(eid, handler)
    }

    /// Reads handler `element.handler` with parameters.
    pub fn read_handler_with(&self, full: &str, param: &str) -> Result<String, HandlerError> {
        let (eid, handler) = self.resolve(full)?;
        self.read_handler_as(new_token(), eid, handler, param)
    }

    /// Reads `handler` of element `eid`.
    pub fn read_element_handler(&self, eid: usize, handler: &str) -> Result<String, HandlerError> {
        self.read_handler_as(new_token(), eid, handler, "")
    }

    /// Whether element `eid` has a readable (`write` false) or writable
    /// handler named `handler`, generic handlers included.
    pub fn has_handler(&self, eid: usize, handler: &str, write: bool) -> bool {
        match handler {
            "class" | "name" | "ports" | "handlers" => !write,
            "config" => true,
            _ => self
                .class_handler(eid, handler)
                .is_ok_and(|h| if write { h.write } else { h.read }),
        }
    }

    fn read_handler_as(
        &self,
        token: u32,
        eid: usize,
        handler: &str,
        param: &str,
    ) -> Result<String, HandlerError> {
        let info = &self.infos[eid];
        match handler {
            "class" => return Ok(info.class.spec.class.to_string()),
            "name" => return Ok(info.name.clone()),
            "config" => return self.with_slot(token, eid, |inner| Ok(inner.config.clone())),
            "ports" => return Ok(self.ports_text(eid)),
            "handlers" => return Ok(self.handlers_text(eid)),
            _ => {}
        }
        if !self.class_handler(eid, handler)?.read {
            return Err(HandlerError::NotReadable(handler.to_string()));
        }
        let handlers = TaskHandlers {
            router: self,
            token,
        };
        self.with_slot(token, eid, |inner| {
            inner.element.read_handler_with(handler, param, &handlers)
        })
    }

    /// The class-specific handler `name` of element `eid`; a class that
    /// declares a handler named `*` takes every other name too (Click's
    /// `Script(TYPE PROXY)`).
    fn class_handler(&self, eid: usize, name: &str) -> Result<&'static HandlerSpec, HandlerError> {
        let handlers = self.infos[eid].class.spec.handlers;
        handlers
            .iter()
            .find(|h| h.name == name || numbered(h.name, name))
            .or_else(|| handlers.iter().find(|h| h.name == "*"))
            .ok_or_else(|| HandlerError::NoSuchHandler(name.to_string()))
    }

    /// Runs `f` on element `eid`'s slot with the element locked.
    fn with_slot<T>(
        &self,
        token: u32,
        eid: usize,
        f: impl FnOnce(&mut SlotInner) -> Result<T, HandlerError>,
    ) -> Result<T, HandlerError> {
        match self.cells[eid].lock(token) {
            Lock::Held(mut g) => f(g.inner()),
            Lock::Reentrant => Err(HandlerError::BadValue("element busy".into())),
        }
    }

    /// Writes handler `element.handler`. Writing `config` reconfigures the
    /// element: all or nothing, the old element stays if anything fails.
    pub fn write_handler(&self, full: &str, value: &str) -> Result<(), HandlerError> {
        self.write_handler_as(new_token(), full, value)
    }

    fn write_handler_as(&self, token: u32, full: &str, value: &str) -> Result<(), HandlerError> {
        let (eid, handler) = self.resolve(full)?;
        if handler == "config" {
            return self.reconfigure(token, eid, value);
        }
        if matches!(handler, "class" | "name" | "ports" | "handlers") {
            return Err(HandlerError::NotWritable(handler.to_string()));
        }
        if !self.class_handler(eid, handler)?.write {
            return Err(HandlerError::NotWritable(handler.to_string()));
        }
        let handlers = TaskHandlers {
            router: self,
            token,
        };
        self.with_slot(token, eid, |inner| {
            inner.element.write_handler_with(handler, value, &handlers)
        })
    }

    fn reconfigure(&self, token: u32, eid: usize, config: &str) -> Result<(), HandlerError> {
        let info = &self.infos[eid];
        let cx = BuildContext {
            clock: self.clock.clone(),
            name: info.name.clone(),
            ninputs: info.inputs.len(),
            noutputs: info.outputs.len(),
            shared: self.shared.clone(),
        };
        let mut element = make_element(&info.class, config, &cx)
            .map_err(|e| HandlerError::BadValue(e.to_string()))?;
        let mut init = InitContext {
            inputs: &info.inputs,
            outputs: &info.outputs,
            wants_task: false,
            manages_stops: false,
            shared: &self.shared,
            graph: &self.infos,
            index: eid,
        };
        clickconf::args::with_names(self.shared.clone(), || element.initialize(&mut init))
            .map_err(|e| HandlerError::BadValue(e.to_string()))?;
        if init.wants_task != self.tasks.contains(&eid) {
            return Err(HandlerError::BadValue(
                "new configuration changes whether the element runs a task".into(),
            ));
        }
        if init.manages_stops != (self.driver == Some(eid)) {
            return Err(HandlerError::BadValue(
                "new configuration changes whether the element is the driver manager".into(),
            ));
        }
        self.with_slot(token, eid, |inner| {
            inner.element.finish();
            inner.element = element;
            inner.config = config.to_string();
            Ok(())
        })
    }

    fn ports_text(&self, eid: usize) -> String {
        let info = &self.infos[eid];
        let mut s = String::new();
        let label = |e: usize| self.infos[e].name.clone();
        let _ = writeln!(
            s,
            "{} input{}",
            info.inputs.len(),
            if info.inputs.len() == 1 { "" } else { "s" }
        );
        for (p, mode) in info.inputs.iter().enumerate() {
            let peers: Vec<String> = info.input_peers[p]
                .iter()
                .map(|&(e, port)| format!("{}[{port}]", label(e)))
                .collect();
            let _ = writeln!(s, "{}\t{}", mode.name(), peers.join(", "));
        }
        let _ = writeln!(
            s,
            "{} output{}",
            info.outputs.len(),
            if info.outputs.len() == 1 { "" } else { "s" }
        );
        for (p, mode) in info.outputs.iter().enumerate() {
            let peers: Vec<String> = info.output_peers[p]
                .iter()
                .map(|&(e, port)| format!("[{port}]{}", label(e)))
                .collect();
            let _ = writeln!(s, "{}\t{}", mode.name(), peers.join(", "));
        }
        s
    }

    fn handlers_text(&self, eid: usize) -> String {
        let mut s = String::new();
        for (name, mode) in [
            ("class", "r"),
            ("config", "rw"),
            ("handlers", "r"),
            ("name", "r"),
            ("ports", "r"),
        ] {
            let _ = writeln!(s, "{name}\t{mode}");
        }
        let info = &self.infos[eid];
        for h in info.class.spec.handlers {
            if h.name == "*" {
                continue;
            }
            let mode = match (h.read, h.write) {
                (true, true) => "rw",
                (true, false) => "r",
                _ => "w",
            };
            match h.name.strip_suffix('#') {
                Some(prefix) => {
                    for port in 0..info.inputs.len().max(info.outputs.len()) {
                        let _ = writeln!(s, "{prefix}{port}\t{mode}");
                    }
                }
                None => {
                    let _ = writeln!(s, "{}\t{mode}", h.name);
                }
            }
        }
        s
    }
}

/// Whether `name` is an instance of the numbered handler `spec` (`tickets#`
/// covers `tickets0`, `tickets1`, …).
fn numbered(spec: &str, name: &str) -> bool {
    spec.strip_suffix('#')
        .and_then(|prefix| name.strip_prefix(prefix))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Asks the kernel to wake this thread's sleeps on time: the default 50 µs
/// of timer slack would triple a device poller's short naps.
fn tighten_timer_slack() {
    // SAFETY: PR_SET_TIMERSLACK takes one integer argument and changes only
    // the calling thread's timer slack.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong);
    }
}

/// Runs a router's tasks a round at a time on the calling thread.
pub struct Stepper<'a> {
    router: &'a Router,
    worker: Worker,
    done: Vec<bool>,
}

impl Stepper<'_> {
    /// Runs every task that is not done once; returns what the round did.
    pub fn step(&mut self) -> TaskStatus {
        let mut any = TaskStatus::Done;
        for (k, &t) in self.router.tasks.iter().enumerate() {
            if self.done[k] {
                continue;
            }
            match self.router.run_task(&mut self.worker, t) {
                TaskStatus::Worked => any = TaskStatus::Worked,
                TaskStatus::Done => self.done[k] = true,
                idle @ TaskStatus::Idle(_) => {
                    if any == TaskStatus::Done {
                        any = idle;
                    }
                }
            }
        }
        any
    }

    /// Steps until no task works or a stop is requested; returns rounds run.
    pub fn run_until_idle(&mut self) -> usize {
        let mut rounds = 0;
        while !self.router.stop.load(Ordering::Relaxed) && self.step() == TaskStatus::Worked {
            rounds += 1;
        }
        rounds
    }

    /// Pushes `batch` into input `port` of element `element`.
    pub fn inject(&mut self, element: usize, port: usize, batch: PacketBatch) {
        self.router.dispatch(&mut self.worker, element, port, batch);
    }
}

/// Handler calls made by a running element, under its worker's token so a
/// call on itself is refused rather than waiting on itself.
struct TaskHandlers<'a> {
    router: &'a Router,
    token: u32,
}

impl HandlerAccess for TaskHandlers<'_> {
    fn read(&self, full: &str) -> Result<String, HandlerError> {
        self.read_with(full, "")
    }
    fn read_with(&self, full: &str, param: &str) -> Result<String, HandlerError> {
        let (eid, handler) = self.router.resolve(full)?;
        self.router.read_handler_as(self.token, eid, handler, param)
    }
    fn write(&self, full: &str, value: &str) -> Result<(), HandlerError> {
        self.router.write_handler_as(self.token, full, value)
    }
    fn element_names(&self) -> Vec<String> {
        self.router.infos.iter().map(|i| i.name.clone()).collect()
    }
    fn has_handler(&self, element: &str, handler: &str, write: bool) -> Option<bool> {
        let eid = self.router.find(element)?;
        Some(self.router.has_handler(eid, handler, write))
    }
    fn request_stop(&self) {
        self.router.request_stop();
    }
}

/// Lets an element being run pull from its inputs.
struct Upstream<'a> {
    router: &'a Router,
    worker: &'a mut Worker,
    eid: usize,
    input: &'a mut Vec<u64>,
}

impl PullSource for Upstream<'_> {
    fn pull_input(&mut self, port: usize, max: usize, into: &mut PacketBatch) {
        let Some((from, from_port)) = self.router.infos[self.eid]
            .pull_from
            .get(port)
            .copied()
            .flatten()
        else {
            return;
        };
        let before = into.len();
        self.router.pull(self.worker, from, from_port, max, into);
        if let Some(c) = self.input.get_mut(port) {
            *c += (into.len() - before) as u64;
        }
    }
}

/// A configuration that could not be built, with the sources to render its
/// diagnostics against.
#[derive(Debug)]
pub struct RouterError {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

impl RouterError {
    /// Every diagnostic rendered with file:line:col and the source line.
    pub fn render(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render(&self.sources))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl std::fmt::Display for RouterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for RouterError {}
