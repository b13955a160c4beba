//! The element trait and what the engine hands an element when it runs.
//!
//! Key decision: an element sees whole batches. `push` receives a batch and
//! moves each packet to one of its per-port output batches (or drops it
//! with a named reason); the engine then dispatches each output batch to the
//! next element, so dispatch costs one virtual call per batch. Elements whose
//! logic is one packet at a time implement [`SimpleAction`] and get batch
//! handling, push and pull, from [`Simple`].
//!
//! Symbolic models (DESIGN.md, "one element, two semantics") attach here:
//! the verifier's model trait will sit beside [`Element`] in this crate and
//! each element file will implement it next to its concrete code; until
//! then [`Element::as_any`] gives tools the concrete element and its parsed
//! configuration (a Classifier's compiled program, say) without re-parsing.

use std::any::Any;

use clickconf::args::ArgError;
use packet::{Packet, PacketBatch};

use crate::clock::Clock;
use crate::shared::Shared;
use crate::spec::Processing;

/// Index into an element class's declared drop reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DropReason(pub u16);

/// Where a packet goes after a one-packet action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// To output 0.
    Pass,
    /// To output `n`.
    Out(usize),
    /// Dropped, counted under the reason.
    Drop(DropReason),
}

/// Why an element could not be built from its arguments.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// An argument is wrong; the range locates it in the configuration string.
    #[error("{0}")]
    Arg(#[from] ArgError),
    /// The configuration as a whole is wrong.
    #[error("{0}")]
    Message(String),
}

impl ConfigError {
    pub fn msg(m: impl Into<String>) -> ConfigError {
        ConfigError::Message(m.into())
    }
}

/// Why a handler call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandlerError {
    #[error("no handler '{0}'")]
    NoSuchHandler(String),
    #[error("handler '{0}' is not readable")]
    NotReadable(String),
    #[error("handler '{0}' is not writable")]
    NotWritable(String),
    #[error("{0}")]
    BadValue(String),
    #[error("no element named '{0}'")]
    NoSuchElement(String),
}

/// What an element knows when it is built.
#[derive(Clone)]
pub struct BuildContext {
    /// The router's clock, for elements that measure rates or time.
    pub clock: std::sync::Arc<dyn Clock>,
    /// The element's name in the flattened configuration.
    pub name: String,
    /// Number of connected input ports.
    pub ninputs: usize,
    /// Number of connected output ports.
    pub noutputs: usize,
    /// What elements built earlier published (names, tables, mappers).
    pub shared: std::sync::Arc<Shared>,
}

impl BuildContext {
    /// A context for building an element outside a router (tests, tools).
    pub fn standalone(name: &str, ninputs: usize, noutputs: usize) -> BuildContext {
        BuildContext {
            clock: std::sync::Arc::new(crate::clock::SystemClock::new()),
            name: name.to_string(),
            ninputs,
            noutputs,
            shared: std::sync::Arc::default(),
        }
    }
}

/// What an element learns after every element is built and processing is
/// resolved, and what it can ask for.
pub struct InitContext<'a> {
    pub(crate) inputs: &'a [Processing],
    pub(crate) outputs: &'a [Processing],
    pub(crate) wants_task: bool,
    pub(crate) manages_stops: bool,
    pub(crate) shared: &'a Shared,
    /// Every element of the router and this element's index in it.
    pub(crate) graph: &'a [crate::build::ElementInfo],
    pub(crate) index: usize,
}

impl InitContext<'_> {
    /// What every element published while the router was built; lookups
    /// here see elements declared later in the configuration too.
    pub fn shared(&self) -> &Shared {
        self.shared
    }
    /// The resolved processing (push or pull) of input `port`.
    pub fn input(&self, port: usize) -> Processing {
        self.inputs.get(port).copied().unwrap_or(Processing::Push)
    }
    /// The resolved processing (push or pull) of output `port`.
    pub fn output(&self, port: usize) -> Processing {
        self.outputs.get(port).copied().unwrap_or(Processing::Push)
    }
    pub fn ninputs(&self) -> usize {
        self.inputs.len()
    }
    pub fn noutputs(&self) -> usize {
        self.outputs.len()
    }
    /// The names of the nearest elements downstream of output `port`
    /// (`downstream`) or upstream of input `port` for which `found` holds,
    /// as Click's flow-based router context finds them: the search follows
    /// connections through other elements (from any of their ports to all
    /// the others) and stops at each element found.
    pub fn nearest(
        &self,
        downstream: bool,
        port: usize,
        found: impl Fn(&str) -> bool,
    ) -> Vec<String> {
        let me = &self.graph[self.index];
        let start = if downstream {
            me.output_peers.get(port)
        } else {
            me.input_peers.get(port)
        };
        let mut todo: Vec<usize> = start.into_iter().flatten().map(|&(e, _)| e).collect();
        let mut seen = vec![false; self.graph.len()];
        seen[self.index] = true;
        let mut out = Vec::new();
        while let Some(e) = todo.pop() {
            if std::mem::replace(&mut seen[e], true) {
                continue;
            }
            let info = &self.graph[e];
            if found(&info.name) {
                out.push(info.name.clone());
                continue;
            }
            let next = if downstream {
                &info.output_peers
            } else {
                &info.input_peers
            };
            todo.extend(next.iter().flatten().map(|&(e, _)| e));
        }
        out.sort_by_key(|name| self.graph.iter().position(|i| &i.name == name));
        out
    }
    /// Asks for `run_task` to be called repeatedly while the router runs.
    pub fn schedule_task(&mut self) {
        self.wants_task = true;
    }
    /// Makes this element the router's driver manager (Click's
    /// `DriverManager`, `Script(TYPE DRIVER)`): other elements' stop
    /// requests no longer stop the router but are counted for this
    /// element's task to take with [`TaskContext::take_stop_events`]; the
    /// router stops when this element itself asks. At most one element of
    /// a router may ask (checked when the router is built).
    pub fn manage_stops(&mut self) {
        self.manages_stops = true;
    }
}

/// An element's output side: one batch per output port and the drop
/// counters. Packets moved here are dispatched by the engine after the
/// element returns.
#[derive(Debug, Default)]
pub struct Output {
    pub(crate) batches: Vec<PacketBatch>,
    pub(crate) drops: Vec<u64>,
    /// Packets sent to a port that does not exist.
    pub(crate) misrouted: u64,
}

impl Output {
    /// An output side with `ports` ports and `reasons` drop reasons.
    pub fn new(ports: usize, reasons: usize) -> Output {
        Output {
            batches: (0..ports).map(|_| PacketBatch::new()).collect(),
            drops: vec![0; reasons],
            misrouted: 0,
        }
    }

    /// Number of output ports.
    #[inline]
    pub fn ports(&self) -> usize {
        self.batches.len()
    }

    /// Sends `packet` out of `port`. A port that does not exist counts the
    /// packet as misrouted and drops it.
    #[inline(always)]
    pub fn emit(&mut self, port: usize, packet: Packet) {
        match self.batches.get_mut(port) {
            Some(batch) => batch.push(packet),
            None => self.misrouted += 1,
        }
    }

    /// The batch bound for `port`, to fill in place (sources).
    #[inline]
    pub fn batch(&mut self, port: usize) -> Option<&mut PacketBatch> {
        self.batches.get_mut(port)
    }

    /// Sends every packet of `batch` out of `port`, leaving `batch` empty.
    #[inline]
    pub fn forward(&mut self, port: usize, batch: &mut PacketBatch) {
        match self.batches.get_mut(port) {
            Some(out) => out.append(batch),
            None => {
                self.misrouted += batch.len() as u64;
                batch.clear();
            }
        }
    }

    /// Drops `packet`, counting it under `reason`.
    #[inline]
    pub fn drop(&mut self, packet: Packet, reason: DropReason) {
        self.count_drops(reason, 1);
        drop(packet);
    }

    /// Counts `n` packets dropped for `reason` (for packets already gone).
    #[inline]
    pub fn count_drops(&mut self, reason: DropReason, n: u64) {
        match self.drops.get_mut(reason.0 as usize) {
            Some(c) => *c += n,
            None => self.misrouted += n,
        }
    }

    /// Applies a verdict to a packet.
    #[inline(always)]
    pub fn apply(&mut self, packet: Packet, verdict: Verdict) {
        match verdict {
            Verdict::Pass => self.emit(0, packet),
            Verdict::Out(port) => self.emit(port, packet),
            Verdict::Drop(reason) => self.drop(packet, reason),
        }
    }
}

/// Lets an element pull packets from its pull inputs.
pub trait PullSource {
    /// Pulls up to `max` packets from input `port`, appending to `into`.
    fn pull_input(&mut self, port: usize, max: usize, into: &mut PacketBatch);
}

/// What an element sees while running as a task or serving a pull.
pub struct TaskContext<'a> {
    pub(crate) upstream: &'a mut dyn PullSource,
    pub(crate) clock: &'a dyn Clock,
    pub(crate) stop: &'a mut StopAsk,
    pub(crate) handlers: &'a dyn HandlerAccess,
    /// Stop events waiting for the driver manager (see
    /// [`InitContext::manage_stops`]).
    pub(crate) stop_events: &'a std::sync::atomic::AtomicU32,
}

/// What an element asked about stopping while it ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StopAsk {
    /// [`TaskContext::stop_router`]: counts once per element.
    pub once: bool,
    /// [`TaskContext::stop_event`] calls: each counts.
    pub events: u32,
}

impl StopAsk {
    pub fn any(&self) -> bool {
        self.once || self.events > 0
    }
}

/// Reads and writes other elements' handlers from inside a running router
/// (`Script`, `DriverManager`, control sockets). Calls on the calling
/// element itself fail with "element busy", since it is running.
pub trait HandlerAccess {
    /// Reads handler `element.handler`.
    fn read(&self, full: &str) -> Result<String, HandlerError>;
    /// Reads handler `element.handler` with parameters (Click's "read
    /// handlers with parameters", e.g. `Script`'s `add 1 2`).
    fn read_with(&self, full: &str, param: &str) -> Result<String, HandlerError> {
        if param.trim().is_empty() {
            self.read(full)
        } else {
            Err(HandlerError::BadValue(format!(
                "handler '{full}' takes no parameters"
            )))
        }
    }
    /// Writes handler `element.handler`.
    fn write(&self, full: &str, value: &str) -> Result<(), HandlerError>;
    /// The names of every element, in configuration order.
    fn element_names(&self) -> Vec<String>;
    /// Whether element `element` has a readable (`write` false) or
    /// writable handler `handler`; `None` when there is no such element.
    fn has_handler(&self, element: &str, handler: &str, write: bool) -> Option<bool>;
    /// Raises one stop event (Click's `write stop`): for the driver
    /// manager if the router has one, otherwise the router stops.
    fn request_stop(&self);
}

impl TaskContext<'_> {
    /// Pulls up to `max` packets from input `port`, appending to `into`.
    #[inline]
    pub fn pull_input(&mut self, port: usize, max: usize, into: &mut PacketBatch) {
        self.upstream.pull_input(port, max, into);
    }
    /// The router's clock.
    pub fn clock(&self) -> &dyn Clock {
        self.clock
    }
    /// Asks the router to stop (Click's `STOP true`). With a driver
    /// manager in the router, this is one stop event for it, however often
    /// the element asks.
    pub fn stop_router(&mut self) {
        self.stop.once = true;
    }
    /// Asks the router to stop, each call counting as one more stop event
    /// for a driver manager (Click's `write stop`, `Script`'s `stop`).
    pub fn stop_event(&mut self) {
        self.stop.events = self.stop.events.saturating_add(1);
    }
    /// For the driver manager: the stop events other elements raised since
    /// the last call (always 0 for other elements).
    pub fn take_stop_events(&mut self) -> u32 {
        self.stop_events
            .swap(0, std::sync::atomic::Ordering::AcqRel)
    }
    /// Other elements' handlers.
    pub fn handlers(&self) -> &dyn HandlerAccess {
        self.handlers
    }
}

/// What a task's run reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    /// Did some work; run again soon.
    Worked,
    /// Had nothing to do; may run again no earlier than this monotonic time
    /// in nanoseconds (`None`: whenever).
    Idle(Option<u64>),
    /// Will never have work again.
    Done,
}

/// A packet-processing element.
///
/// Every method has a default so an element implements only what it does.
/// Packets left in an input batch after `push` returns are counted as
/// dropped by the engine.
pub trait Element: Send + Any {
    /// Called once after every element is built and processing is resolved.
    fn initialize(&mut self, _cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        Ok(())
    }

    /// Handles a batch arriving on push input `port`.
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, _out: &mut Output) {
        batch.clear();
    }

    /// Produces up to `max` packets for pull output `port` into `into`.
    /// Packets for other (push) outputs go to `out`.
    fn pull(
        &mut self,
        _port: usize,
        _max: usize,
        _cx: &mut TaskContext<'_>,
        _into: &mut PacketBatch,
        _out: &mut Output,
    ) {
    }

    /// Runs the element's task once (sources, Unqueue, pull-to-device).
    fn run_task(&mut self, _cx: &mut TaskContext<'_>, _out: &mut Output) -> TaskStatus {
        TaskStatus::Done
    }

    /// Reads a class-specific handler declared in the element's spec.
    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Err(HandlerError::NoSuchHandler(name.to_string()))
    }

    /// Writes a class-specific handler declared in the element's spec.
    fn write_handler(&mut self, name: &str, _value: &str) -> Result<(), HandlerError> {
        Err(HandlerError::NoSuchHandler(name.to_string()))
    }

    /// Reads a handler with parameters (`param`, empty when there are
    /// none) and access to other elements' handlers; what the router calls.
    /// The default refuses parameters and calls [`Element::read_handler`].
    fn read_handler_with(
        &mut self,
        name: &str,
        param: &str,
        _handlers: &dyn HandlerAccess,
    ) -> Result<String, HandlerError> {
        if param.trim().is_empty() {
            self.read_handler(name)
        } else {
            Err(HandlerError::BadValue(format!(
                "handler '{name}' takes no parameters"
            )))
        }
    }

    /// Writes a handler with access to other elements' handlers; what the
    /// router calls. The default calls [`Element::write_handler`].
    fn write_handler_with(
        &mut self,
        name: &str,
        value: &str,
        _handlers: &dyn HandlerAccess,
    ) -> Result<(), HandlerError> {
        self.write_handler(name, value)
    }

    /// Called when the router stops, before handlers are read for the last
    /// time: flush files, release devices.
    fn finish(&mut self) {}

    /// Number of packets the element holds (queues), for accounting.
    fn held(&self) -> usize {
        0
    }

    /// The element as `Any`, so tools (the verifier, tests) can reach the
    /// concrete type behind the trait object.
    fn as_any(&self) -> &dyn Any;
}

/// One-packet logic for elements whose outputs are push or agnostic.
pub trait SimpleAction: Send + Any {
    /// Processes one packet and says where it goes.
    fn action(&mut self, packet: &mut Packet) -> Verdict;

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Err(HandlerError::NoSuchHandler(name.to_string()))
    }

    fn write_handler(&mut self, name: &str, _value: &str) -> Result<(), HandlerError> {
        Err(HandlerError::NoSuchHandler(name.to_string()))
    }
}

/// Turns a [`SimpleAction`] into an [`Element`]: the batch loop for push,
/// and for pull, pulling from input 0 and applying the action in place.
pub struct Simple<E> {
    pub action: E,
    /// Reused across pulls so that pulling never allocates.
    scratch: PacketBatch,
}

impl<E: SimpleAction> Simple<E> {
    /// Boxes `action` as an element.
    pub fn boxed(action: E) -> Box<dyn Element> {
        Box::new(Simple {
            action,
            scratch: PacketBatch::new(),
        })
    }
}

impl<E: SimpleAction> Simple<E> {
    /// The rest of [`Element::push`] once packet `at` got `verdict`.
    #[inline(never)]
    fn push_mixed(
        &mut self,
        batch: &mut PacketBatch,
        at: usize,
        verdict: Verdict,
        out: &mut Output,
    ) {
        let mut rest = batch.drain();
        for _ in 0..at {
            if let Some(packet) = rest.next() {
                out.emit(0, packet);
            }
        }
        if let Some(packet) = rest.next() {
            out.apply(packet, verdict);
        }
        for mut packet in rest {
            let verdict = self.action.action(&mut packet);
            out.apply(packet, verdict);
        }
    }
}

impl<E: SimpleAction> Element for Simple<E> {
    /// Runs the action over the batch in place. While every verdict is
    /// `Pass` nothing moves and the batch goes on whole; from the first
    /// other verdict on, packets are sent one by one (out of line, so that
    /// this loop is the action's only call site here and it inlines).
    #[inline]
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let mut first_other = None;
        for (i, packet) in batch.as_mut_slice().iter_mut().enumerate() {
            let verdict = self.action.action(packet);
            if verdict != Verdict::Pass {
                first_other = Some((i, verdict));
                break;
            }
        }
        match first_other {
            None => out.forward(0, batch),
            Some((at, verdict)) => self.push_mixed(batch, at, verdict, out),
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
        // Packets bound elsewhere leave through `out`; order among the ones
        // kept is preserved.
        cx.pull_input(0, max, &mut self.scratch);
        for mut packet in self.scratch.drain() {
            match self.action.action(&mut packet) {
                Verdict::Pass | Verdict::Out(0) => into.push(packet),
                verdict => out.apply(packet, verdict),
            }
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        self.action.read_handler(name)
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        self.action.write_handler(name, value)
    }

    fn as_any(&self) -> &dyn Any {
        &self.action
    }
}
