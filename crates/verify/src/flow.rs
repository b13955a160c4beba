//! Symbolic packets ("flows"): a stack of headers whose fields are bound
//! to expressions, the annotations Click elements pass along, the
//! middlebox state pushed into the flow, its constraints and its history.
//!
//! Key decision: the packet is a list of typed headers with a data
//! pointer, not a byte array. Elements move the pointer over whole headers
//! (`Strip(14)` over an Ethernet header, `StripIPHeader` over an IPv4
//! one), push headers in front (`IPEncap`) and read fields of the header
//! they expect; finding another header, or none, where one is read is a
//! memory-safety violation (Symnet's "read past what the packet has"),
//! reported as such rather than guessed at. The transport header has the
//! layout of TCP's first 16 bytes (plus the first SACK edge); UDP and
//! ICMP fields are the same bytes under other names (the ICMP type is the
//! high byte of the source-port slot), as on the wire, so a classifier's
//! byte test means one thing whatever the protocol.

use std::fmt;
use std::rc::Rc;

use crate::expr::{Expr, Format, Var, VarKind, Vars};
use crate::store::{Store, Unsat};

/// The kinds of header a flow can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeaderKind {
    Ether,
    /// An 802.1Q tag after the Ethernet addresses (the Ethernet header's
    /// type is then the tag's TPID; the tag's type is the payload's).
    Vlan,
    Ipv4,
    /// A GRE header; its length depends on the options its flags carry.
    Gre,
    Transport,
    Payload,
}

impl HeaderKind {
    pub fn name(self) -> &'static str {
        match self {
            HeaderKind::Ether => "Ethernet",
            HeaderKind::Vlan => "VLAN",
            HeaderKind::Gre => "GRE",
            HeaderKind::Ipv4 => "IPv4",
            HeaderKind::Transport => "transport",
            HeaderKind::Payload => "payload",
        }
    }

    /// Bytes the header occupies, when fixed (the IPv4 header is 20 bytes:
    /// options are not modelled; the transport header's length depends on
    /// the protocol).
    pub fn fixed_len(self) -> Option<usize> {
        match self {
            HeaderKind::Ether => Some(14),
            HeaderKind::Vlan => Some(4),
            HeaderKind::Ipv4 => Some(20),
            HeaderKind::Gre | HeaderKind::Transport | HeaderKind::Payload => None,
        }
    }

    pub fn fields(self) -> &'static [Field] {
        use Field::*;
        match self {
            HeaderKind::Ether => &[EthDst, EthSrc, EthType],
            HeaderKind::Vlan => &[VlanTci, VlanType],
            HeaderKind::Gre => &[GreFlags, GreProto, GreKey, GreSeq],
            HeaderKind::Ipv4 => &[
                IpVers, IpHl, IpTos, IpLen, IpId, IpFrag, IpTtl, IpProto, IpSrc, IpDst,
            ],
            HeaderKind::Transport => &[SrcPort, DstPort, TcpSeq, TcpAck, TcpFlags, TcpWin, TcpSack],
            HeaderKind::Payload => &[Payload],
        }
    }
}

/// A header field (or the payload's identity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    EthDst,
    EthSrc,
    EthType,
    VlanTci,
    VlanType,
    IpVers,
    IpHl,
    IpTos,
    IpLen,
    IpId,
    /// Flags and fragment offset (16 bits).
    IpFrag,
    IpTtl,
    IpProto,
    IpSrc,
    IpDst,
    SrcPort,
    DstPort,
    TcpSeq,
    TcpAck,
    TcpFlags,
    TcpWin,
    /// The left edge of the first SACK block (0 when there is none).
    TcpSack,
    /// GRE's flags and version word, protocol, key and sequence number.
    GreFlags,
    GreProto,
    GreKey,
    GreSeq,
    Payload,
}

impl Field {
    pub const ALL: [Field; 27] = [
        Field::EthDst,
        Field::EthSrc,
        Field::EthType,
        Field::VlanTci,
        Field::VlanType,
        Field::IpVers,
        Field::IpHl,
        Field::IpTos,
        Field::IpLen,
        Field::IpId,
        Field::IpFrag,
        Field::IpTtl,
        Field::IpProto,
        Field::IpSrc,
        Field::IpDst,
        Field::SrcPort,
        Field::DstPort,
        Field::TcpSeq,
        Field::TcpAck,
        Field::TcpFlags,
        Field::TcpWin,
        Field::TcpSack,
        Field::GreFlags,
        Field::GreProto,
        Field::GreKey,
        Field::GreSeq,
        Field::Payload,
    ];

    pub fn width(self) -> u8 {
        use Field::*;
        match self {
            EthDst | EthSrc => 48,
            EthType | VlanTci | VlanType | IpLen | IpId | IpFrag | SrcPort | DstPort | TcpWin
            | GreFlags | GreProto => 16,
            IpVers | IpHl => 4,
            IpTos | IpTtl | IpProto | TcpFlags => 8,
            IpSrc | IpDst | TcpSeq | TcpAck | TcpSack | GreKey | GreSeq => 32,
            Payload => 64,
        }
    }

    pub fn header(self) -> HeaderKind {
        use Field::*;
        match self {
            EthDst | EthSrc | EthType => HeaderKind::Ether,
            VlanTci | VlanType => HeaderKind::Vlan,
            GreFlags | GreProto | GreKey | GreSeq => HeaderKind::Gre,
            IpVers | IpHl | IpTos | IpLen | IpId | IpFrag | IpTtl | IpProto | IpSrc | IpDst => {
                HeaderKind::Ipv4
            }
            Payload => HeaderKind::Payload,
            _ => HeaderKind::Transport,
        }
    }

    /// Index of the field within its header.
    pub fn index(self) -> usize {
        self.header()
            .fields()
            .iter()
            .position(|f| *f == self)
            .expect("field belongs to its header")
    }

    /// The name used in queries and reports.
    pub fn name(self) -> &'static str {
        use Field::*;
        match self {
            EthDst => "eth.dst",
            EthSrc => "eth.src",
            EthType => "eth.type",
            VlanTci => "vlan.tci",
            VlanType => "vlan.type",
            GreFlags => "gre.flags",
            GreProto => "gre.proto",
            GreKey => "gre.key",
            GreSeq => "gre.seq",
            IpVers => "ip.vers",
            IpHl => "ip.hl",
            IpTos => "ip.tos",
            IpLen => "ip.len",
            IpId => "ip.id",
            IpFrag => "ip.frag",
            IpTtl => "ip.ttl",
            IpProto => "ip.proto",
            IpSrc => "ip.src",
            IpDst => "ip.dst",
            SrcPort => "sport",
            DstPort => "dport",
            TcpSeq => "tcp.seq",
            TcpAck => "tcp.ack",
            TcpFlags => "tcp.flags",
            TcpWin => "tcp.win",
            TcpSack => "tcp.sack",
            Payload => "payload",
        }
    }

    /// A field by its name or a common alias (`src`, `dst`, `proto`, `ttl`).
    pub fn parse(s: &str) -> Option<Field> {
        let alias = match s {
            "src" => Some(Field::IpSrc),
            "dst" => Some(Field::IpDst),
            "proto" => Some(Field::IpProto),
            "ttl" => Some(Field::IpTtl),
            "tos" => Some(Field::IpTos),
            "seq" => Some(Field::TcpSeq),
            "ack" => Some(Field::TcpAck),
            "flags" => Some(Field::TcpFlags),
            "sack" => Some(Field::TcpSack),
            "tcp.sport" | "udp.sport" | "src-port" => Some(Field::SrcPort),
            "tcp.dport" | "udp.dport" | "dst-port" => Some(Field::DstPort),
            _ => None,
        };
        alias.or_else(|| Field::ALL.iter().copied().find(|f| f.name() == s))
    }

    pub fn format(self) -> Format {
        use Field::*;
        match self {
            EthDst | EthSrc => Format::Ether,
            IpSrc | IpDst => Format::Ipv4,
            EthType | VlanType | IpFrag | GreFlags | GreProto | TcpFlags | Payload => Format::Hex,
            _ => Format::Decimal,
        }
    }
}

/// TCP flag bits as Click and tcpdump name them.
pub mod tcp_flags {
    pub const FIN: u64 = 0x01;
    pub const SYN: u64 = 0x02;
    pub const RST: u64 = 0x04;
    pub const PSH: u64 = 0x08;
    pub const ACK: u64 = 0x10;
}

/// One header of a flow.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    pub kind: HeaderKind,
    pub fields: Vec<Expr>,
}

impl Header {
    /// A header whose every field is a fresh input variable named
    /// `prefix.field`.
    pub fn fresh(kind: HeaderKind, vars: &mut Vars, prefix: &str) -> Header {
        let fields = kind
            .fields()
            .iter()
            .map(|&f| {
                let v = vars.fresh(format!("{prefix}{}", f.name()), f.width(), VarKind::Input);
                vars.set_format(v, f.format());
                Expr::var(v, f.width())
            })
            .collect();
        Header { kind, fields }
    }

    /// A header of constants (fields 0), to be filled in by an element.
    pub fn zeroed(kind: HeaderKind) -> Header {
        Header {
            kind,
            fields: kind
                .fields()
                .iter()
                .map(|f| Expr::constant(0, f.width()))
                .collect(),
        }
    }

    pub fn get(&self, f: Field) -> &Expr {
        &self.fields[f.index()]
    }

    pub fn set(&mut self, f: Field, e: Expr) {
        debug_assert_eq!(f.header(), self.kind);
        self.fields[f.index()] = e;
    }
}

/// Click's annotations that elements model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Anno {
    /// Paint (8 bits).
    Paint,
    /// Destination IP address annotation (32 bits).
    DstIp,
    /// The fix-IP-source flag `ICMPError` sets for `FixIPSrc` (0 or 1).
    FixIpSrc,
}

impl Anno {
    pub fn width(self) -> u8 {
        match self {
            Anno::Paint | Anno::FixIpSrc => 8,
            Anno::DstIp => 32,
        }
    }
}

/// A place in the network: an input port of an element of a box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    pub node: u32,
    pub element: u32,
    pub port: u16,
}

/// The places a flow visited, newest first, shared between forks.
#[derive(Clone, Debug, Default)]
pub struct History {
    head: Option<Rc<HistoryNode>>,
    len: usize,
}

#[derive(Debug)]
struct HistoryNode {
    place: Place,
    next: Option<Rc<HistoryNode>>,
}

impl History {
    pub fn push(&mut self, place: Place) {
        let next = self.head.take();
        self.head = Some(Rc::new(HistoryNode { place, next }));
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Oldest first.
    pub fn places(&self) -> Vec<Place> {
        let mut out = Vec::with_capacity(self.len);
        let mut n = self.head.as_deref();
        while let Some(node) = n {
            out.push(node.place);
            n = node.next.as_deref();
        }
        out.reverse();
        out
    }
}

/// What a flow recorded at its last visit to a place, for loop detection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    /// Position in the history.
    pub at: usize,
    pub count: u32,
    /// Hash of the headers, annotations and state at the visit.
    pub shape: u64,
    pub version: u64,
}

/// A symbolic packet with its constraints.
#[derive(Clone, Debug)]
pub struct Flow {
    pub headers: Vec<Header>,
    /// Index of the header the packet data starts at (Click's data
    /// pointer); `headers.len()` when everything was stripped.
    pub head: usize,
    /// Index of the header the network-header annotation points at.
    pub net: Option<usize>,
    pub annos: imbl::HashMap<Anno, Expr>,
    /// Per-flow middlebox state, keyed `box/element/name`.
    pub state: imbl::HashMap<Rc<str>, Expr>,
    /// Bumped on every change of `state`, so that comparing flows does not
    /// walk state that grows with every middlebox crossed.
    pub state_version: u64,
    pub store: Store,
    pub history: History,
    pub visits: imbl::HashMap<Place, Visit>,
    /// Things worth telling about the path (e.g. "passed on stored state").
    pub notes: imbl::Vector<Rc<str>>,
}

/// Reading a header the packet does not have there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryViolation {
    pub wanted: HeaderKind,
    /// What is there instead (`None`: past the end of the headers).
    pub found: Option<HeaderKind>,
}

impl fmt::Display for MemoryViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.found {
            Some(k) => write!(
                f,
                "reads a{} {} header where the packet has its {} header",
                if self.wanted == HeaderKind::Ipv4 {
                    "n"
                } else {
                    ""
                },
                self.wanted.name(),
                k.name()
            ),
            None => write!(
                f,
                "reads a{} {} header past the end of the packet's headers",
                if self.wanted == HeaderKind::Ipv4 {
                    "n"
                } else {
                    ""
                },
                self.wanted.name()
            ),
        }
    }
}

impl Flow {
    /// An Ethernet/IPv4/transport/payload packet with every field a fresh
    /// input variable. The structural facts the model assumes (IPv4,
    /// 20-byte header) are constraints from the start.
    pub fn ethernet(vars: &mut Vars) -> Flow {
        Flow::ethernet_named(vars, "")
    }

    /// As [`Flow::ethernet`], its variables' names starting `prefix`.
    pub fn ethernet_named(vars: &mut Vars, prefix: &str) -> Flow {
        let headers = vec![
            Header::fresh(HeaderKind::Ether, vars, prefix),
            Header::fresh(HeaderKind::Ipv4, vars, prefix),
            Header::fresh(HeaderKind::Transport, vars, prefix),
            Header::fresh(HeaderKind::Payload, vars, prefix),
        ];
        let mut flow = Flow {
            headers,
            head: 0,
            net: None,
            annos: imbl::HashMap::new(),
            state: imbl::HashMap::new(),
            state_version: 0,
            store: Store::new(),
            history: History::default(),
            visits: imbl::HashMap::new(),
            notes: imbl::Vector::new(),
        };
        for (f, v) in [(Field::IpVers, 4), (Field::IpHl, 5)] {
            let e = flow.headers[1].get(f).clone();
            flow.store
                .constrain(vars, &e, &crate::domain::IntervalSet::point(v))
                .expect("fresh variables");
        }
        flow.store.version = 0;
        flow
    }

    /// Bytes header `i` takes on the wire, when known: the transport
    /// header is 8 bytes for UDP and ICMP and 20 (TCP without options)
    /// otherwise; GRE's length follows its flags.
    pub fn header_len(&self, vars: &Vars, i: usize) -> Option<u32> {
        let h = self.headers.get(i)?;
        match h.kind {
            HeaderKind::Transport => {
                let proto = match i.checked_sub(1).and_then(|p| self.headers.get(p)) {
                    Some(ip) if ip.kind == HeaderKind::Ipv4 => {
                        self.store.possible(vars, ip.get(Field::IpProto)).single()
                    }
                    _ => None,
                };
                Some(if matches!(proto, Some(1 | 17)) { 8 } else { 20 })
            }
            HeaderKind::Gre => {
                let flags = self.store.possible(vars, h.get(Field::GreFlags)).single()?;
                Some(4 + 4 * (flags & 0xb000).count_ones())
            }
            k => k.fixed_len().map(|n| n as u32),
        }
    }

    /// Index of the header `bytes` bytes after the data pointer, moving
    /// over whole headers.
    pub fn header_at_offset(&self, bytes: usize) -> Result<usize, OffsetError> {
        let mut i = self.head;
        let mut left = bytes;
        while left > 0 {
            let Some(h) = self.headers.get(i) else {
                return Err(OffsetError::PastEnd);
            };
            match h.kind.fixed_len() {
                Some(n) if n <= left => {
                    left -= n;
                    i += 1;
                }
                Some(_) => return Err(OffsetError::Inside(h.kind)),
                None => return Err(OffsetError::Inside(h.kind)),
            }
        }
        Ok(i)
    }

    /// The header of `kind` at index `i`, or the violation.
    pub fn expect(&self, i: usize, kind: HeaderKind) -> Result<usize, MemoryViolation> {
        match self.headers.get(i) {
            Some(h) if h.kind == kind => Ok(i),
            Some(h) => Err(MemoryViolation {
                wanted: kind,
                found: Some(h.kind),
            }),
            None => Err(MemoryViolation {
                wanted: kind,
                found: None,
            }),
        }
    }

    /// The IPv4 header the network-header annotation points at.
    pub fn ip(&self) -> Result<usize, MemoryViolation> {
        match self.net {
            Some(i) => self.expect(i, HeaderKind::Ipv4),
            None => Err(MemoryViolation {
                wanted: HeaderKind::Ipv4,
                found: None,
            }),
        }
    }

    /// The transport header after the annotated IPv4 header.
    pub fn transport(&self) -> Result<usize, MemoryViolation> {
        let ip = self.ip()?;
        self.expect(ip + 1, HeaderKind::Transport)
    }

    pub fn field(&self, header: usize, f: Field) -> &Expr {
        self.headers[header].get(f)
    }

    pub fn set_field(&mut self, header: usize, f: Field, e: Expr) {
        self.headers[header].set(f, e);
    }

    /// A field of the annotated IP header or the transport header after
    /// it, by field.
    pub fn ip_field(&self, f: Field) -> Result<Expr, MemoryViolation> {
        let i = match f.header() {
            HeaderKind::Ipv4 => self.ip()?,
            HeaderKind::Transport => self.transport()?,
            HeaderKind::Ether => self.expect(self.head, HeaderKind::Ether)?,
            HeaderKind::Payload => self.transport()? + 1,
            HeaderKind::Vlan | HeaderKind::Gre => self.expect(self.head + 1, f.header())?,
        };
        Ok(self.field(i, f).clone())
    }

    pub fn set_ip_field(&mut self, f: Field, e: Expr) -> Result<(), MemoryViolation> {
        let i = match f.header() {
            HeaderKind::Ipv4 => self.ip()?,
            HeaderKind::Transport => self.transport()?,
            HeaderKind::Ether => self.expect(self.head, HeaderKind::Ether)?,
            HeaderKind::Payload => self.transport()? + 1,
            HeaderKind::Vlan | HeaderKind::Gre => self.expect(self.head + 1, f.header())?,
        };
        self.set_field(i, f, e);
        Ok(())
    }

    /// The ICMP identifier and sequence number of the transport header at
    /// `tr`: the halves of its sequence-number slot (bytes 4-7), given
    /// variables of their own the first time they are asked for. `None`
    /// when the slot holds an expression that is not of that form.
    pub fn icmp_id_seq(&mut self, vars: &mut Vars, tr: usize) -> Option<(Expr, Expr)> {
        let slot = self.store.resolve(self.field(tr, Field::TcpSeq));
        match &*slot.terms {
            [] => Some((
                Expr::constant(slot.konst >> 16, 16),
                Expr::constant(slot.konst & 0xffff, 16),
            )),
            &[(x, 1)] if slot.konst == 0 => {
                let info = vars.info(x).clone();
                let hi = vars.fresh(format!("{}.id", info.name), 16, info.kind);
                let lo = vars.fresh(format!("{}.icmpseq", info.name), 16, info.kind);
                let split = Expr::from_parts(32, 0, vec![(hi, 0x1_0000), (lo, 1)]);
                self.store.define_parts(vars, x, &split).ok()?;
                self.set_field(tr, Field::TcpSeq, split);
                Some((Expr::var(hi, 16), Expr::var(lo, 16)))
            }
            &[(a, ca), (b, cb)] if slot.konst == 0 => {
                let (hi, lo) = match (ca, cb) {
                    (0x1_0000, 1) => (a, b),
                    (1, 0x1_0000) => (b, a),
                    _ => return None,
                };
                (vars.info(hi).width == 16 && vars.info(lo).width == 16)
                    .then(|| (Expr::var(hi, 16), Expr::var(lo, 16)))
            }
            _ => None,
        }
    }

    /// Sets the ICMP identifier (the high half of the slot) of the
    /// transport header at `tr`, after [`Flow::icmp_id_seq`].
    pub fn set_icmp_id(&mut self, tr: usize, id: &Expr, seq: &Expr) {
        let mut slot = Expr::constant(0, 32);
        for (v, c) in id.terms.iter() {
            slot = slot.plus(&Expr::from_parts(32, 0, vec![(*v, c * 0x1_0000)]));
        }
        slot = slot.add_const(id.konst << 16);
        let seq32 = Expr::from_parts(32, seq.konst, seq.terms.to_vec());
        self.set_field(tr, Field::TcpSeq, slot.plus(&seq32));
    }

    pub fn anno(&self, a: Anno) -> Expr {
        self.annos
            .get(&a)
            .cloned()
            .unwrap_or_else(|| Expr::constant(0, a.width()))
    }

    pub fn set_anno(&mut self, a: Anno, e: Expr) {
        self.annos.insert(a, e);
    }

    pub fn constrain(
        &mut self,
        vars: &Vars,
        e: &Expr,
        set: &crate::domain::IntervalSet,
    ) -> Result<(), Unsat> {
        self.store.constrain(vars, e, set)
    }

    /// A hash of what decides the flow's future apart from its
    /// constraints: headers, pointers, annotations and state.
    pub fn shape(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.headers.hash(&mut h);
        self.head.hash(&mut h);
        self.net.hash(&mut h);
        let mut annos: Vec<_> = self.annos.iter().collect();
        annos.sort_by_key(|(a, _)| **a as u8);
        annos.hash(&mut h);
        self.state_version.hash(&mut h);
        h.finish()
    }

    pub fn state(&self, key: &str) -> Option<&Expr> {
        self.state.get(key)
    }

    pub fn set_state(&mut self, key: &str, e: Expr) {
        self.state.insert(Rc::from(key), e);
        self.state_version += 1;
    }

    pub fn note(&mut self, text: impl AsRef<str>) {
        self.notes.push_back(Rc::from(text.as_ref()));
    }

    pub fn remove_state(&mut self, key: &str) {
        if self.state.remove(key).is_some() {
            self.state_version += 1;
        }
    }

    /// Every variable the headers, annotations and state mention.
    pub fn mentioned_vars(&self) -> Vec<Var> {
        let mut out: Vec<Var> = Vec::new();
        for h in &self.headers {
            for e in &h.fields {
                out.extend(self.store.resolve(e).vars());
            }
        }
        for e in self.annos.values().chain(self.state.values()) {
            out.extend(self.store.resolve(e).vars());
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Why a byte offset does not land on a header boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffsetError {
    /// Past the last header.
    PastEnd,
    /// Inside a header of this kind.
    Inside(HeaderKind),
}
