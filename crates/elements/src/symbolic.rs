//! The symbolic models of the library's elements, for `yard verify`.
//!
//! Key decision: each group keeps its models in a `symbolic.rs` beside
//! its elements' files, and [`models`] lists them all in one place, as
//! [`crate::specs`] lists the concrete classes. The models shared by many
//! classes (pass-through, sinks, devices) are here.

use verify::{Cx, Flow, Model, ModelArgs, ModelError, ModelRegistry};

/// Every modelled class.
pub fn models() -> ModelRegistry {
    let mut r = ModelRegistry::new();
    for class in TRANSPARENT {
        r.add(class, transparent);
    }
    for class in SINKS {
        r.add(class, sink);
    }
    for class in DEVICES {
        r.add(class, device);
    }
    crate::standard::symbolic::register(&mut r);
    crate::ethernet::symbolic::register(&mut r);
    crate::ip::symbolic::register(&mut r);
    crate::classify::symbolic::register(&mut r);
    crate::nat::symbolic::register(&mut r);
    crate::routing::symbolic::register(&mut r);
    crate::balance::symbolic::register(&mut r);
    crate::tunnel::symbolic::register(&mut r);
    r
}

/// Classes that pass every packet on unchanged from input 0 to output 0:
/// counters, queues, printers, schedulers of one input, timestampers.
/// Queues are transparent because flows are sets of packets, not
/// sequences: a queue changes when a packet leaves, not whether.
const TRANSPARENT: &[&str] = &[
    "Null",
    "Counter",
    "AverageCounter",
    "Queue",
    "SimpleQueue",
    "FrontDropQueue",
    "Unqueue",
    "RatedUnqueue",
    "BandwidthRatedUnqueue",
    "Shaper",
    "BandwidthShaper",
    "DelayShaper",
    "LinkUnqueue",
    "Print",
    "IPPrint",
    "SetTimestamp",
    "FlowStats",
    "AggregateIPFlows",
    "AggregateCounter",
    "IPRateMonitor",
    "TimeFilter",
    "ToIPSummaryDump",
    "RED",
    "PullTee",
];

/// Classes that end every packet.
const SINKS: &[&str] = &["Discard", "Idle"];

/// Devices and capture files: wires in and out of a box.
const DEVICES: &[&str] = &[
    "FromDevice",
    "ToDevice",
    "FromDump",
    "ToDump",
    "PollDevice",
    "ToHost",
    "FromHost",
];

/// Passes input `i` to output `i`.
pub struct Transparent;

impl Model for Transparent {
    fn apply(&self, port: usize, flow: Flow, cx: &mut Cx<'_>) {
        cx.emit(port, flow);
    }
}

fn transparent(_args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(Transparent))
}

struct Sink {
    class: String,
}

impl Model for Sink {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        cx.drop_flow(flow, format!("{} drops every packet", self.class));
    }
}

fn sink(args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(Sink {
        class: args.class.to_string(),
    }))
}

/// A device: what arrives on its (virtual) input 0 leaves by output 0.
struct Device;

impl Model for Device {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        cx.emit(0, flow);
    }
    fn is_device(&self) -> bool {
        true
    }
}

fn device(_args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(Device))
}

/// Sends a copy of the flow to every output.
pub struct Everywhere {
    pub outputs: usize,
}

impl Model for Everywhere {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        for p in 0..self.outputs {
            cx.emit(p, flow.clone());
        }
    }
}

/// Reads the element's arguments with Click's splitting.
pub fn args_of(args: &ModelArgs<'_>) -> Vec<String> {
    args.args()
}

/// Parses a number argument.
pub fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, ModelError> {
    text.trim()
        .parse()
        .map_err(|_| format!("{what}: expected a number, got '{text}'"))
}
