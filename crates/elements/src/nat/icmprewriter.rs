//! ICMPRewriter — translates ICMP error messages about rewritten flows.
//!
//! ## Synopsis
//! `ICMPRewriter(MAPS [, DST_ANNO, REPLY_ANNO])`
//!
//! ## Ports
//! 1 input, any number of outputs; push.
//!
//! ## Description
//! An ICMP error (destination unreachable, time exceeded, parameter
//! problem, source quench, redirect) quotes the start of the packet that
//! caused it. When that packet belongs to a mapping of one of the
//! rewriters in MAPS (IPRewriter, TCPRewriter, UDPRewriter,
//! ICMPPingRewriter, IPAddrRewriter, IPAddrPairRewriter), the error is
//! translated the way the mapping translates its flow's replies: the
//! quoted packet's addresses and ports (or echo identifier) are rewritten
//! with its IP and transport checksums, the error's destination becomes
//! the quoted packet's new source when it was the old one, and the ICMP
//! and IP checksums are updated incrementally, as Click does. So a host
//! behind a NAT gets the errors meant for it (RFC 5508 section 7).
//!
//! MAPS is a space-separated list of rewriter names, tried in order. A
//! name may carry a port offset, `NAME:OFFSET`: errors translated with
//! its mappings leave on output OFFSET + the mapping's output for the
//! direction; otherwise they leave on output 0. Errors about no mapping,
//! and ICMP messages that are not errors, are dropped (reason
//! `no_mapping`); packets that are not ICMP are dropped (reason
//! `not_icmp`). The mappings' timeouts are not refreshed. The network
//! header annotation must be set.
//!
//! ## Arguments
//! - `MAPS`: rewriter element names, space separated.
//! - `DST_ANNO` (default true): set the destination-IP annotation to the
//!   new destination.
//! - `REPLY_ANNO`: a one-byte annotation given, on errors about a reply,
//!   the value the mapping's rewriter recorded.
//!
//! ## Differences from Click
//! - With IPAddrRewriter and IPAddrPairRewriter maps only the quoted
//!   addresses change (Click 2.1 writes zeros into the quoted packet's
//!   ports and one of its addresses).
//! - As Click 2.1's code does (its manual says output 1), unmatched
//!   packets are dropped.
//!
//! ## Example
//! ```text
//! nat :: IPRewriter(pattern 1.0.0.1 1024-65535# - - 0 1, drop);
//! ping :: ICMPPingRewriter(pattern 1.0.0.1 - 0-65535# 0 1, drop);
//! icmp_errors -> ICMPRewriter(nat ping) -> ...
//! ```

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, PoisonError};

use clickconf::args::{Args, ValueError};
use engine::{BuildContext, ConfigError, DropReason, Element, ElementSpec, InitContext, Output};
use packet::{Packet, PacketBatch};

use super::flow::{FlowKey, FlowTable, click_update};
use super::rewriter::{Class, SharedTable, find_for_error};

pub const SPEC: ElementSpec = ElementSpec {
    class: "ICMPRewriter",
    ports: "1/1-",
    processing: "h/h",
    source: include_str!("icmprewriter.rs"),
    drop_reasons: &["no_mapping", "not_icmp"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const NO_MAPPING: DropReason = DropReason(0);
const NOT_ICMP: DropReason = DropReason(1);

struct Map {
    name: String,
    offset: Option<usize>,
    class: Class,
    table: Option<Arc<Mutex<FlowTable>>>,
}

struct ICMPRewriter {
    maps: Vec<Map>,
    dst_anno: bool,
    reply_anno: Option<usize>,
    noutputs: usize,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let maps = args.read_mp::<String>("MAPS")?;
    let dst_anno = args.read::<bool>("DST_ANNO")?.unwrap_or(true);
    let reply_anno = args.read_with("REPLY_ANNO", |text| {
        crate::standard::paint::parse_anno(text, 1).map_err(ValueError::new)
    })?;
    let mut list = Vec::new();
    for word in maps.split_ascii_whitespace() {
        let (name, offset) = match word.split_once(':') {
            Some((n, o)) => {
                let o: usize = o
                    .parse()
                    .map_err(|_| ConfigError::msg(format!("{word} not an IP rewriter")))?;
                (n, Some(o))
            }
            None => (word, None),
        };
        list.push(Map {
            name: name.to_string(),
            offset,
            class: Class::Ip,
            table: None,
        });
    }
    if list.is_empty() {
        return Err(ConfigError::msg("no IP rewriters supplied"));
    }
    Ok(Box::new(ICMPRewriter {
        maps: list,
        dst_anno,
        reply_anno,
        noutputs: cx.noutputs,
    }))
}

/// Where a translated error goes, or `None` for an error about no known
/// mapping (or not an error).
fn translate(
    ip: &mut [u8],
    maps: &[Map],
    dst_anno: bool,
) -> Option<(usize, Option<Ipv4Addr>, Option<u8>)> {
    let hl = usize::from(*ip.first()? & 0x0f) * 4;
    if hl < 20 || ip.len() < hl + 28 {
        return None;
    }
    if !matches!(ip[hl], 3 | 4 | 5 | 11 | 12) {
        return None;
    }
    let enc_at = hl + 8;
    let enc_v = ip[enc_at] >> 4;
    let enc_hl = usize::from(ip[enc_at] & 0x0f) * 4;
    if enc_v != 4 || enc_hl < 20 {
        return None;
    }
    let word = |b: &[u8], at: usize| u16::from_be_bytes([b[at], b[at + 1]]);
    let addr = |b: &[u8], at: usize| u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let enc_p = ip[enc_at + 9];
    let enc_src = addr(ip, enc_at + 12);
    let enc_dst = addr(ip, enc_at + 16);
    let first_fragment = word(ip, enc_at + 6) & 0x1fff == 0;
    let t_at = enc_at + enc_hl;
    let t_len = ip.len().saturating_sub(t_at);
    let mut search = FlowKey::new(enc_dst, 0, enc_src, 0);
    let mut use_transport = false;
    match enc_p {
        6 | 17 | 33 if t_len >= 8 && first_fragment => {
            search.sport = word(ip, t_at + 2);
            search.dport = word(ip, t_at);
            use_transport = true;
        }
        1 if t_len >= 6 && first_fragment && ip[t_at] == 8 => {
            search.sport = word(ip, t_at + 4);
            use_transport = true;
        }
        _ => {}
    }
    let (map, flow, reply) = maps.iter().find_map(|m| {
        let t = m
            .table
            .as_ref()?
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (slot, reply) = find_for_error(m.class, &t, enc_p, &search)?;
        Some((m, *t.flow(slot), reply))
    })?;
    let new = flow.rewritten(reply);
    // The quoted packet's new addresses and ports (the address rewriters
    // change addresses only).
    let (new_src, new_dst, new_sport, new_dport) = match map.class {
        Class::Addr if reply => (flow.key[0].saddr, enc_dst, search.dport, search.sport),
        Class::Addr => (enc_src, flow.key[1].daddr, search.dport, search.sport),
        Class::AddrPair => (new.daddr, new.saddr, search.dport, search.sport),
        _ => (new.daddr, new.saddr, new.dport, new.sport),
    };
    let mut old_hw = [0u16; 8];
    let mut new_hw = [0u16; 8];
    let mut anno_dst = None;
    // The error's destination, if it is the quoted packet's source.
    if addr(ip, 16) == search.daddr {
        let mut c = word(ip, 10);
        c = click_update(c, (search.daddr >> 16) as u16, (new_src >> 16) as u16);
        c = click_update(c, search.daddr as u16, new_src as u16);
        ip[16..20].copy_from_slice(&new_src.to_be_bytes());
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        if dst_anno {
            anno_dst = Some(Ipv4Addr::from(new_src));
        }
    }
    // The quoted IP header.
    old_hw[0] = word(ip, enc_at + 10);
    let olds = [
        (enc_src >> 16) as u16,
        enc_src as u16,
        (enc_dst >> 16) as u16,
        enc_dst as u16,
    ];
    let news = [
        (new_src >> 16) as u16,
        new_src as u16,
        (new_dst >> 16) as u16,
        new_dst as u16,
    ];
    old_hw[1..5].copy_from_slice(&olds);
    new_hw[1..5].copy_from_slice(&news);
    ip[enc_at + 12..enc_at + 16].copy_from_slice(&new_src.to_be_bytes());
    ip[enc_at + 16..enc_at + 20].copy_from_slice(&new_dst.to_be_bytes());
    let mut c = old_hw[0];
    for i in 1..5 {
        c = click_update(c, old_hw[i], new_hw[i]);
    }
    ip[enc_at + 10..enc_at + 12].copy_from_slice(&c.to_be_bytes());
    new_hw[0] = c;
    let mut n = 5;
    if use_transport {
        if enc_p == 1 {
            // The echo's identifier is the mapping's (reversed) port.
            old_hw[5] = word(ip, t_at + 4);
            new_hw[5] = new_sport;
            ip[t_at + 4..t_at + 6].copy_from_slice(&new_sport.to_be_bytes());
            old_hw[6] = word(ip, t_at + 2);
            let mut c = click_update(old_hw[6], old_hw[5], new_hw[5]);
            if c == 0
                && ip[t_at..]
                    .iter()
                    .enumerate()
                    .all(|(i, &b)| b == 0 || i == 2 || i == 3)
            {
                c = 0xffff;
            }
            ip[t_at + 2..t_at + 4].copy_from_slice(&c.to_be_bytes());
            new_hw[6] = c;
            n = 7;
        } else {
            old_hw[5] = word(ip, t_at);
            old_hw[6] = word(ip, t_at + 2);
            new_hw[5] = new_sport;
            new_hw[6] = new_dport;
            ip[t_at..t_at + 2].copy_from_slice(&new_sport.to_be_bytes());
            ip[t_at + 2..t_at + 4].copy_from_slice(&new_dport.to_be_bytes());
            n = 7;
            let csum_at = match enc_p {
                6 if t_len >= 18 => Some(t_at + 16),
                17 if t_len >= 8 && word(ip, t_at + 6) != 0 => Some(t_at + 6),
                _ => None,
            };
            if let Some(at) = csum_at {
                old_hw[7] = word(ip, at);
                let mut c = old_hw[7];
                for i in 1..7 {
                    c = click_update(c, old_hw[i], new_hw[i]);
                }
                ip[at..at + 2].copy_from_slice(&c.to_be_bytes());
                new_hw[7] = c;
                n = 8;
            }
        }
    }
    // The error's own checksum covers everything changed inside it.
    let mut c = word(ip, hl + 2);
    for i in 0..n {
        c = click_update(c, old_hw[i], new_hw[i]);
    }
    ip[hl + 2..hl + 4].copy_from_slice(&c.to_be_bytes());
    let port = map
        .offset
        .map_or(0, |o| o + flow.output[usize::from(reply)] as usize);
    Some((port, anno_dst, reply.then_some(flow.reply_anno)))
}

impl ICMPRewriter {
    fn handle(&self, mut p: Packet, out: &mut Output) {
        let is_icmp = p
            .network_header()
            .is_some_and(|ip| ip.len() >= 20 && ip[9] == 1);
        if !is_icmp {
            out.drop(p, NOT_ICMP);
            return;
        }
        let done = p
            .network_header_mut()
            .and_then(|ip| translate(ip, &self.maps, self.dst_anno));
        match done {
            Some((port, dst, reply_anno)) => {
                if let Some(d) = dst {
                    p.anno_mut().set_dst_ip(d);
                }
                if let (Some(at), Some(v)) = (self.reply_anno, reply_anno) {
                    p.anno_mut().set(at, &[v]);
                }
                out.emit(port, p);
            }
            // Click's manual says output 1; Click 2.1 drops them.
            None => out.drop(p, NO_MAPPING),
        }
    }
}

impl Element for ICMPRewriter {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        for m in &mut self.maps {
            let t = cx
                .shared()
                .lookup::<SharedTable>(&m.name)
                .ok_or_else(|| ConfigError::msg(format!("{} not an IP rewriter", m.name)))?;
            if let Some(o) = m.offset
                && o + t.noutputs > self.noutputs
            {
                return Err(ConfigError::msg(format!(
                    "{}:{o} port offset requires more than {} outputs",
                    m.name, self.noutputs
                )));
            }
            m.class = t.class;
            m.table = Some(t.table.clone());
        }
        Ok(())
    }

    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        for p in batch.drain() {
            self.handle(p, out);
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
