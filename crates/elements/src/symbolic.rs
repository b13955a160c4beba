//! The symbolic models of the library's elements, for `yard verify`.
//!
//! Key decision: each group keeps its models in a `symbolic.rs` beside
//! its elements' files, and [`models`] lists them all in one place, as
//! [`crate::specs`] lists the concrete classes. The models shared by many
//! classes (pass-through, sinks, devices) are here.

use verify::{Cx, Field, Flow, Model, ModelArgs, ModelError, ModelRegistry};

/// Every modelled class.
pub fn models() -> ModelRegistry {
    let mut r = ModelRegistry::new();
    r.set_names(address_names);
    for class in TRANSPARENT {
        r.add(class, transparent);
    }
    for class in SINKS {
        r.add(class, sink);
    }
    for class in DEVICES.iter().chain(SOURCES) {
        r.add(class, device);
    }
    for class in NO_PORTS {
        r.add(class, no_ports);
    }
    for class in MERGES {
        r.add(class, merge);
    }
    crate::standard::symbolic::register(&mut r);
    crate::ethernet::symbolic::register(&mut r);
    crate::ip::symbolic::register(&mut r);
    crate::classify::symbolic::register(&mut r);
    crate::nat::symbolic::register(&mut r);
    crate::routing::symbolic::register(&mut r);
    crate::balance::symbolic::register(&mut r);
    crate::tunnel::symbolic::register(&mut r);
    crate::shaping::symbolic::register(&mut r);
    r
}

/// A box's `AddressInfo` names, as the engine resolves them.
fn address_names(
    elements: &[clickconf::GraphElement],
) -> Option<std::sync::Arc<dyn clickconf::args::NameResolver>> {
    let configs: Vec<&str> = elements
        .iter()
        .filter(|e| e.class == "AddressInfo")
        .map(|e| e.config.as_str())
        .collect();
    if configs.is_empty() {
        return None;
    }
    Some(std::sync::Arc::new(
        crate::classify::addressinfo::AddressTable::from_configs(configs.into_iter()),
    ))
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
    // Packet types are not modelled: every packet passes.
    "SetPacketType",
    "DropBroadcasts",
    // IP options are not modelled (headers are 20 bytes): nothing to do.
    "IPGWOptions",
];

/// Sources: wires into a box. Their packets are taken as any packet (a
/// query's injected flow), whatever the source would really make.
const SOURCES: &[&str] = &[
    "InfiniteSource",
    "RatedSource",
    "TimedSource",
    "RandomSource",
    "FastUDPFlows",
    "FastUDPSource",
    "FastTCPFlows",
    "FromIPSummaryDump",
    "FromTcpdump",
];

/// Classes with no packet ports: no flow ever reaches them.
const NO_PORTS: &[&str] = &[
    "AddressInfo",
    "IPRewriterPatterns",
    "RoundRobinIPMapper",
    "Script",
    "DriverManager",
    "ControlSocket",
];

/// Schedulers: every input leads to output 0.
const MERGES: &[&str] = &["RoundRobinSched", "PrioSched"];

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

struct NoPorts;

impl Model for NoPorts {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        cx.unmet(flow, "the element has no packet ports");
    }
}

fn no_ports(_args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(NoPorts))
}

struct Merge;

impl Model for Merge {
    fn apply(&self, _port: usize, flow: Flow, cx: &mut Cx<'_>) {
        cx.emit(0, flow);
    }
}

fn merge(_args: &mut ModelArgs<'_>) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(Merge))
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
        .map_err(|_| ModelError::from(format!("{what}: expected a number, got '{text}'")))
}

/// The 32-bit field whose bytes are the 4 bytes at `offset` from the data
/// pointer (the transport header taken as 20 bytes), as (header, field).
pub(crate) fn address_field_at(flow: &Flow, offset: u32) -> Result<(usize, Field), String> {
    let mut left = offset;
    for (i, h) in flow.headers.iter().enumerate().skip(flow.head) {
        let len = match h.kind {
            verify::HeaderKind::Transport => 20,
            k => k
                .fixed_len()
                .ok_or("a header of varying length comes first")? as u32,
        };
        if left < len {
            return verify::cond::byte_test(
                h.kind,
                left,
                4,
                0xffff_ffff,
                0,
                verify::cond::CmpOp::Eq,
                0,
            )
            .ok()
            .filter(|t| t.field.width() == 32)
            .map(|t| (i, t.field))
            .ok_or_else(|| {
                format!(
                    "bytes {left}-{} of the {} header are not an address field",
                    left + 3,
                    h.kind.name()
                )
            });
        }
        left -= len;
    }
    Err("the offset is past the packet's headers".into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_class_has_a_model() {
        let models = super::models();
        let missing: Vec<&str> = crate::specs()
            .iter()
            .map(|s| s.class)
            .filter(|c| models.get(c).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "classes without a symbolic model: {missing:?}"
        );
    }
}
