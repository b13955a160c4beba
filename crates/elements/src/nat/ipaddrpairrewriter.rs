//! IPAddrPairRewriter — rewrites address pairs (NAT keyed by source and destination).
//!
//! ## Synopsis
//! `IPAddrPairRewriter(INPUTSPEC_0, ..., INPUTSPEC_N-1 [, keywords])`
//!
//! ## Ports
//! One input per INPUTSPEC, any number of outputs; push.
//!
//! ## Description
//! Handles IP packets of any protocol; a flow is a source and destination address pair, by flow. A packet of a flow in the table is rewritten
//! as its mapping says (addresses and ports, with the IP and transport
//! checksums updated incrementally) and leaves by the mapping's output;
//! this holds for both directions of the flow, the reply direction being
//! recognised by the rewritten addresses and ports. A packet of no known
//! flow is handled by the INPUTSPEC of the input it arrived on:
//!
//! - `drop` (or `discard`): dropped (reason `no_mapping`).
//! - `pass OUT` (or `passthrough`, `nochange`): sent to OUT unchanged,
//!   no mapping made.
//! - `keep FOUT ROUT`: a mapping that changes nothing; the flow leaves by
//!   FOUT, its replies by ROUT.
//! - `pattern SADDR DADDR FOUT ROUT`: a mapping that changes the given fields
//!   (`-` keeps one). One field may vary over a range: the source port
//!   (`1024-65535`) or the source address (`A1-A2`, or `A/LEN` without the
//!   network and broadcast addresses). With a `#` suffix values are taken
//!   in sequence; with `?` from a random place; with no suffix the flow's
//!   own value is used if it is in range and free, else one from a random
//!   place. A value is free if no flow's reply direction uses it. No free value, or a full table, drops the packet
//!   (reason `mapping_failed`) and counts a mapping failure.
//! - `pattern NAME FOUT ROUT`: a pattern defined by `IPRewriterPatterns`.
//! - `MAPPER`: the name of a `RoundRobinIPMapper`, which picks a pattern.
//!
//! Packets the class cannot rewrite (other protocols, later fragments,
//! truncated headers) take their input's `pass` if it has one and are
//! dropped otherwise (reason `not_rewritable`). The packet's network
//! header annotation must be set. With DST_ANNO true (the default) the
//! destination-IP annotation is set to the rewritten destination.
//!
//! Mappings expire after a time without packets: TCP_TIMEOUT (default
//! 24 h), TCP_DONE_TIMEOUT once a FIN or RST has been seen (default 4
//! min), UDP_TIMEOUT (default TIMEOUT, 5 min); the address and ICMP
//! rewriters use TIMEOUT. The table holds at most MAPPING_CAPACITY flows
//! (default 1,048,576); expired flows are reclaimed as time passes.
//!
//! ## Arguments
//! - `INPUTSPEC_i`: one per input.
//! - `TIMEOUT`, `TCP_TIMEOUT`, `TCP_DONE_TIMEOUT`, `UDP_TIMEOUT`: as above.
//! - `TCP_NODATA_TIMEOUT`, `TCP_GUARANTEE`, `UDP_GUARANTEE`, `GUARANTEE`,
//!   `REAP_INTERVAL`, `UDP_STREAMING_TIMEOUT`: accepted, not used.
//! - `MAPPING_CAPACITY`: the most flows kept.
//! - `DST_ANNO` (default true): set the destination-IP annotation.
//!
//! ## Handlers
//! - `table` (read), and for IPRewriter `tcp_table`, `udp_table`: every
//!   mapping, a line per direction in Click's notation:
//!   `(SA, SP, DA, DP) => (SA', SP', DA', DP') [*FOUT ROUT] iINPUT expSECONDS`,
//!   the `*` marking the direction of the line.
//! - `table_size`, `nmappings`, `size` (read): flows in the table.
//! - `mapping_failures` (read): new flows that could not be mapped.
//! - `capacity` (read/write): MAPPING_CAPACITY.
//! - `patterns` (read): the input specs. `clear` (write): forget every
//!   mapping.
//!
//! ## Differences from Click
//! - The guarantee timeouts are not implemented: when the table is full,
//!   new flows fail rather than displacing old ones past their guarantee.
//! - MAPPING_CAPACITY is a number; Click also accepts another rewriter's
//!   name to share its capacity.
//! - Lines of `table` come in the order flows were made (Click's come in
//!   hash order).
//!
//! ## Example
//! ```text
//! IPAddrPairRewriter(pattern 3.0.0.1-3.0.0.255# - 0 1, drop);
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
