//! Concrete packets of symbolic flows, and whether a concrete packet is in
//! a flow: the bridge the model-agreement property tests cross to compare
//! each element's model with the element itself.
//!
//! Key decision: bytes are laid out and read back with the same bit
//! positions the classifiers compile against ([`crate::cond`]'s layout),
//! so "the model's field" and "the bytes a classifier reads" are one
//! thing. The transport header is always 20 bytes in TCP's layout, as the
//! flow module describes it: for UDP, the 8-byte header's length and
//! checksum are the two halves of the `tcp.seq` slot (checksum 0, "none")
//! and the 12 bytes after it, UDP payload on the wire, are the rest of the
//! slots. `tcp.sack` has no bytes here (no SACK option is written) and is
//! neither encoded nor checked; GRE headers are not encoded.

use std::collections::HashMap;

use crate::cond::layout;
use crate::domain::IntervalSet;
use crate::expr::{Expr, Var, Vars};
use crate::flow::{Anno, Field, Flow, HeaderKind};
use crate::store::Store;

/// The annotations of a concrete packet that models track.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Annos {
    pub paint: u8,
    pub dst_ip: u32,
    /// Signed distance from the data to the network header, if marked.
    pub net: Option<isize>,
}

const IP_PROTO_UDP: u64 = 17;
/// TCP's data-offset byte for a 20-byte header.
const TCP_DATA_OFFSET_5: u8 = 0x50;

fn header_len(kind: HeaderKind) -> Result<usize, String> {
    match kind {
        HeaderKind::Ether => Ok(14),
        HeaderKind::Vlan => Ok(4),
        HeaderKind::Ipv4 | HeaderKind::Transport => Ok(20),
        HeaderKind::Payload => Ok(8),
        HeaderKind::Gre => Err("GRE headers are not encoded".into()),
    }
}

/// Bit ranges of the encoded fields of a header.
fn fields_of(kind: HeaderKind) -> &'static [(Field, u32, u32)] {
    match kind {
        HeaderKind::Payload => &[(Field::Payload, 0, 64)],
        k => layout(k),
    }
}

fn put_bits(buf: &mut [u8], start: u32, end: u32, value: u64) {
    for b in start..end {
        let bit = ((value >> (end - 1 - b)) & 1) as u8;
        let (byte, shift) = ((b / 8) as usize, 7 - b % 8);
        buf[byte] = (buf[byte] & !(1 << shift)) | (bit << shift);
    }
}

fn get_bits(buf: &[u8], start: u32, end: u32) -> u64 {
    (start..end).fold(0, |acc, b| {
        (acc << 1) | u64::from((buf[(b / 8) as usize] >> (7 - b % 8)) & 1)
    })
}

/// The Internet checksum of `data`.
fn internet_checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(c[0]) << 8 | u32::from(c.get(1).copied().unwrap_or(0)))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Bytes each header occupies.
fn lengths(flow: &Flow) -> Result<Vec<usize>, String> {
    flow.headers.iter().map(|h| header_len(h.kind)).collect()
}

/// Every variable the flow's headers, annotations and state mention,
/// before and after substitution.
fn all_vars(flow: &Flow) -> Vec<Var> {
    let mut out: Vec<Var> = Vec::new();
    let exprs = flow
        .headers
        .iter()
        .flat_map(|h| h.fields.iter())
        .chain(flow.annos.values())
        .chain(flow.state.values());
    for e in exprs {
        out.extend(e.vars());
        out.extend(flow.store.resolve(e).vars());
    }
    out.sort();
    out.dedup();
    out
}

fn eval(store: &Store, e: &Expr, values: &HashMap<Var, u64>) -> u64 {
    store
        .resolve(e)
        .eval(&|v| values.get(&v).copied().unwrap_or(0))
}

/// A complete assignment of the flow's variables under which its packet
/// is well formed, taking `prefer`'s values where the constraints allow:
/// every IPv4 total length is the length of what follows it, and a UDP
/// header's length and checksum (the `tcp.seq` slot) are the real length
/// and 0.
pub fn complete(
    flow: &Flow,
    vars: &Vars,
    prefer: &HashMap<Var, u64>,
) -> Result<HashMap<Var, u64>, String> {
    let lens = lengths(flow)?;
    let mut store = flow.store.clone();
    for (i, h) in flow.headers.iter().enumerate().skip(flow.head) {
        if h.kind == HeaderKind::Ipv4 {
            let total: usize = lens[i..].iter().sum();
            store
                .constrain(vars, h.get(Field::IpLen), &IntervalSet::point(total as u64))
                .map_err(|_| format!("header {i}: ip.len cannot be the real length {total}"))?;
        }
    }
    let wanted = all_vars(flow);
    let first = store
        .witness(vars, &wanted, prefer)
        .ok_or("no assignment satisfies the flow's constraints")?;
    let mut udp = false;
    for i in (flow.head + 1)..flow.headers.len() {
        let (ip, t) = (&flow.headers[i - 1], &flow.headers[i]);
        if ip.kind != HeaderKind::Ipv4 || t.kind != HeaderKind::Transport {
            continue;
        }
        let proto = ip.get(Field::IpProto);
        if eval(&store, proto, &first) != IP_PROTO_UDP {
            continue;
        }
        let udp_len: usize = lens[i..].iter().sum();
        store
            .constrain(vars, proto, &IntervalSet::point(IP_PROTO_UDP))
            .and_then(|_| {
                store.constrain(
                    vars,
                    t.get(Field::TcpSeq),
                    &IntervalSet::point((udp_len as u64) << 16),
                )
            })
            .map_err(|_| {
                format!("header {i}: the UDP length and checksum slot cannot be {udp_len}, 0")
            })?;
        udp = true;
    }
    if !udp {
        return Ok(first);
    }
    let mut again = first;
    for (v, x) in prefer {
        again.entry(*v).or_insert(*x);
    }
    store
        .witness(vars, &wanted, &again)
        .ok_or_else(|| "no assignment satisfies the flow's constraints with UDP lengths".into())
}

/// The bytes of the flow's headers from the data pointer on, under a
/// complete assignment (see [`complete`]): the IPv4 header checksum is
/// computed, TCP's data offset is 5 and the other bytes no field covers
/// (TCP checksum and urgent pointer) are 0.
pub fn packet_of(flow: &Flow, values: &HashMap<Var, u64>) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for h in &flow.headers[flow.head..] {
        let mut buf = vec![0u8; header_len(h.kind)?];
        for &(f, start, end) in fields_of(h.kind) {
            put_bits(&mut buf, start, end, eval(&flow.store, h.get(f), values));
        }
        match h.kind {
            HeaderKind::Ipv4 => {
                let c = internet_checksum(&buf);
                buf[10..12].copy_from_slice(&c.to_be_bytes());
            }
            HeaderKind::Transport => buf[12] = TCP_DATA_OFFSET_5,
            _ => {}
        }
        out.extend_from_slice(&buf);
    }
    Ok(out)
}

/// Distance from the data pointer to header `i`.
fn offset_of(lens: &[usize], head: usize, i: usize) -> isize {
    if i >= head {
        lens[head..i].iter().sum::<usize>() as isize
    } else {
        -(lens[i..head].iter().sum::<usize>() as isize)
    }
}

/// The concrete annotations of the flow's packet under an assignment.
pub fn annos_of(flow: &Flow, values: &HashMap<Var, u64>) -> Result<Annos, String> {
    let lens = lengths(flow)?;
    Ok(Annos {
        paint: eval(&flow.store, &flow.anno(Anno::Paint), values) as u8,
        dst_ip: eval(&flow.store, &flow.anno(Anno::DstIp), values) as u32,
        net: flow.net.map(|i| offset_of(&lens, flow.head, i)),
    })
}

/// The flow's constraints with the input variables fixed: an error when
/// the flow excludes that input (it is a fork the input does not take).
pub fn admits(flow: &Flow, vars: &Vars, fixed: &HashMap<Var, u64>) -> Result<Store, String> {
    let mut store = flow.store.clone();
    let mut fixed: Vec<_> = fixed.iter().collect();
    fixed.sort();
    for (&v, &x) in fixed {
        let info = vars.info(v);
        store
            .constrain(vars, &Expr::var(v, info.width), &IntervalSet::point(x))
            .map_err(|_| format!("the flow excludes {} = {}", info.name, info.format.show(x)))?;
    }
    Ok(store)
}

/// Whether the concrete packet `bytes` (from the data pointer on) with
/// annotations `annos` is in `flow` once the input variables take the
/// values `fixed`: every modelled field read from the bytes must be a
/// value its expression can take. Variables not fixed (a middlebox's
/// choice) stay free, so the element's choice must lie in the model's
/// range. On success, the assignment that shows it, choices included.
pub fn matches(
    flow: &Flow,
    vars: &Vars,
    fixed: &HashMap<Var, u64>,
    bytes: &[u8],
    annos: &Annos,
) -> Result<HashMap<Var, u64>, String> {
    let mut store = admits(flow, vars, fixed)?;
    let lens = lengths(flow)?;
    let mut at = 0usize;
    for (i, h) in flow.headers.iter().enumerate().skip(flow.head) {
        let len = lens[i];
        let Some(buf) = bytes.get(at..at + len) else {
            return Err(format!(
                "the packet ({} bytes) ends inside the flow's {} header (bytes {at}-{})",
                bytes.len(),
                h.kind.name(),
                at + len - 1
            ));
        };
        for &(f, start, end) in fields_of(h.kind) {
            let value = get_bits(buf, start, end);
            let e = h.get(f);
            if store
                .constrain(vars, e, &IntervalSet::point(value))
                .is_err()
            {
                return Err(format!(
                    "{} (header {i}): the packet has {}, the flow has {} = {}",
                    f.name(),
                    f.format().show(value),
                    f.name(),
                    describe(&store, vars, e, f)
                ));
            }
        }
        at += len;
    }
    if at != bytes.len() {
        return Err(format!(
            "the packet has {} bytes, the flow's headers {at}",
            bytes.len()
        ));
    }
    for (a, value, name) in [
        (Anno::Paint, u64::from(annos.paint), "paint annotation"),
        (
            Anno::DstIp,
            u64::from(annos.dst_ip),
            "destination annotation",
        ),
    ] {
        let e = flow.anno(a);
        if store
            .constrain(vars, &e, &IntervalSet::point(value))
            .is_err()
        {
            return Err(format!(
                "{name}: the packet has {value}, the flow has {}",
                store.resolve(&e).display(vars)
            ));
        }
    }
    if let Some(i) = flow.net {
        let want = offset_of(&lens, flow.head, i);
        if annos.net != Some(want) {
            return Err(format!(
                "network header annotation: the packet has {:?}, the flow has it at {want}",
                annos.net
            ));
        }
    }
    store
        .witness(vars, &all_vars(flow), &HashMap::new())
        .ok_or_else(|| "no choice of the free variables satisfies the flow".into())
}

fn describe(store: &Store, vars: &Vars, e: &Expr, f: Field) -> String {
    let r = store.resolve(e);
    match r.as_const() {
        Some(c) => f.format().show(c),
        None => r.display(vars).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::VarKind;

    fn flow_and_prefer(vars: &mut Vars, proto: u64) -> (Flow, HashMap<Var, u64>) {
        let flow = Flow::ethernet(vars);
        let mut prefer = HashMap::new();
        let var = |f: Field, h: usize| flow.headers[h].get(f).as_var().unwrap();
        prefer.insert(var(Field::EthType, 0), 0x0800);
        prefer.insert(var(Field::IpProto, 1), proto);
        prefer.insert(var(Field::IpTtl, 1), 64);
        prefer.insert(var(Field::IpDst, 1), 0x0a00_0002);
        prefer.insert(var(Field::SrcPort, 2), 40000);
        prefer.insert(var(Field::DstPort, 2), 80);
        prefer.insert(var(Field::Payload, 3), 0x0102_0304_0506_0708);
        (flow, prefer)
    }

    #[test]
    fn tcp_packet_round_trips() {
        let mut vars = Vars::new();
        let (flow, prefer) = flow_and_prefer(&mut vars, 6);
        let values = complete(&flow, &vars, &prefer).unwrap();
        let bytes = packet_of(&flow, &values).unwrap();
        assert_eq!(bytes.len(), 14 + 20 + 20 + 8);
        assert_eq!(&bytes[12..14], &[0x08, 0x00]);
        assert_eq!(bytes[14], 0x45);
        assert_eq!(u16::from_be_bytes([bytes[16], bytes[17]]), 48);
        assert_eq!(internet_checksum(&bytes[14..34]), 0);
        assert_eq!(&bytes[30..34], &[10, 0, 0, 2]);
        assert_eq!(&bytes[34..38], &[0x9c, 0x40, 0, 80]);
        assert_eq!(bytes[46], 0x50);
        assert_eq!(&bytes[54..], &[1, 2, 3, 4, 5, 6, 7, 8]);
        let annos = annos_of(&flow, &values).unwrap();
        let fixed: HashMap<Var, u64> = values
            .iter()
            .filter(|(v, _)| vars.info(**v).kind == VarKind::Input)
            .map(|(v, x)| (*v, *x))
            .collect();
        matches(&flow, &vars, &fixed, &bytes, &annos).unwrap();
        let mut other = bytes.clone();
        other[33] = 3;
        let e = matches(&flow, &vars, &fixed, &other, &annos).unwrap_err();
        assert!(e.starts_with("ip.dst"), "{e}");
        let e = matches(&flow, &vars, &fixed, &bytes[..40], &annos).unwrap_err();
        assert!(e.contains("ends inside"), "{e}");
    }

    #[test]
    fn udp_length_sits_in_the_seq_slot() {
        let mut vars = Vars::new();
        let (flow, prefer) = flow_and_prefer(&mut vars, 17);
        let values = complete(&flow, &vars, &prefer).unwrap();
        let bytes = packet_of(&flow, &values).unwrap();
        assert_eq!(&bytes[38..42], &[0, 28, 0, 0]);
    }

    #[test]
    fn choices_must_lie_in_their_range() {
        let mut vars = Vars::new();
        let (mut flow, prefer) = flow_and_prefer(&mut vars, 6);
        let values = complete(&flow, &vars, &prefer).unwrap();
        let bytes = packet_of(&flow, &values).unwrap();
        let annos = annos_of(&flow, &values).unwrap();
        let port = vars.fresh_in(
            "nat.sport",
            16,
            VarKind::Choice,
            IntervalSet::range(1024, 2047),
        );
        flow.headers[2].set(Field::SrcPort, Expr::var(port, 16));
        let mut out = bytes.clone();
        out[34..36].copy_from_slice(&1500u16.to_be_bytes());
        let w = matches(&flow, &vars, &values, &out, &annos).unwrap();
        assert_eq!(w[&port], 1500);
        out[34..36].copy_from_slice(&3000u16.to_be_bytes());
        assert!(matches(&flow, &vars, &values, &out, &annos).is_err());
    }
}
