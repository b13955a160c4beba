//! IPAddrPairRewriter — rewrites address pairs (NAT keyed by source and destination).
//!
//! ## Synopsis
//! `IPAddrPairRewriter(INPUTSPEC_0, ..., INPUTSPEC_N-1 [, keywords])`
//!
//! ## Ports
//! One input per INPUTSPEC, any number of outputs; push.
//!
//! ## Description
//! A mapping is made per (source, destination) address pair: packets of
//! the pair get the mapped addresses, and packets of the reverse of the
//! mapped pair get the original ones back. Ports stay; the IP, TCP and UDP
//! checksums are updated; the destination-IP annotation is set. Every IP
//! packet is handled. Patterns must leave the ports alone (`SADDR DADDR`).
//! Table lines read `(SA, DA) => (SA', DA') [*FOUT ROUT] iINPUT expSECS`.
//!
//! A packet of no known flow is handled by the INPUTSPEC of the input it
//! arrived on (one INPUTSPEC per input):
//!
//! - `drop` or `discard`: dropped (reason `no_mapping`).
//! - `pass OUT` (also `passthrough`, `nochange`; OUT defaults to 0): sent
//!   to OUT unchanged, no mapping made.
//! - `keep FOUT ROUT`: a mapping that changes nothing; the flow leaves by
//!   FOUT, its replies by ROUT.
//! - `pattern PATTERN FOUT ROUT`: a mapping made by PATTERN (below).
//! - `pattern NAME FOUT ROUT`: a pattern named in `IPRewriterPatterns`.
//! - `MAPPER`: the name of a mapper element (`RoundRobinIPMapper`), which
//!   makes the mapping and picks the outputs.
//!
//! PATTERN is `SADDR SPORT DADDR DPORT`, `SADDR DADDR`, or (the ICMP form)
//! `SADDR DADDR ID`; `-` leaves a field as the packet has it. One field
//! may vary: the source port (`1024-65535`) when ports are given, else
//! the source address (`A1-A2`, or `PREFIX/LEN` without the network and
//! broadcast addresses). The value is one no mapping's reply uses yet:
//! with a `#` suffix the next in sequence, with `?` one from a random
//! place, with no suffix the packet's own source port if it is in range
//! and free, else one from a random place. No free value drops the packet
//! (reason `mapping_failed`) and counts a mapping failure.
//!
//! The network header annotation must be set; packets shorter than an IP
//! header are dropped (reason `not_rewritable`).
//!
//! A mapping lives while packets use it. After a packet it is guaranteed
//! for GUARANTEE; after that it is best effort and expires its timeout
//! (below) after its last packet. Expired mappings are removed every REAP_INTERVAL
//! (checked when packets or handler calls arrive). The table holds at most
//! MAPPING_CAPACITY mappings: a new flow beyond it removes the best-effort
//! mapping that expires first, or, when every mapping is still
//! guaranteed, is dropped (reason `mapping_failed`) and counted in
//! `mapping_failures`.
//!
//! Mappings time out TIMEOUT (2 h) after their last packet.
//!
//! ## Arguments
//! - `INPUTSPEC_i`: one per input.
//! - `TIMEOUT` (default 2 h): above.
//! - `GUARANTEE` (default 5 s): see above.
//! - `REAP_INTERVAL` (default 15 min; `REAP_TIME` is the old name).
//! - `MAPPING_CAPACITY` (or `CAPACITY`; default 2147483647).
//! - `REPLY_ANNO`: a one-byte annotation; reply packets get the value it
//!   had on the flow's first packet.
//!
//! ## Handlers
//! - `table` (read; old name `mappings`): the mappings in Click's order.
//! - `table_size`, `nmappings` (read): mappings made by this element.
//!   `size` (read): mappings in the table.
//! - `mapping_failures` (read): flows that got no mapping.
//! - `patterns` (read): each input's spec in Click's form (`<drop>`,
//!   `<nochange>`, `<keep>`, the pattern, `<mapper>`), with the mappings
//!   it made in brackets. `pattern0` … `pattern7` (read/write): one
//!   input's; writing a new spec removes the mappings that input made.
//! - `capacity` (read/write): MAPPING_CAPACITY. `clear` (write): removes
//!   every mapping.
//!
//! ## Differences from Click
//! - Expired mappings are removed when a packet or handler call finds the
//!   reap interval over, not by a timer.
//! - MAPPING_CAPACITY naming another rewriter (to share one capacity) is
//!   not supported; it is an error.
//! - The read-with-parameter `lookup` handlers are not provided (the
//!   engine's handlers take no parameters); `pattern` handlers exist for
//!   inputs 0 to 7.
//!
//! ## Example
//! ```text
//! IPAddrPairRewriter(pattern 198.51.100.1 - 0 1, drop);
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec};

use super::rewriter::{self, Class, DROP_REASONS, HANDLERS};

pub const SPEC: ElementSpec = ElementSpec {
    class: "IPAddrPairRewriter",
    ports: "1-/1-",
    processing: "h/h",
    source: include_str!("ipaddrpairrewriter.rs"),
    drop_reasons: DROP_REASONS,
    handlers: HANDLERS,
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    rewriter::make(args, cx, Class::AddrPair)
}
