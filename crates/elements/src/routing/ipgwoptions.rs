//! IPGWOptions — processes the IP options every router must handle.
//!
//! ## Synopsis
//! `IPGWOptions(MYADDR [, OTHERADDRS])`
//!
//! ## Ports
//! 1 input, 1 or 2 outputs; agnostic/push.
//!
//! ## Description
//! Packets without options pass untouched. In packets with options,
//! Record Route gets MYADDR recorded (while there is room), and Timestamp
//! gets the time (milliseconds since midnight UT), with MYADDR first for
//! the address-and-timestamp flavours (flag 1, and flag 3 when the next
//! prespecified address is MYADDR or one of OTHERADDRS); a full Timestamp
//! option has its overflow count raised. The IP checksum is then
//! recomputed. Other options are left alone.
//!
//! A malformed option (length running past the header, pointer out of
//! range) sends the packet to output 1 with the parameter-problem
//! annotation set to the offset of the bad byte, for `ICMPError(…,
//! parameterproblem)`; with no output 1 it is dropped (reason
//! `bad_option`). The network header annotation must be set.
//!
//! ## Arguments
//! - `MYADDR`: the address this router records.
//! - `OTHERADDRS`: other addresses of this router, space separated.
//!
//! ## Differences from Click
//! - None known.
//!
//! ## Example
//! ```text
//! ... -> gio :: IPGWOptions(10.0.0.1); gio[1] -> ICMPError(10.0.0.1, parameterproblem) -> ...
//! ```

use std::net::Ipv4Addr;
use std::sync::Arc;

use clickconf::args::{ArgValue, Args};
use engine::{
    BuildContext, Clock, ConfigError, DropReason, Element, ElementSpec, Simple, SimpleAction,
    Verdict,
};
use packet::Packet;
use packet::anno::offset::ICMP_PARAMPROB;

pub const SPEC: ElementSpec = ElementSpec {
    class: "IPGWOptions",
    ports: "1/1-2",
    processing: "a/ah",
    source: include_str!("ipgwoptions.rs"),
    drop_reasons: &["bad_option"],
    handlers: &[],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

struct IPGWOptions {
    me: [u8; 4],
    others: Vec<[u8; 4]>,
    reject: Verdict,
    clock: Arc<dyn Clock>,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let me = args.read_mp::<Ipv4Addr>("MYADDR")?.octets();
    let others = match args.read_p::<String>("OTHERADDRS")? {
        Some(s) => s
            .split_ascii_whitespace()
            .map(|w| {
                Ipv4Addr::parse_arg(w)
                    .map(|a| a.octets())
                    .map_err(|e| ConfigError::msg(format!("OTHERADDRS: {e}")))
            })
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let reject = if cx.noutputs > 1 {
        Verdict::Out(1)
    } else {
        Verdict::Drop(DropReason(0))
    };
    Ok(Simple::boxed(IPGWOptions {
        me,
        others,
        reject,
        clock: cx.clock.clone(),
    }))
}

/// Milliseconds since midnight UT, as RFC 791 timestamps count.
fn ms_since_midnight(clock: &dyn Clock) -> u32 {
    let t = clock.wall();
    ((t.sec() % 86_400) * 1000 + u64::from(t.nsec() / 1_000_000)) as u32
}

impl IPGWOptions {
    /// Processes the options of header `h`; `Err(offset)` locates a bad
    /// byte. Returns whether anything changed.
    fn process(&self, h: &mut [u8]) -> Result<bool, u8> {
        let hl = usize::from(h[0] & 0x0f) * 4;
        let mut changed = false;
        let mut i = 20;
        while i < hl {
            let kind = h[i];
            match kind {
                0 => break,
                1 => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            if i + 1 >= hl {
                return Err(i as u8);
            }
            let len = usize::from(h[i + 1]);
            if len < 2 || i + len > hl {
                return Err((i + 1) as u8);
            }
            match kind {
                7 => {
                    // Record Route: pointer (1-based within the option) to
                    // the next free slot.
                    if len < 3 {
                        return Err((i + 1) as u8);
                    }
                    let ptr = usize::from(h[i + 2]);
                    if ptr < 4 {
                        return Err((i + 2) as u8);
                    }
                    if ptr + 3 <= len {
                        h[i + ptr - 1..i + ptr + 3].copy_from_slice(&self.me);
                        h[i + 2] += 4;
                        changed = true;
                    }
                }
                68 => {
                    if len < 4 {
                        return Err((i + 1) as u8);
                    }
                    let ptr = usize::from(h[i + 2]);
                    let flag = h[i + 3] & 0x0f;
                    if ptr < 5 {
                        return Err((i + 2) as u8);
                    }
                    let slot = if flag == 0 { 4 } else { 8 };
                    if !matches!(flag, 0 | 1 | 3) {
                        return Err((i + 3) as u8);
                    }
                    if ptr + slot - 1 <= len {
                        let at = i + ptr - 1;
                        let ts = ms_since_midnight(&*self.clock).to_be_bytes();
                        match flag {
                            0 => h[at..at + 4].copy_from_slice(&ts),
                            1 => {
                                h[at..at + 4].copy_from_slice(&self.me);
                                h[at + 4..at + 8].copy_from_slice(&ts);
                            }
                            _ => {
                                let named = [h[at], h[at + 1], h[at + 2], h[at + 3]];
                                if named != self.me && !self.others.contains(&named) {
                                    i += len;
                                    continue;
                                }
                                h[at + 4..at + 8].copy_from_slice(&ts);
                            }
                        }
                        h[i + 2] += slot as u8;
                    } else {
                        let overflow = h[i + 3] >> 4;
                        if overflow == 15 {
                            return Err((i + 3) as u8);
                        }
                        h[i + 3] = ((overflow + 1) << 4) | flag;
                    }
                    changed = true;
                }
                _ => {}
            }
            i += len;
        }
        Ok(changed)
    }
}

impl SimpleAction for IPGWOptions {
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        // Most packets have no options: look before asking to write.
        let header_len = match (packet.ip_header_len(), packet.network_header()) {
            (Some(hl), Some(h)) if h.len() >= 20 && hl <= h.len() => hl,
            _ => return Verdict::Pass,
        };
        if header_len <= 20 {
            return Verdict::Pass;
        }
        let result = match packet.network_header_prefix_mut(header_len) {
            Some(h) => {
                let r = self.process(h);
                if r == Ok(true) {
                    h[10] = 0;
                    h[11] = 0;
                    let c = packet::checksum::checksum(&h[..header_len]);
                    h[10..12].copy_from_slice(&c.to_be_bytes());
                }
                r
            }
            _ => return Verdict::Pass,
        };
        match result {
            Ok(_) => Verdict::Pass,
            Err(offset) => {
                packet.anno_mut().set(ICMP_PARAMPROB, &[offset]);
                self.reject
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gw() -> IPGWOptions {
        IPGWOptions {
            me: [10, 0, 0, 1],
            others: vec![],
            reject: Verdict::Out(1),
            clock: Arc::new(engine::SystemClock::new()),
        }
    }

    #[test]
    fn record_route_records_until_full() {
        // IHL 7: record route with room for one address, then padding.
        let mut h = vec![
            0x47, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
        ];
        h.extend_from_slice(&[7, 7, 4, 0, 0, 0, 0, 0]);
        assert_eq!(gw().process(&mut h), Ok(true));
        assert_eq!(&h[23..27], &[10, 0, 0, 1]);
        assert_eq!(h[22], 8);
        assert_eq!(gw().process(&mut h), Ok(false), "full: nothing recorded");
    }

    #[test]
    fn bad_lengths_point_at_the_byte() {
        let mut h = vec![
            0x46, 0, 0, 24, 0, 0, 0, 0, 64, 17, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
        ];
        h.extend_from_slice(&[7, 9, 4, 0]);
        assert_eq!(gw().process(&mut h), Err(21));
        let mut t = vec![
            0x46, 0, 0, 24, 0, 0, 0, 0, 64, 17, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
        ];
        t.extend_from_slice(&[68, 4, 5, 0x00]);
        assert_eq!(gw().process(&mut t), Ok(true), "full timestamp: overflow");
        assert_eq!(t[23] >> 4, 1);
    }
}
