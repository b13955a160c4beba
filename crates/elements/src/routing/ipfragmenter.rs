//! IPFragmenter — fragments IP packets larger than the MTU.
//!
//! ## Synopsis
//! `IPFragmenter(MTU [, HONOR_DF, VERBOSE, keyword HEADROOM])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; push.
//!
//! ## Description
//! Packets whose IP total length is at most MTU pass unchanged. Larger
//! ones are split into fragments of at most MTU bytes (RFC 791): each
//! carries a copy of the IP header (later fragments keep only the options
//! whose copy bit is set), a payload that is a multiple of 8 bytes except
//! in the last, and the fragment offset and more-fragments flag adjusted;
//! fragments of a fragment keep its offset and flag. Annotations are
//! copied to every fragment. The network header annotation must be set;
//! fragments hold the IP packet only (whatever preceded the IP header is
//! not copied).
//!
//! A packet with the don't-fragment bit set and HONOR_DF true goes to
//! output 1 if it is connected (for `ICMPError(…, unreachable,
//! needfrag)`), else is dropped (reason `dont_fragment`).
//!
//! ## Arguments
//! - `MTU`: the largest packet, in bytes (at least 8, as in Click; a
//!   packet whose header and 8 bytes of data do not fit is dropped as
//!   `malformed`).
//! - `HONOR_DF` (default true): respect the don't-fragment bit.
//! - `VERBOSE` (default false): accepted; nothing is printed.
//! - `HEADROOM`: accepted; fragments get the buffer pool's headroom.
//!
//! ## Handlers
//! - `fragments` (read): fragments made. `drops` (read): packets not
//!   fragmented because of DF.
//!
//! ## Differences from Click
//! - Click reuses the first fragment's buffer; here every fragment is a
//!   new buffer from the pool.
//! - VERBOSE prints nothing (Click reports DF packets it cannot send).
//!
//! ## Example
//! ```text
//! ... -> DecIPTTL -> fr :: IPFragmenter(1500) -> arpq;
//! fr[1] -> ICMPError(10.0.0.1, unreachable, needfrag, MTU 1500) -> ...
//! ```

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Output,
};
use packet::{Packet, PacketBatch};

pub const SPEC: ElementSpec = ElementSpec {
    class: "IPFragmenter",
    ports: "1/1-2",
    processing: "h/h",
    source: include_str!("ipfragmenter.rs"),
    drop_reasons: &["dont_fragment", "malformed"],
    handlers: &[
        HandlerSpec::read("fragments", "fragments made"),
        HandlerSpec::read("drops", "packets not fragmented because of DF"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const DONT_FRAGMENT: DropReason = DropReason(0);
const MALFORMED: DropReason = DropReason(1);

struct IPFragmenter {
    mtu: usize,
    honor_df: bool,
    df_port: Option<usize>,
    fragments: u64,
    drops: u64,
    /// Reused: the header of later fragments, and the fragment being made.
    later_header: Vec<u8>,
    buf: Vec<u8>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let mtu = args.read_mp::<u32>("MTU")? as usize;
    let honor_df = args.read_p::<bool>("HONOR_DF")?.unwrap_or(true);
    let _ = args.read_p::<bool>("VERBOSE")?;
    let _ = args.read::<u32>("HEADROOM")?;
    if mtu < 8 {
        return Err(ConfigError::msg("MTU must be at least 8"));
    }
    Ok(Box::new(IPFragmenter {
        mtu,
        honor_df,
        df_port: (cx.noutputs > 1).then_some(1),
        fragments: 0,
        drops: 0,
        later_header: Vec::with_capacity(60),
        buf: Vec::with_capacity(mtu.min(packet::MAX_PACKET_LEN)),
    }))
}

/// The options of a header that later fragments keep (copy bit set).
fn copied_options(options: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < options.len() {
        match options[i] {
            0 => break,
            1 => i += 1,
            kind => {
                let len = usize::from(*options.get(i + 1).unwrap_or(&0)).max(2);
                let end = (i + len).min(options.len());
                if kind & 0x80 != 0 {
                    out.extend_from_slice(&options[i..end]);
                }
                i = end;
            }
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

impl IPFragmenter {
    /// Sends the fragments of `p` to output 0; false if `p` is malformed.
    fn fragment(&mut self, p: &Packet, out: &mut Output) -> bool {
        let Some(ip) = p.network_header() else {
            return false;
        };
        let hl = usize::from(ip[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        if hl < 20 || total < hl || ip.len() < total || hl + 8 > self.mtu {
            return false;
        }
        let payload = &ip[hl..total];
        let frag_field = u16::from_be_bytes([ip[6], ip[7]]);
        let base_offset = usize::from(frag_field & 0x1fff) * 8;
        let last_has_mf = frag_field & 0x2000 != 0;
        let mut later_header = std::mem::take(&mut self.later_header);
        later_header.clear();
        later_header.extend_from_slice(&ip[..20]);
        copied_options(&ip[20..hl], &mut later_header);
        let mut at = 0;
        let mut buf = std::mem::take(&mut self.buf);
        while at < payload.len() {
            let header: &[u8] = if at == 0 { &ip[..hl] } else { &later_header };
            let room = (self.mtu - header.len()) / 8 * 8;
            let chunk = room.min(payload.len() - at);
            let more = at + chunk < payload.len() || last_has_mf;
            buf.clear();
            buf.extend_from_slice(header);
            buf.extend_from_slice(&payload[at..at + chunk]);
            let len = buf.len() as u16;
            buf[0] = 0x40 | (header.len() / 4) as u8;
            buf[2..4].copy_from_slice(&len.to_be_bytes());
            let off = ((base_offset + at) / 8) as u16;
            let flags = (frag_field & 0x4000) | if more { 0x2000 } else { 0 };
            buf[6..8].copy_from_slice(&(flags | off).to_be_bytes());
            buf[10] = 0;
            buf[11] = 0;
            let c = packet::checksum::checksum(&buf[..header.len()]);
            buf[10..12].copy_from_slice(&c.to_be_bytes());
            if let Ok(mut f) = Packet::from_slice(&buf) {
                *f.anno_mut() = *p.anno();
                f.set_network_header(0, header.len());
                self.fragments += 1;
                out.emit(0, f);
            }
            at += chunk;
        }
        self.later_header = later_header;
        self.buf = buf;
        true
    }
}

impl Element for IPFragmenter {
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        for p in batch.drain() {
            let Some(ip) = p.network_header().filter(|h| h.len() >= 20) else {
                out.drop(p, MALFORMED);
                continue;
            };
            let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
            if total <= self.mtu {
                out.emit(0, p);
                continue;
            }
            if self.honor_df && ip[6] & 0x40 != 0 {
                self.drops += 1;
                match self.df_port {
                    Some(port) => out.emit(port, p),
                    None => out.drop(p, DONT_FRAGMENT),
                }
                continue;
            }
            if !self.fragment(&p, out) {
                out.drop(p, MALFORMED);
            }
            // Otherwise the original is freed: its fragments replace it.
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "fragments" => Ok(self.fragments.to_string()),
            "drops" => Ok(self.drops.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
