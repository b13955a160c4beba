//! ICMPRewriter — translates ICMP error messages about rewritten flows.
//!
//! ## Synopsis
//! `ICMPRewriter(MAPS [, DST_ANNO])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; push.
//!
//! ## Description
//! An ICMP error (unreachable, source quench, redirect, time exceeded,
//! parameter problem) quotes the start of the packet that caused it. When
//! that packet belongs to a flow of one of the rewriters named in MAPS
//! (IPRewriter, TCPRewriter, UDPRewriter, ICMPPingRewriter,
//! IPAddrRewriter…), the error is translated as the flow's packets are:
//! the quoted packet's addresses and ports are rewritten (with its IP and,
//! if quoted, UDP checksums), the error's destination becomes the quoted
//! packet's new source, and the ICMP and IP checksums are updated. So the
//! host behind a NAT gets the errors meant for it (RFC 5508 section 7).
//! Translated errors leave on output 0; other packets on output 1 if it
//! is connected, else are dropped (reason `no_mapping`). The network
//! header annotation must be set.
//!
//! ## Arguments
//! - `MAPS`: names of rewriter elements, space separated.
//! - `DST_ANNO` (default true): set the destination-IP annotation.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! nat :: IPRewriter(pattern 1.0.0.1 1024-65535# - - 0 1, drop);
//! icmp_errors -> ICMPRewriter(nat) -> ...
//! ```

use std::sync::{Arc, Mutex, PoisonError};

use clickconf::args::Args;
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, ElementSpec, InitContext, Output,
};
use packet::PacketBatch;

use super::flow::{FlowId, FlowTable, KeyKind, rewrite};
use super::rewriter::SharedTable;

pub const SPEC: ElementSpec = ElementSpec {
    class: "ICMPRewriter",
    ports: "1/1-2",
    processing: "h/h",
    source: include_str!("icmprewriter.rs"),
    drop_reasons: &["no_mapping"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct ICMPRewriter {
    names: Vec<String>,
    tables: Vec<Arc<Mutex<FlowTable>>>,
    dst_anno: bool,
    reject: Option<usize>,
    clock: Arc<dyn Clock>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let maps = args.read_mp::<String>("MAPS")?;
    let dst_anno = args.read_p::<bool>("DST_ANNO")?.unwrap_or(true);
    let names: Vec<String> = maps.split_ascii_whitespace().map(String::from).collect();
    if names.is_empty() {
        return Err(ConfigError::msg("MAPS names no rewriter"));
    }
    Ok(Box::new(ICMPRewriter {
        names,
        tables: Vec::new(),
        dst_anno,
        reject: (cx.noutputs > 1).then_some(1),
        clock: cx.clock.clone(),
    }))
}

/// Translates the ICMP error starting at `ip` with `table`; returns the
/// new outer destination.
fn translate(ip: &mut [u8], table: &mut FlowTable, now: u64) -> Option<u32> {
    let hl = usize::from(ip[0] & 0x0f) * 4;
    if hl < 20 || ip.len() < hl + 8 + 20 || ip[9] != 1 {
        return None;
    }
    if !matches!(ip[hl], 3 | 4 | 5 | 11 | 12) {
        return None;
    }
    let inner_at = hl + 8;
    let kind = table.kind();
    let quoted = FlowId::of_packet(&ip[inner_at..], kind)?;
    // The quoted packet went the other way: find the flow of its reverse.
    let (flow, reply) = table.lookup(&quoted.reverse(), now)?;
    let flow = *flow;
    let target = if reply {
        flow.forward.reverse()
    } else {
        flow.rewritten
    };
    let target = match kind {
        KeyKind::FiveTuple => target,
        _ => FlowId {
            saddr: target.saddr,
            daddr: target.daddr,
            ..quoted.reverse()
        },
    };
    let new_quoted = target.reverse();
    rewrite(&mut ip[inner_at..], &quoted, &new_quoted);
    // The ICMP checksum covers the quoted packet: compute it anew.
    let end = ip
        .len()
        .min(usize::from(u16::from_be_bytes([ip[2], ip[3]])).max(hl + 8));
    ip[hl + 2] = 0;
    ip[hl + 3] = 0;
    let c = packet::checksum::checksum(&ip[hl..end]);
    ip[hl + 2..hl + 4].copy_from_slice(&c.to_be_bytes());
    // The outer destination is the quoted packet's (new) source.
    let old_dst = u32::from_be_bytes([ip[16], ip[17], ip[18], ip[19]]);
    let new_dst = new_quoted.saddr;
    let sum = u16::from_be_bytes([ip[10], ip[11]]);
    let sum = packet::checksum::update_u32(sum, old_dst, new_dst);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    ip[16..20].copy_from_slice(&new_dst.to_be_bytes());
    Some(new_dst)
}

impl Element for ICMPRewriter {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        for name in &self.names {
            let t = cx.shared().lookup::<SharedTable>(name).ok_or_else(|| {
                ConfigError::msg(format!("MAPS: '{name}' is not a rewriter element"))
            })?;
            self.tables.push(t.0.clone());
        }
        Ok(())
    }

    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let now = self.clock.monotonic_ns();
        for mut p in batch.drain() {
            let mut done = None;
            if let Some(ip) = p.network_header_mut()
                && ip.len() >= 20
            {
                for t in &self.tables {
                    let mut table = t.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Some(dst) = translate(ip, &mut table, now) {
                        done = Some(dst);
                        break;
                    }
                }
            }
            match (done, self.reject) {
                (Some(dst), _) => {
                    if self.dst_anno {
                        p.anno_mut().set_dst_ip(dst.into());
                    }
                    out.emit(0, p);
                }
                (None, Some(port)) => out.emit(port, p),
                (None, None) => out.drop(p, DropReason(0)),
            }
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
