//! Rewrite patterns (`SADDR SPORT DADDR DPORT`) and the input specs of the
//! rewriters (`drop`, `pass`, `keep`, `pattern`, named patterns, mappers).
//!
//! Key decision: a pattern changes fixed fields and may vary one field (the
//! source port for NAPT, else the source address) over a range; a free
//! value is one whose reply direction no flow uses yet. As Click does,
//! without a suffix the flow's own value is tried first when it is in the
//! range, then values from a random start; with `#` values are taken in
//! sequence and with `?` from a random start, the own value not preferred.

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, PoisonError};

use clickconf::args::{ArgValue, IpPrefix};

use super::flow::{FlowId, FlowTable};

/// A rewrite pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    saddr: Option<u32>,
    sport: Option<u16>,
    daddr: Option<u32>,
    dport: Option<u16>,
    /// Values the varying field may take: base + 0..=top.
    variation_top: u32,
    /// Whether the varying field is the source port (else the address).
    napt: bool,
    sequential: bool,
    same_first: bool,
    next: u32,
}

fn parse_varying(word: &str) -> (&str, bool, bool) {
    if let Some(w) = word.strip_suffix('#') {
        (w, true, false)
    } else if let Some(w) = word.strip_suffix('?') {
        (w, false, false)
    } else {
        (word, false, true)
    }
}

fn addr(word: &str) -> Result<Option<u32>, String> {
    if word == "-" {
        return Ok(None);
    }
    Ipv4Addr::parse_arg(word)
        .map(|a| Some(u32::from(a)))
        .map_err(|e| format!("'{word}': {e}"))
}

fn port(word: &str) -> Result<Option<u16>, String> {
    if word == "-" {
        return Ok(None);
    }
    word.parse::<u16>()
        .map(Some)
        .map_err(|_| format!("'{word}': expected port"))
}

impl Pattern {
    /// Parses `SADDR SPORT DADDR DPORT` (or, with `ports` false, the
    /// two-word `SADDR DADDR` of the address rewriters).
    pub fn parse(words: &[&str], ports: bool) -> Result<Pattern, String> {
        let want = if ports { 4 } else { 2 };
        if words.len() != want {
            return Err(format!(
                "pattern needs {want} fields ({}), got {}",
                if ports {
                    "SADDR SPORT DADDR DPORT"
                } else {
                    "SADDR DADDR"
                },
                words.len()
            ));
        }
        let mut p = Pattern {
            saddr: None,
            sport: None,
            daddr: None,
            dport: None,
            variation_top: 0,
            napt: false,
            sequential: false,
            same_first: true,
            next: 0,
        };
        // Source address: A, A1-A2, or A/len, optionally # or ?.
        let (sa, seq, same) = parse_varying(words[0]);
        if let Some((lo, hi)) = sa.split_once('-').filter(|(l, _)| !l.is_empty()) {
            let lo = addr(lo)?.ok_or("bad address range")?;
            let hi = addr(hi)?.ok_or("bad address range")?;
            if hi < lo {
                return Err(format!("'{sa}': empty address range"));
            }
            p.saddr = Some(lo);
            p.variation_top = hi - lo;
            (p.sequential, p.same_first) = (seq, same);
        } else if sa.contains('/') {
            let prefix = IpPrefix::parse_arg(sa).map_err(|e| format!("'{sa}': {e}"))?;
            let mask = u32::from(prefix.mask());
            let net = u32::from(prefix.addr) & mask;
            if prefix.len >= 31 {
                p.saddr = Some(u32::from(prefix.addr));
            } else {
                // Network and broadcast addresses excluded.
                p.saddr = Some(net + 1);
                p.variation_top = !mask - 2;
            }
            (p.sequential, p.same_first) = (seq, same);
        } else {
            p.saddr = addr(sa)?;
        }
        if ports {
            let (sp, seq, same) = parse_varying(words[1]);
            if let Some((lo, hi)) = sp.split_once('-').filter(|_| sp != "-") {
                let lo: u16 = lo.parse().map_err(|_| format!("'{sp}': bad port range"))?;
                let hi: u16 = hi.parse().map_err(|_| format!("'{sp}': bad port range"))?;
                if hi < lo {
                    return Err(format!("'{sp}': empty port range"));
                }
                if p.variation_top > 0 {
                    return Err("only one field of a pattern may vary".into());
                }
                p.sport = Some(lo);
                p.variation_top = u32::from(hi - lo);
                p.napt = true;
                (p.sequential, p.same_first) = (seq, same);
            } else {
                p.sport = port(sp)?;
                p.napt = p.sport.is_some() && p.variation_top == 0;
            }
            p.daddr = addr(words[2])?;
            p.dport = port(words[3])?;
        } else {
            p.daddr = addr(words[1])?;
        }
        Ok(p)
    }

    /// The rewritten flow for `flow`, or `None` if no value of the varying
    /// field is free in `table`.
    pub fn apply(&mut self, flow: &FlowId, table: &FlowTable) -> Option<FlowId> {
        let mut r = *flow;
        if let Some(a) = self.saddr {
            r.saddr = a;
        }
        if let Some(p) = self.sport {
            r.sport = p;
            if flow.proto == 1 {
                r.dport = p;
            }
        }
        if let Some(a) = self.daddr {
            r.daddr = a;
        }
        if let Some(p) = self.dport {
            r.dport = p;
        }
        if self.variation_top == 0 {
            return Some(r);
        }
        let top = self.variation_top;
        let base = if self.napt {
            u32::from(self.sport.unwrap_or(0))
        } else {
            self.saddr.unwrap_or(0)
        };
        let set = |r: &mut FlowId, v: u32| {
            if self.napt {
                r.sport = (base + v) as u16;
                if r.proto == 1 {
                    r.dport = r.sport;
                }
            } else {
                r.saddr = base + v;
            }
        };
        let free = |r: &FlowId| !table.contains(&r.reverse(), true);
        if self.same_first {
            let own = if self.napt {
                u32::from(flow.sport)
            } else {
                flow.saddr
            };
            if let Some(v) = own.checked_sub(base).filter(|&v| v <= top) {
                set(&mut r, v);
                if free(&r) {
                    self.next = v.wrapping_add(1);
                    return Some(r);
                }
            }
        }
        let mut v = if self.sequential {
            if self.next > top { 0 } else { self.next }
        } else {
            random_below(top)
        };
        for _ in 0..=top.min(1 << 20) {
            set(&mut r, v);
            if free(&r) {
                self.next = v.wrapping_add(1);
                return Some(r);
            }
            v = if v == top { 0 } else { v + 1 };
        }
        None
    }

    /// Click's notation for the pattern.
    pub fn unparse(&self) -> String {
        let a = |v: Option<u32>| v.map_or("-".to_string(), |a| Ipv4Addr::from(a).to_string());
        let p = |v: Option<u16>| v.map_or("-".to_string(), |p| p.to_string());
        let sa = if !self.napt && self.variation_top > 0 {
            let lo = self.saddr.unwrap_or(0);
            format!(
                "{}-{}",
                Ipv4Addr::from(lo),
                Ipv4Addr::from(lo + self.variation_top)
            )
        } else {
            a(self.saddr)
        };
        let sp = if self.napt && self.variation_top > 0 {
            let lo = u32::from(self.sport.unwrap_or(0));
            format!("{lo}-{}", lo + self.variation_top)
        } else {
            p(self.sport)
        };
        format!("{sa} {sp} {} {}", a(self.daddr), p(self.dport))
    }
}

/// A small, non-cryptographic random value in 0..=top (allocation starts
/// somewhere unpredictable, as RFC 6056 asks of port choice).
fn random_below(top: u32) -> u32 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0x2545_f491, |d| d.as_nanos() as u64)
                | 1,
        );
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x % (u64::from(top) + 1)) as u32
    })
}

/// Named patterns from `IPRewriterPatterns`, shared by the rewriters that
/// use them (so sequential allocation continues across them, as in Click).
pub type SharedPattern = Arc<Mutex<Pattern>>;

/// A mapper element: chooses a pattern per new flow.
pub trait Mapper: Send + Sync {
    /// The pattern index and outputs for a new flow (None: drop).
    fn choose(&self) -> Option<(SharedPattern, usize, usize)>;
}

/// What a rewriter does with a packet of no known flow on an input.
#[derive(Clone)]
pub enum InputSpec {
    Drop,
    Pass(usize),
    Keep(usize, usize),
    Pattern(SharedPattern, usize, usize),
    /// A pattern named in an `IPRewriterPatterns` element, resolved at
    /// initialization.
    Named(String, usize, usize),
    /// A mapper element, resolved at initialization.
    MapperName(String),
    Mapper(Arc<dyn Mapper>),
}

impl std::fmt::Debug for InputSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.unparse())
    }
}

fn output(word: &str, noutputs: usize) -> Result<usize, String> {
    let n: usize = word
        .parse()
        .map_err(|_| format!("'{word}': expected an output port"))?;
    if n >= noutputs {
        return Err(format!("output {n} out of range"));
    }
    Ok(n)
}

impl InputSpec {
    /// Parses an input spec; `ports` says whether patterns have port
    /// fields (4 words) or not (2 words; the ICMP ping rewriter's 3-word
    /// form is given with `icmp`).
    pub fn parse(
        text: &str,
        noutputs: usize,
        ports: bool,
        icmp: bool,
    ) -> Result<InputSpec, String> {
        let words: Vec<&str> = text.split_ascii_whitespace().collect();
        match words.as_slice() {
            ["drop" | "discard"] => Ok(InputSpec::Drop),
            ["pass" | "passthrough" | "nochange"] => Ok(InputSpec::Pass(0)),
            ["pass" | "passthrough" | "nochange", n] => Ok(InputSpec::Pass(output(n, noutputs)?)),
            ["keep", f, r] => Ok(InputSpec::Keep(output(f, noutputs)?, output(r, noutputs)?)),
            ["pattern", name, f, r] => Ok(InputSpec::Named(
                name.to_string(),
                output(f, noutputs)?,
                output(r, noutputs)?,
            )),
            ["pattern", rest @ ..] if rest.len() >= 3 => {
                let (fields, outs) = rest.split_at(rest.len() - 2);
                let pattern = if icmp {
                    // SADDR DADDR IDRANGE, as SADDR IDRANGE DADDR -.
                    match fields {
                        [s, d, id] => Pattern::parse(&[s, id, d, "-"], true)?,
                        _ => return Err("ICMP ping pattern needs SADDR DADDR IDRANGE".into()),
                    }
                } else {
                    Pattern::parse(fields, ports)?
                };
                Ok(InputSpec::Pattern(
                    Arc::new(Mutex::new(pattern)),
                    output(outs[0], noutputs)?,
                    output(outs[1], noutputs)?,
                ))
            }
            [name] if name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) => {
                Ok(InputSpec::MapperName(name.to_string()))
            }
            _ => Err(format!("bad input spec '{text}'")),
        }
    }

    pub fn unparse(&self) -> String {
        match self {
            InputSpec::Drop => "drop".into(),
            InputSpec::Pass(n) => format!("pass {n}"),
            InputSpec::Keep(f, r) => format!("keep {f} {r}"),
            InputSpec::Pattern(p, f, r) => format!(
                "pattern {} {f} {r}",
                p.lock().unwrap_or_else(PoisonError::into_inner).unparse()
            ),
            InputSpec::Named(n, f, r) => format!("pattern {n} {f} {r}"),
            InputSpec::MapperName(n) => n.clone(),
            InputSpec::Mapper(_) => "mapper".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::flow::KeyKind;
    use super::*;

    fn flow(sport: u16) -> FlowId {
        FlowId {
            proto: 6,
            saddr: u32::from(Ipv4Addr::new(10, 0, 0, 5)),
            sport,
            daddr: u32::from(Ipv4Addr::new(8, 8, 8, 8)),
            dport: 80,
        }
    }

    #[test]
    fn sequential_and_own_port_allocation() {
        let mut p = Pattern::parse(&["1.0.0.1", "1024-1026#", "-", "-"], true).unwrap();
        let t = FlowTable::new(KeyKind::FiveTuple, 10);
        let r = p.apply(&flow(1025), &t).unwrap();
        assert_eq!(
            (r.saddr, r.sport),
            (u32::from(Ipv4Addr::new(1, 0, 0, 1)), 1024)
        );
        let r = p.apply(&flow(5000), &t).unwrap();
        assert_eq!(r.sport, 1025, "next in sequence");
        let mut own = Pattern::parse(&["1.0.0.1", "1024-1026", "-", "-"], true).unwrap();
        assert_eq!(
            own.apply(&flow(1026), &t).unwrap().sport,
            1026,
            "own port kept"
        );
        assert_eq!(p.unparse(), "1.0.0.1 1024-1026 - -");
    }

    #[test]
    fn specs_parse_and_errors_name_the_field() {
        assert!(matches!(
            InputSpec::parse("drop", 2, true, false),
            Ok(InputSpec::Drop)
        ));
        assert!(matches!(
            InputSpec::parse("pass 1", 2, true, false),
            Ok(InputSpec::Pass(1))
        ));
        assert!(matches!(
            InputSpec::parse("keep 0 1", 2, true, false),
            Ok(InputSpec::Keep(0, 1))
        ));
        assert!(InputSpec::parse("pass 2", 2, true, false).is_err());
        assert!(InputSpec::parse("pattern 1.0.0.1 x - - 0 1", 2, true, false).is_err());
        assert!(InputSpec::parse("pattern 1.0.0.1-1.0.0.9 1-9 - - 0 1", 2, true, false).is_err());
        assert!(InputSpec::parse("pattern 10.0.0.0/24# - 0 1", 2, false, false).is_ok());
        let p = Pattern::parse(&["10.0.0.0/30", "-"], false).unwrap();
        assert_eq!(p.unparse(), "10.0.0.1-10.0.0.2 - - -");
    }
}
