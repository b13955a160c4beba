//! IPRewriter — rewrites TCP and UDP flows (NAT, NAPT, load balancing).
//!
//! ## Synopsis
//! `IPRewriter(INPUTSPEC_0, ..., INPUTSPEC_N-1 [, keywords])`
//!
//! ## Ports
//! One input per INPUTSPEC, any number of outputs; push.
//!
//! ## Description
//! Rewrites the source and destination addresses and ports of TCP and UDP
//! packets, with their checksums, by flow: a network address and port
//! translator (NAPT). A mapping rewrites a flow one way, leaving by its
//! forward output, and its replies (recognised by the rewritten addresses
//! and ports) back, leaving by its reply output. Table lines read
//! `(SA, SP, DA, DP) => (SA', SP', DA', DP') [*FOUT ROUT] iINPUT expSECS`,
//! one per direction, the `*` marking the line's direction. TCP and UDP
//! mappings are kept apart.
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
//! Packets other than TCP and UDP, later fragments, and packets with
//! fewer than 8 transport bytes go to the input's `pass` output if it has
//! one and are dropped otherwise (reason `not_rewritable`). The network
//! header annotation must be set. With DST_ANNO (default true) the
//! destination-IP annotation is set to the new destination.
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
//! TCP mappings time out TCP_NODATA_TIMEOUT (5 min) after their last
//! packet until data has been seen both ways, then TCP_TIMEOUT (24 h),
//! and TCP_DONE_TIMEOUT (4 min) once both sides sent FIN or one sent RST.
//! UDP mappings time out after UDP_TIMEOUT (5 min), or
//! UDP_STREAMING_TIMEOUT once three packets, replies among them, passed.
//!
//! ## Arguments
//! - `INPUTSPEC_i`: one per input.
//! - `TCP_TIMEOUT` (or `TIMEOUT`), `TCP_NODATA_TIMEOUT`, `TCP_DONE_TIMEOUT`,
//!   `UDP_TIMEOUT`, `UDP_STREAMING_TIMEOUT` (default UDP_TIMEOUT): above.
//! - `TCP_GUARANTEE`, `UDP_GUARANTEE` (default 5 s): the guarantees.
//! - `DST_ANNO` (default true).
//! - `GUARANTEE`: the same as TCP_GUARANTEE.
//! - `REAP_INTERVAL` (default 15 min; `REAP_TIME` is the old name).
//! - `MAPPING_CAPACITY` (or `CAPACITY`; default 2147483647).
//! - `REPLY_ANNO`: a one-byte annotation; reply packets get the value it
//!   had on the flow's first packet.
//!
//! ## Handlers
//! - `tcp_table`, `udp_table` (read; old names `tcp_mappings`,
//!   `udp_mappings`): the TCP or UDP mappings in Click's order.
//! - `table` (read): both (not in Click, whose IPRewriter has no `table`).
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
//! - The UDP checksum is updated as Click does, so in rare cases it may
//!   come out 0 (meaning "no checksum") as in Click.
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
//! // input 0: inside; input 1: outside (replies leave on output 1)
//! IPRewriter(pattern 1.0.0.1 1024-65535# - - 0 1, drop);
//! ```

use clickconf::args::Args;
use engine::{BuildContext, ConfigError, Element, ElementSpec};

use super::rewriter::{self, Class, DROP_REASONS, IP_HANDLERS};

pub const SPEC: ElementSpec = ElementSpec {
    class: "IPRewriter",
    ports: "1-/1-",
    processing: "h/h",
    source: include_str!("iprewriter.rs"),
    drop_reasons: DROP_REASONS,
    handlers: IP_HANDLERS,
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    rewriter::make(args, cx, Class::Ip)
}
