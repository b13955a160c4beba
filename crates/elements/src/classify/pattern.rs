//! The tcpdump-like pattern language of `IPClassifier` and `IPFilter`:
//! parsing into expressions over header fields. [`RuleSet`] (in
//! `ruleset.rs`) compiles a list of them into one branching program.

use std::net::Ipv4Addr;

use clickconf::args::{EtherAddress, NameKind, resolve_name};

/// Where a field is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Base {
    /// The IP header (network-header annotation).
    Ip = 0,
    /// The transport header: the IP header plus its length (IHL × 4).
    Transport,
    /// The link-level header (MAC-header annotation).
    Mac,
}

/// A header field: 1, 2 or 4 big-endian bytes at an offset, masked and
/// shifted right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    pub base: Base,
    pub offset: u16,
    pub len: u8,
    pub mask: u32,
    pub shift: u8,
}

impl Field {
    const fn ip(offset: u16, len: u8, mask: u32, shift: u8) -> Field {
        Field {
            base: Base::Ip,
            offset,
            len,
            mask,
            shift,
        }
    }
    const fn transport(offset: u16, len: u8, mask: u32) -> Field {
        Field {
            base: Base::Transport,
            offset,
            len,
            mask,
            shift: 0,
        }
    }
    fn width_mask(len: u8) -> u32 {
        if len >= 4 {
            u32::MAX
        } else {
            (1u32 << (8 * u32::from(len))) - 1
        }
    }
}

const PROTO: Field = Field::ip(9, 1, 0xff, 0);
const FRAG_OFFSET: Field = Field::ip(6, 2, 0x1fff, 0);
const FRAG_BITS: Field = Field::ip(6, 2, 0x3fff, 0);
const SRC_IP: Field = Field::ip(12, 4, u32::MAX, 0);
const DST_IP: Field = Field::ip(16, 4, u32::MAX, 0);
const SRC_PORT: Field = Field::transport(0, 2, 0xffff);
const DST_PORT: Field = Field::transport(2, 2, 0xffff);

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl Op {
    #[inline]
    fn apply(self, a: u32, b: u32) -> bool {
        match self {
            Op::Eq => a == b,
            Op::Ne => a != b,
            Op::Lt => a < b,
            Op::Gt => a > b,
            Op::Le => a <= b,
            Op::Ge => a >= b,
        }
    }
}

/// A boolean expression over packet fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Const(bool),
    /// `field OP value`; false when the packet is too short for the field.
    Cmp {
        field: Field,
        op: Op,
        value: u32,
    },
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// `a ? b : c`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// The headers a pattern looks at, by [`Base`]; a header the packet does
/// not have is empty, so every field in it is missing.
#[derive(Clone, Copy)]
pub struct Headers<'a> {
    /// IP header to the end of the packet, transport header (after the IP
    /// header's IHL × 4 bytes) to the end, link-level header to the end.
    /// (A fourth, always empty, lets an index be masked rather than
    /// bounds-checked.)
    bases: [&'a [u8]; 4],
}

impl<'a> Headers<'a> {
    /// The headers of a packet whose IP header (if any) starts `ip` and
    /// whose link-level header (if any) starts `mac`.
    #[inline]
    pub fn new(ip: Option<&'a [u8]>, mac: Option<&'a [u8]>) -> Headers<'a> {
        let ip = ip.unwrap_or(&[]);
        let transport = ip
            .first()
            .and_then(|&b| ip.get(usize::from(b & 0x0f) * 4..))
            .unwrap_or(&[]);
        Headers {
            bases: [ip, transport, mac.unwrap_or(&[]), &[]],
        }
    }

    #[inline]
    fn bytes(&self, base: Base) -> &'a [u8] {
        self.bases[base as usize]
    }

    #[inline]
    fn load(&self, f: &Field) -> Option<u32> {
        let bytes = self.bytes(f.base);
        let at = usize::from(f.offset);
        let v = match f.len {
            1 => u32::from(*bytes.get(at)?),
            2 => u32::from(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?)),
            _ => u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?),
        };
        Some((v & f.mask) >> f.shift)
    }
}

impl Expr {
    /// Whether a packet with these headers matches.
    #[inline]
    pub fn matches(&self, h: &Headers<'_>) -> bool {
        match self {
            Expr::Const(b) => *b,
            Expr::Cmp { field, op, value } => match h.load(field) {
                Some(v) => op.apply(v, *value),
                None => false,
            },
            Expr::Not(e) => !e.matches(h),
            Expr::And(es) => es.iter().all(|e| e.matches(h)),
            Expr::Or(es) => es.iter().any(|e| e.matches(h)),
            Expr::Cond(a, b, c) => {
                if a.matches(h) {
                    b.matches(h)
                } else {
                    c.matches(h)
                }
            }
        }
    }

    /// Whether every comparison in this expression reads `field`.
    fn tests_only(&self, field: &Field) -> bool {
        match self {
            Expr::Const(_) => true,
            Expr::Cmp { field: f, .. } => f == field,
            Expr::Not(e) => e.tests_only(field),
            Expr::And(es) | Expr::Or(es) => es.iter().all(|e| e.tests_only(field)),
            Expr::Cond(a, b, c) => {
                a.tests_only(field) && b.tests_only(field) && c.tests_only(field)
            }
        }
    }

    fn cmp(field: Field, op: Op, value: u32) -> Expr {
        Expr::Cmp { field, op, value }
    }

    fn and(mut es: Vec<Expr>) -> Expr {
        if es.len() == 1 {
            es.pop().expect("one element")
        } else {
            Expr::And(es)
        }
    }

    /// The value this expression requires `field` to equal (full mask),
    /// if every match needs one.
    fn required_value(&self, field: &Field) -> Option<u32> {
        match self {
            Expr::Cmp {
                field: f,
                op: Op::Eq,
                value,
            } if f == field => Some(*value),
            Expr::And(es) => es.iter().find_map(|e| e.required_value(field)),
            Expr::Or(es) => {
                let first = es.first()?.required_value(field)?;
                es[1..]
                    .iter()
                    .all(|e| e.required_value(field) == Some(first))
                    .then_some(first)
            }
            _ => None,
        }
    }

    /// Fields that some match requires to equal a constant.
    fn required_fields(&self, out: &mut Vec<Field>) {
        match self {
            Expr::Cmp {
                field, op: Op::Eq, ..
            } if field.mask == Field::width_mask(field.len) && field.shift == 0 => out.push(*field),
            Expr::And(es) => es.iter().for_each(|e| e.required_fields(out)),
            Expr::Or(es) => {
                if let Some(first) = es.first() {
                    let mut fs = Vec::new();
                    first.required_fields(&mut fs);
                    for f in fs {
                        if self.required_value(&f).is_some() {
                            out.push(f);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Why a pattern did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError(pub String);

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(m: impl Into<String>) -> Result<T, PatternError> {
    Err(PatternError(m.into()))
}

/// Splits a pattern into words and operators.
fn tokenize(text: &str) -> Result<Vec<String>, PatternError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let is_word =
        |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'/' | b'-' | b'_' | b':');
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let two = b.get(i..i + 2);
        if let Some(t) = two.filter(|t| matches!(*t, b"&&" | b"||" | b"==" | b"!=" | b"<=" | b">="))
        {
            out.push(String::from_utf8_lossy(t).into_owned());
            i += 2;
            continue;
        }
        if matches!(
            c,
            b'(' | b')' | b'!' | b'?' | b'[' | b']' | b'&' | b'=' | b'<' | b'>' | b'|'
        ) {
            out.push((c as char).to_string());
            i += 1;
            continue;
        }
        if is_word(c) {
            let start = i;
            while i < b.len() && is_word(b[i]) {
                i += 1;
            }
            out.push(text[start..i].to_string());
            continue;
        }
        return err(format!("unexpected character '{}'", c as char));
    }
    Ok(out)
}

/// Well-known port names, as Click's IP name database.
const PORT_NAMES: &[(&str, u16)] = &[
    ("auth", 113),
    ("bootpc", 68),
    ("bootps", 67),
    ("chargen", 19),
    ("daytime", 13),
    ("discard", 9),
    ("dns", 53),
    ("domain", 53),
    ("echo", 7),
    ("finger", 79),
    ("ftp", 21),
    ("ftp-data", 20),
    ("http", 80),
    ("https", 443),
    ("imap3", 220),
    ("imaps", 993),
    ("irc", 194),
    ("netbios-dgm", 138),
    ("netbios-ns", 137),
    ("netbios-ssn", 139),
    ("nntp", 119),
    ("ntp", 123),
    ("pop3", 110),
    ("pop3s", 995),
    ("pptp", 1723),
    ("rip", 520),
    ("route", 520),
    ("smtp", 25),
    ("snmp", 161),
    ("snmp-trap", 162),
    ("ssh", 22),
    ("sunrpc", 111),
    ("telnet", 23),
    ("tftp", 69),
    ("www", 80),
];

const PROTO_NAMES: &[(&str, u8)] = &[
    ("dccp", 33),
    ("gre", 47),
    ("icmp", 1),
    ("igmp", 2),
    ("ipip", 4),
    ("sctp", 132),
    ("tcp", 6),
    ("udp", 17),
];

const ICMP_TYPES: &[(&str, u8)] = &[
    ("echo", 8),
    ("echo-reply", 0),
    ("inforeq", 15),
    ("inforeq-reply", 16),
    ("maskreq", 17),
    ("maskreq-reply", 18),
    ("parameterproblem", 12),
    ("redirect", 5),
    ("routeradvert", 9),
    ("routersolicit", 10),
    ("sourcequench", 4),
    ("timeexceeded", 11),
    ("timestamp", 13),
    ("timestamp-reply", 14),
    ("unreachable", 3),
];

const TCP_FLAGS: &[(&str, u32)] = &[
    ("fin", 0x01),
    ("syn", 0x02),
    ("rst", 0x04),
    ("psh", 0x08),
    ("ack", 0x10),
    ("urg", 0x20),
];

fn lookup<T: Copy>(table: &[(&str, T)], name: &str) -> Option<T> {
    table.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

fn parse_int(word: &str) -> Option<u32> {
    if let Some(hex) = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        u32::from_str_radix(hex, 16).ok()
    } else if word.bytes().all(|b| b.is_ascii_digit()) && !word.is_empty() {
        word.parse().ok()
    } else {
        None
    }
}

fn parse_ipv4(word: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = word.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut o = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        o[i] = p.parse().ok()?;
    }
    Some(Ipv4Addr::from(o))
}

/// `A/len`, `A/mask`, or a partial address `10/8`, `10.1/16`.
fn parse_prefix(word: &str) -> Option<(u32, u32)> {
    let (a, l) = word.split_once('/')?;
    let parts: Vec<&str> = a.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut o = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        o[i] = p.parse().ok()?;
    }
    let mask = if let Some(m) = parse_ipv4(l) {
        u32::from(m)
    } else {
        let len: u32 = parse_int(l)?;
        if len > 32 {
            return None;
        }
        if len == 0 { 0 } else { u32::MAX << (32 - len) }
    };
    Some((u32::from(Ipv4Addr::from(o)) & mask, mask))
}

/// What a word stands for as an address: (address, mask).
fn address_value(word: &str) -> Option<(u32, u32)> {
    if let Some(a) = parse_ipv4(word) {
        return Some((u32::from(a), u32::MAX));
    }
    if let Some(p) = parse_prefix(word) {
        return Some(p);
    }
    if let Some(text) = resolve_name(word, NameKind::Ipv4Prefix) {
        if let Some(p) = parse_prefix(&text) {
            return Some(p);
        }
        if let Some(a) = parse_ipv4(&text) {
            return Some((u32::from(a), u32::MAX));
        }
    }
    resolve_name(word, NameKind::Ipv4)
        .and_then(|t| parse_ipv4(&t))
        .map(|a| (u32::from(a), u32::MAX))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    Src,
    Dst,
    SrcOrDst,
    SrcAndDst,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proto {
    Ip,
    Tcp,
    Udp,
    Icmp,
    Ether,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Host,
    Net,
    Port,
    Proto,
    /// A plain IP header field (`ttl`, `tos`, …).
    IpField(Field),
    Ect,
    Ce,
    Frag,
    Unfrag,
    TcpOpt,
    TcpWin,
    IcmpType,
}

/// The qualifiers of a primitive, remembered so that `src port 80 or 81`
/// can repeat them for the bare `81`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Qualifiers {
    dir: Option<Dir>,
    proto: Option<Proto>,
    kind: Option<Kind>,
}

struct Parser {
    words: Vec<String>,
    pos: usize,
    last: Option<Qualifiers>,
    depth: usize,
}

const MAX_DEPTH: usize = 200;

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.words.get(self.pos).map(String::as_str)
    }
    fn peek_at(&self, k: usize) -> Option<&str> {
        self.words.get(self.pos + k).map(String::as_str)
    }
    fn next(&mut self) -> Option<String> {
        let w = self.words.get(self.pos).cloned();
        if w.is_some() {
            self.pos += 1;
        }
        w
    }
    fn eat(&mut self, w: &str) -> bool {
        if self.peek() == Some(w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Expr, PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err("pattern nested too deeply");
        }
        let cond = self.or()?;
        let e = if self.eat("?") {
            let yes = self.expr()?;
            if !self.eat(":") {
                return err("'?' without ':'");
            }
            let no = self.expr()?;
            Expr::Cond(Box::new(cond), Box::new(yes), Box::new(no))
        } else {
            cond
        };
        self.depth -= 1;
        Ok(e)
    }

    fn or(&mut self) -> Result<Expr, PatternError> {
        let mut terms = vec![self.and()?];
        while matches!(self.peek(), Some("or" | "||")) {
            self.pos += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.pop().expect("one term")
        } else {
            Expr::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Expr, PatternError> {
        let mut terms = vec![self.not()?];
        loop {
            match self.peek() {
                Some("and" | "&&") => {
                    self.pos += 1;
                    terms.push(self.not()?);
                }
                None | Some("or" | "||" | ")" | "?" | ":") => break,
                Some(_) => terms.push(self.not()?),
            }
        }
        Ok(Expr::and(terms))
    }

    fn not(&mut self) -> Result<Expr, PatternError> {
        match self.peek() {
            Some("not" | "!") => {
                self.pos += 1;
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return err("pattern nested too deeply");
                }
                let e = self.not()?;
                self.depth -= 1;
                Ok(Expr::Not(Box::new(e)))
            }
            Some("(") => {
                self.pos += 1;
                let e = self.expr()?;
                if !self.eat(")") {
                    return err("missing ')'");
                }
                Ok(e)
            }
            Some(_) => self.primitive(),
            None => err("missing expression"),
        }
    }

    fn primitive(&mut self) -> Result<Expr, PatternError> {
        let word = self.peek().unwrap_or_default().to_string();
        match word.as_str() {
            "true" | "-" | "any" | "all" => {
                self.pos += 1;
                return Ok(Expr::Const(true));
            }
            "false" | "none" => {
                self.pos += 1;
                return Ok(Expr::Const(false));
            }
            _ => {}
        }
        // Raw byte access: ip[POS], ip[POS:LEN], transp[…], tcp[…], …
        if self.peek_at(1) == Some("[")
            && matches!(word.as_str(), "ip" | "transp" | "tcp" | "udp" | "icmp")
        {
            return self.byte_access();
        }

        let mut q = Qualifiers {
            dir: None,
            proto: None,
            kind: None,
        };
        let start = self.pos;
        // Direction.
        match self.peek() {
            Some("src") => {
                self.pos += 1;
                q.dir = Some(Dir::Src);
                if matches!(self.peek(), Some("or" | "and")) && self.peek_at(1) == Some("dst") {
                    q.dir = Some(if self.peek() == Some("or") {
                        Dir::SrcOrDst
                    } else {
                        Dir::SrcAndDst
                    });
                    self.pos += 2;
                }
            }
            Some("dst" | "dest") => {
                self.pos += 1;
                q.dir = Some(Dir::Dst);
            }
            _ => {}
        }
        // Protocol qualifier.
        match self.peek() {
            Some("ip") => {
                self.pos += 1;
                q.proto = Some(Proto::Ip);
            }
            Some("tcp") => {
                self.pos += 1;
                q.proto = Some(Proto::Tcp);
            }
            Some("udp") => {
                self.pos += 1;
                q.proto = Some(Proto::Udp);
            }
            Some("icmp") => {
                self.pos += 1;
                q.proto = Some(Proto::Icmp);
            }
            Some("ether") => {
                self.pos += 1;
                q.proto = Some(Proto::Ether);
            }
            _ => {}
        }
        // `src ether host`: direction may also follow the protocol.
        if q.dir.is_none() {
            match self.peek() {
                Some("src") => {
                    self.pos += 1;
                    q.dir = Some(Dir::Src);
                }
                Some("dst" | "dest") => {
                    self.pos += 1;
                    q.dir = Some(Dir::Dst);
                }
                _ => {}
            }
        }
        // Data type.
        if let Some(w) = self.peek() {
            let kind = match w {
                "host" => Some(Kind::Host),
                "net" => Some(Kind::Net),
                "port" => Some(Kind::Port),
                "proto" => Some(Kind::Proto),
                "vers" => Some(Kind::IpField(Field::ip(0, 1, 0xf0, 4))),
                "hl" => Some(Kind::IpField(Field::ip(0, 1, 0x0f, 0))),
                "tos" => Some(Kind::IpField(Field::ip(1, 1, 0xff, 0))),
                "dscp" => Some(Kind::IpField(Field::ip(1, 1, 0xfc, 2))),
                "len" => Some(Kind::IpField(Field::ip(2, 2, 0xffff, 0))),
                "id" => Some(Kind::IpField(Field::ip(4, 2, 0xffff, 0))),
                "ttl" => Some(Kind::IpField(Field::ip(8, 1, 0xff, 0))),
                "ect" => Some(Kind::Ect),
                "ce" => Some(Kind::Ce),
                "frag" => Some(Kind::Frag),
                "unfrag" => Some(Kind::Unfrag),
                "opt" => Some(Kind::TcpOpt),
                "win" => Some(Kind::TcpWin),
                "type" => Some(Kind::IcmpType),
                _ => None,
            };
            if kind.is_some() {
                self.pos += 1;
                q.kind = kind;
            }
        }

        let nothing_given = self.pos == start;
        if nothing_given {
            // A bare value: repeat the previous primitive's qualifiers, or
            // take the abbreviation the word stands for.
            let w = self.peek().unwrap_or_default().to_string();
            if let Some(flag) = lookup(TCP_FLAGS, &w) {
                self.pos += 1;
                return Ok(tcp_flag(flag));
            }
            if let Some(last) = self.last.filter(|l| value_fits(l, &w)) {
                q = last;
            } else if address_value(&w).is_some() {
                q.kind = Some(if w.contains('/') {
                    Kind::Net
                } else {
                    Kind::Host
                });
            } else if lookup(PORT_NAMES, &w).is_some() {
                q.kind = Some(Kind::Port);
            } else {
                return err(format!("unknown word '{w}'"));
            }
        }

        let e = self.finish_primitive(q)?;
        self.last = Some(q);
        Ok(e)
    }

    /// Reads an optional `& MASK` and comparison operator.
    fn mask_and_op(&mut self) -> Result<(Option<u32>, Op, bool), PatternError> {
        let mut mask = None;
        if self.eat("&") {
            let w = self.next().unwrap_or_default();
            mask = Some(parse_int(&w).ok_or_else(|| PatternError(format!("bad mask '{w}'")))?);
        }
        let op = match self.peek() {
            Some("=" | "==") => Some(Op::Eq),
            Some("!=") => Some(Op::Ne),
            Some("<") => Some(Op::Lt),
            Some(">") => Some(Op::Gt),
            Some("<=") => Some(Op::Le),
            Some(">=") => Some(Op::Ge),
            _ => None,
        };
        if op.is_some() {
            self.pos += 1;
        }
        Ok((mask, op.unwrap_or(Op::Eq), op.is_some()))
    }

    fn finish_primitive(&mut self, q: Qualifiers) -> Result<Expr, PatternError> {
        let proto_test = |p: u8| Expr::cmp(PROTO, Op::Eq, u32::from(p));
        let first_fragment = Expr::cmp(FRAG_OFFSET, Op::Eq, 0);
        let Some(kind) = q.kind else {
            if q.dir.is_some() {
                // `src 10.0.0.1`: a host or net with the direction given.
                let w = self.peek().unwrap_or_default().to_string();
                let kind = if w.contains('/') {
                    Kind::Net
                } else {
                    Kind::Host
                };
                return self.finish_primitive(Qualifiers {
                    kind: Some(kind),
                    ..q
                });
            }
            return Ok(match q.proto {
                Some(Proto::Tcp) => proto_test(6),
                Some(Proto::Udp) => proto_test(17),
                Some(Proto::Icmp) => proto_test(1),
                Some(Proto::Ip) => Expr::Const(true),
                Some(Proto::Ether) | None => return err("missing value"),
            });
        };
        let (mask, op, explicit_op) = self.mask_and_op()?;
        let dir = q.dir.unwrap_or(Dir::SrcOrDst);
        let directed = |src: Field, dst: Field, op: Op, value: u32| -> Expr {
            let one = |f: Field| Expr::cmp(f, op, value);
            match (dir, op) {
                (Dir::Src, _) => one(src),
                (Dir::Dst, _) => one(dst),
                (Dir::SrcOrDst, Op::Ne) => Expr::And(vec![one(src), one(dst)]),
                (Dir::SrcOrDst, _) => Expr::Or(vec![one(src), one(dst)]),
                (Dir::SrcAndDst, Op::Ne) => Expr::Or(vec![one(src), one(dst)]),
                (Dir::SrcAndDst, _) => Expr::And(vec![one(src), one(dst)]),
            }
        };
        let with_mask = |f: Field| -> Result<Field, PatternError> {
            match mask {
                None => Ok(f),
                Some(m) => {
                    let max = f.mask >> f.shift;
                    if m & !max != 0 {
                        return err(format!("mask {m:#x} is wider than the field"));
                    }
                    Ok(Field {
                        mask: (m << f.shift) & f.mask,
                        ..f
                    })
                }
            }
        };
        let value_word =
            |p: &mut Parser| p.next().ok_or_else(|| PatternError("missing value".into()));
        match kind {
            Kind::Host | Kind::Net => {
                if q.proto == Some(Proto::Ether) {
                    let w = value_word(self)?;
                    let mac = EtherAddress::parse_literal(&w)
                        .ok()
                        .or_else(|| {
                            resolve_name(&w, NameKind::Ether)
                                .and_then(|t| EtherAddress::parse_literal(&t).ok())
                        })
                        .ok_or_else(|| PatternError(format!("bad Ethernet address '{w}'")))?
                        .0;
                    let hi = u32::from_be_bytes([mac[0], mac[1], mac[2], mac[3]]);
                    let lo = u32::from(u16::from_be_bytes([mac[4], mac[5]]));
                    let at = |off: u16| {
                        Expr::And(vec![
                            Expr::cmp(
                                Field {
                                    base: Base::Mac,
                                    offset: off,
                                    len: 4,
                                    mask: u32::MAX,
                                    shift: 0,
                                },
                                Op::Eq,
                                hi,
                            ),
                            Expr::cmp(
                                Field {
                                    base: Base::Mac,
                                    offset: off + 4,
                                    len: 2,
                                    mask: 0xffff,
                                    shift: 0,
                                },
                                Op::Eq,
                                lo,
                            ),
                        ])
                    };
                    let e = match dir {
                        Dir::Src => at(6),
                        Dir::Dst => at(0),
                        Dir::SrcOrDst => Expr::Or(vec![at(6), at(0)]),
                        Dir::SrcAndDst => Expr::And(vec![at(6), at(0)]),
                    };
                    return Ok(if op == Op::Ne {
                        Expr::Not(Box::new(e))
                    } else {
                        e
                    });
                }
                let w = value_word(self)?;
                let (addr, mut amask) = if kind == Kind::Net && self.peek() == Some("mask") {
                    self.pos += 1;
                    let a = address_value(&w)
                        .ok_or_else(|| PatternError(format!("bad address '{w}'")))?;
                    let m = self.next().unwrap_or_default();
                    let m =
                        parse_ipv4(&m).ok_or_else(|| PatternError(format!("bad netmask '{m}'")))?;
                    (a.0 & u32::from(m), u32::from(m))
                } else if kind == Kind::Host
                    && let Some(a) = resolve_name(&w, NameKind::Ipv4).and_then(|t| parse_ipv4(&t))
                {
                    (u32::from(a), u32::MAX)
                } else {
                    address_value(&w).ok_or_else(|| PatternError(format!("bad address '{w}'")))?
                };
                if let Some(m) = mask {
                    amask &= m;
                }
                if !matches!(op, Op::Eq | Op::Ne) {
                    return err("addresses take only '==' or '!='");
                }
                let f = |base: Field| Field {
                    mask: amask,
                    ..base
                };
                Ok(directed(f(SRC_IP), f(DST_IP), op, addr & amask))
            }
            Kind::Port => {
                let w = value_word(self)?;
                let port = parse_int(&w)
                    .filter(|&p| p <= 0xffff)
                    .or_else(|| lookup(PORT_NAMES, &w).map(u32::from))
                    .ok_or_else(|| PatternError(format!("bad port '{w}'")))?;
                let cmp = directed(with_mask(SRC_PORT)?, with_mask(DST_PORT)?, op, port);
                let proto = match q.proto {
                    Some(Proto::Tcp) => proto_test(6),
                    Some(Proto::Udp) => proto_test(17),
                    None | Some(Proto::Ip) => Expr::Or(vec![proto_test(6), proto_test(17)]),
                    _ => return err("ports need tcp or udp"),
                };
                Ok(Expr::And(vec![proto, first_fragment, cmp]))
            }
            Kind::Proto => {
                let w = value_word(self)?;
                let p = parse_int(&w)
                    .filter(|&p| p <= 255)
                    .or_else(|| lookup(PROTO_NAMES, &w).map(u32::from))
                    .ok_or_else(|| PatternError(format!("bad protocol '{w}'")))?;
                Ok(Expr::cmp(with_mask(PROTO)?, op, p))
            }
            Kind::IpField(field) => {
                let w = value_word(self)?;
                let v = parse_int(&w).ok_or_else(|| PatternError(format!("bad value '{w}'")))?;
                let field = with_mask(field)?;
                if v > field.mask >> field.shift {
                    return err(format!("value {v} out of range"));
                }
                Ok(Expr::cmp(field, op, v))
            }
            Kind::Ect | Kind::Ce | Kind::Frag | Kind::Unfrag => {
                if explicit_op || mask.is_some() {
                    return err("value not supported");
                }
                Ok(match kind {
                    Kind::Ect => Expr::cmp(Field::ip(1, 1, 0x03, 0), Op::Ne, 0),
                    Kind::Ce => Expr::cmp(Field::ip(1, 1, 0x03, 0), Op::Eq, 3),
                    Kind::Frag => Expr::cmp(FRAG_BITS, Op::Ne, 0),
                    _ => Expr::cmp(FRAG_BITS, Op::Eq, 0),
                })
            }
            Kind::TcpOpt => {
                let w = value_word(self)?;
                let flag = lookup(TCP_FLAGS, &w)
                    .ok_or_else(|| PatternError(format!("bad TCP option '{w}'")))?;
                let e = tcp_flag(flag);
                Ok(if op == Op::Ne {
                    Expr::And(vec![proto_test(6), first_fragment, Expr::Not(Box::new(e))])
                } else {
                    e
                })
            }
            Kind::TcpWin => {
                let w = value_word(self)?;
                let v = parse_int(&w)
                    .filter(|&v| v <= 0xffff)
                    .ok_or_else(|| PatternError(format!("bad window '{w}'")))?;
                Ok(Expr::And(vec![
                    proto_test(6),
                    first_fragment,
                    Expr::cmp(with_mask(Field::transport(14, 2, 0xffff))?, op, v),
                ]))
            }
            Kind::IcmpType => {
                let w = value_word(self)?;
                let v = parse_int(&w)
                    .filter(|&v| v <= 255)
                    .or_else(|| lookup(ICMP_TYPES, &w).map(u32::from))
                    .ok_or_else(|| PatternError(format!("bad ICMP type '{w}'")))?;
                Ok(Expr::And(vec![
                    proto_test(1),
                    first_fragment,
                    Expr::cmp(with_mask(Field::transport(0, 1, 0xff))?, op, v),
                ]))
            }
        }
    }

    /// `ip[POS]`, `ip[POS:LEN]`, `transp[POS:LEN]` and the protocol
    /// variants, with an optional mask, operator and value.
    fn byte_access(&mut self) -> Result<Expr, PatternError> {
        let header = self.next().unwrap_or_default();
        self.pos += 1; // '['
        let inside = self.next().unwrap_or_default();
        if !self.eat("]") {
            return err("missing ']'");
        }
        let (pos, len) = match inside.split_once(':') {
            Some((p, l)) => (parse_int(p), parse_int(l)),
            None => (parse_int(&inside), Some(1)),
        };
        let (Some(pos), Some(len)) = (pos, len) else {
            return err(format!("bad byte access '{header}[{inside}]'"));
        };
        if !matches!(len, 1 | 2 | 4) || pos > 0xffff {
            return err("byte access length must be 1, 2 or 4");
        }
        let base = if header == "ip" {
            Base::Ip
        } else {
            Base::Transport
        };
        let field = Field {
            base,
            offset: pos as u16,
            len: len as u8,
            mask: Field::width_mask(len as u8),
            shift: 0,
        };
        let (mask, op, explicit_op) = self.mask_and_op()?;
        let field = Field {
            mask: field.mask & mask.unwrap_or(u32::MAX),
            ..field
        };
        let cmp = if explicit_op {
            let w = self.next().unwrap_or_default();
            let v = parse_int(&w).ok_or_else(|| PatternError(format!("bad value '{w}'")))?;
            Expr::cmp(field, op, v)
        } else if let Some(v) = self.peek().and_then(parse_int) {
            self.pos += 1;
            Expr::cmp(field, Op::Eq, v)
        } else {
            Expr::cmp(field, Op::Ne, 0)
        };
        let proto = |p: u8| Expr::cmp(PROTO, Op::Eq, u32::from(p));
        let first_fragment = Expr::cmp(FRAG_OFFSET, Op::Eq, 0);
        Ok(match header.as_str() {
            "ip" => cmp,
            "transp" => Expr::And(vec![first_fragment, cmp]),
            "tcp" => Expr::And(vec![proto(6), first_fragment, cmp]),
            "udp" => Expr::And(vec![proto(17), first_fragment, cmp]),
            _ => Expr::And(vec![proto(1), first_fragment, cmp]),
        })
    }
}

/// Whether `word` can be the value of a primitive with these qualifiers,
/// so that `src port 80 or 81` repeats `src port` but `host a and www`
/// reads `www` as a port.
fn value_fits(q: &Qualifiers, word: &str) -> bool {
    match q.kind {
        Some(Kind::Host | Kind::Net) if q.proto == Some(Proto::Ether) => {
            EtherAddress::parse_literal(word).is_ok()
                || resolve_name(word, NameKind::Ether).is_some()
        }
        Some(Kind::Host | Kind::Net) => address_value(word).is_some(),
        Some(Kind::Port) => parse_int(word).is_some() || lookup(PORT_NAMES, word).is_some(),
        Some(Kind::Proto) => parse_int(word).is_some() || lookup(PROTO_NAMES, word).is_some(),
        Some(Kind::IcmpType) => parse_int(word).is_some() || lookup(ICMP_TYPES, word).is_some(),
        Some(Kind::IpField(_) | Kind::TcpWin) => parse_int(word).is_some(),
        Some(Kind::TcpOpt) => lookup(TCP_FLAGS, word).is_some(),
        _ => false,
    }
}

fn tcp_flag(flag: u32) -> Expr {
    Expr::And(vec![
        Expr::cmp(PROTO, Op::Eq, 6),
        Expr::cmp(FRAG_OFFSET, Op::Eq, 0),
        Expr::cmp(Field::transport(13, 1, flag), Op::Ne, 0),
    ])
}

/// Parses one pattern.
pub fn parse(text: &str) -> Result<Expr, PatternError> {
    let words = tokenize(text)?;
    if words.is_empty() {
        return err("empty pattern");
    }
    let mut p = Parser {
        words,
        pos: 0,
        last: None,
        depth: 0,
    };
    let e = p.expr()?;
    if let Some(w) = p.peek() {
        return err(format!("unexpected '{w}'"));
    }
    Ok(e)
}

mod ruleset;
pub use ruleset::RuleSet;

#[cfg(test)]
mod tests;
