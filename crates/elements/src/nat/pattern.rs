//! Rewrite patterns (`SADDR SPORT DADDR DPORT` and the shorter forms) and
//! the input specs of the rewriters (`drop`, `pass`, `keep`, `pattern`,
//! named patterns, mappers), parsed and applied as Click 2.1 does.
//!
//! Key decision: a pattern is shared (`Arc<Mutex<_>>`) by every input spec
//! and mapper that names it, as Click shares its pattern objects, so
//! sequential (`#`) allocation continues across them; a mapping's variable
//! field takes a value no entry of the rewriter's table uses yet.

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, PoisonError};

use clickconf::args::{ArgValue, IpPrefix};

use super::flow::FlowKey;

/// A rewrite pattern. Zero fields are left as the packet has them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    saddr: u32,
    sport: u16,
    daddr: u32,
    dport: u16,
    /// The variable field takes base + 0..=variation_top.
    variation_top: u32,
    next: u32,
    /// Ports given (three or four words): the source port varies, if
    /// anything does; otherwise the source address.
    napt: bool,
    sequential: bool,
    same_first: bool,
}

/// A pattern as input specs and mappers hold it.
pub type SharedPattern = Arc<Mutex<Pattern>>;

fn strip_suffix(word: &str, sequential: &mut bool, same_first: &mut bool) -> String {
    if let Some(w) = word.strip_suffix('#') {
        *sequential = true;
        *same_first = false;
        w.to_string()
    } else if let Some(w) = word.strip_suffix('?') {
        *same_first = false;
        w.to_string()
    } else {
        word.to_string()
    }
}

fn parse_addr(word: &str) -> Option<u32> {
    Ipv4Addr::parse_arg(word).ok().map(u32::from)
}

/// `A1-A2` or `PREFIX/LEN` (network and broadcast addresses left out),
/// with an optional `#` or `?`: (base, variation top).
fn address_variation(word: &str, seq: &mut bool, same: &mut bool) -> Option<(u32, u32)> {
    let w = strip_suffix(word, seq, same);
    if let Some((lo, hi)) = w.split_once('-') {
        let (lo, hi) = (parse_addr(lo)?, parse_addr(hi)?);
        return (hi >= lo).then_some((lo, hi - lo));
    }
    let prefix = IpPrefix::parse_arg(&w).ok()?;
    let addr = u32::from(prefix.addr);
    let mask = u32::from(prefix.mask());
    if addr == 0 || mask == 0 {
        return None;
    }
    Some(match mask {
        u32::MAX => (addr, 0),
        0xffff_fffe => (addr & mask, 1),
        _ => ((addr & mask) | 1, !mask - 2),
    })
}

/// `L-H` with an optional `#` or `?`: (low port, variation top).
fn port_variation(word: &str, seq: &mut bool, same: &mut bool) -> Option<(u16, u32)> {
    let w = strip_suffix(word, seq, same);
    let (lo, hi) = w.split_once('-')?;
    let lo: u32 = lo.parse().ok()?;
    let hi: u32 = hi.parse().ok()?;
    (hi >= lo && hi < 65536).then_some((lo as u16, hi - lo))
}

fn port(word: &str) -> Option<u16> {
    word.parse::<u16>().ok().filter(|&p| p > 0)
}

/// A pattern's fields as its symbolic model needs them.
pub(crate) struct PatternParts {
    pub saddr: u32,
    pub sport: u16,
    pub daddr: u32,
    pub dport: u16,
    pub variation_top: u32,
    pub napt: bool,
}

impl Pattern {
    pub(crate) fn parts(&self) -> PatternParts {
        PatternParts {
            saddr: self.saddr,
            sport: self.sport,
            daddr: self.daddr,
            dport: self.dport,
            variation_top: self.variation_top,
            napt: self.napt,
        }
    }

    /// Parses a pattern of one to four words, as Click does: `NAME` (a
    /// pattern named in `IPRewriterPatterns`, found with `named`), `SADDR
    /// DADDR`, `SADDR DADDR SPORT` (the ICMP form), or `SADDR SPORT DADDR
    /// DPORT`; `-` leaves a field alone.
    pub fn parse(
        words: &[&str],
        named: &dyn Fn(&str) -> Option<SharedPattern>,
    ) -> Result<SharedPattern, String> {
        if words.is_empty() || words.len() > 4 {
            return Err("syntax error".into());
        }
        if let [name] = words {
            return named(name).ok_or_else(|| format!("no such pattern '{name}'"));
        }
        let mut p = Pattern {
            saddr: 0,
            sport: 0,
            daddr: 0,
            dport: 0,
            variation_top: 0,
            next: 0,
            napt: words.len() >= 3,
            sequential: false,
            same_first: true,
        };
        let (mut seq, mut same) = (false, true);
        let sa = words[0];
        if sa != "-" {
            if let Some(a) = parse_addr(sa) {
                p.saddr = a;
            } else if let Some((base, top)) = address_variation(sa, &mut seq, &mut same) {
                p.saddr = base;
                p.variation_top = top;
            } else {
                return Err(format!("bad source address '{sa}'"));
            }
        }
        let (sport_at, daddr_at) = match words.len() {
            3 => (Some(2), 1),
            4 => (Some(1), 2),
            _ => (None, 1),
        };
        if let Some(i) = sport_at {
            let sp = words[i];
            if sp != "-" {
                if let Some(v) = port(sp) {
                    p.sport = v;
                } else if let Some((lo, top)) = port_variation(sp, &mut seq, &mut same) {
                    p.sport = lo;
                    p.variation_top = top;
                } else {
                    return Err(format!("bad source port '{sp}'"));
                }
            }
        }
        let da = words[daddr_at];
        if da != "-" {
            p.daddr = parse_addr(da).ok_or_else(|| format!("bad destination address '{da}'"))?;
        }
        if words.len() == 4 && words[3] != "-" {
            p.dport =
                port(words[3]).ok_or_else(|| format!("bad destination port '{}'", words[3]))?;
        }
        p.sequential = seq;
        p.same_first = same;
        Ok(Arc::new(Mutex::new(p)))
    }

    /// The rewritten identifier for `flowid`, or `None` when no value of
    /// the variable field is free; `taken(key)` says whether an entry
    /// already has `key`. As Click: without a suffix the flow's own source
    /// port is tried first when it is in range.
    pub fn rewrite(
        &mut self,
        flowid: &FlowKey,
        taken: &dyn Fn(&FlowKey) -> bool,
    ) -> Option<FlowKey> {
        let mut r = *flowid;
        if self.saddr != 0 {
            r.saddr = self.saddr;
        }
        if self.sport != 0 {
            r.sport = self.sport;
        }
        if self.daddr != 0 {
            r.daddr = self.daddr;
        }
        if self.dport != 0 {
            r.dport = self.dport;
        }
        if self.variation_top == 0 {
            return Some(r);
        }
        let top = self.variation_top;
        let mut lookup = r.reverse();
        let base = if self.napt {
            u32::from(self.sport)
        } else {
            self.saddr
        };
        let mut found = None;
        // Click compares the source port with the base even for an
        // address range (where it can hardly match).
        let own = u32::from(flowid.sport).wrapping_sub(base);
        if self.same_first && own <= top {
            lookup.dport = flowid.sport;
            if !taken(&lookup) {
                found = Some(own);
            }
        }
        if found.is_none() {
            let mut v = if self.sequential {
                if self.next > top { 0 } else { self.next }
            } else {
                random_upto(top)
            };
            let mut count: u64 = 0;
            while count <= u64::from(top) {
                if self.napt {
                    lookup.dport = (base.wrapping_add(v)) as u16;
                } else {
                    lookup.daddr = base.wrapping_add(v);
                }
                if !taken(&lookup) {
                    found = Some(v);
                    break;
                }
                count += 1;
                v = if v == top { 0 } else { v + 1 };
            }
        }
        let v = found?;
        if self.napt {
            r.sport = lookup.dport;
        } else {
            r.saddr = lookup.daddr;
        }
        self.next = v.wrapping_add(1);
        Some(r)
    }

    /// Click's notation for the pattern.
    pub fn unparse(&self) -> String {
        let mut s = String::new();
        if !self.napt && self.variation_top > 0 {
            s.push_str(&format!(
                "{}-{}",
                Ipv4Addr::from(self.saddr),
                Ipv4Addr::from(self.saddr.wrapping_add(self.variation_top))
            ));
        } else if self.saddr != 0 {
            s.push_str(&Ipv4Addr::from(self.saddr).to_string());
        } else {
            s.push('-');
        }
        if self.napt {
            if self.sport == 0 {
                s.push_str(" -");
            } else if self.variation_top > 0 {
                s.push_str(&format!(
                    " {}-{}",
                    self.sport,
                    u32::from(self.sport) + self.variation_top
                ));
            } else {
                s.push_str(&format!(" {}", self.sport));
            }
        }
        if self.daddr != 0 {
            s.push_str(&format!(" {}", Ipv4Addr::from(self.daddr)));
        } else {
            s.push_str(" -");
        }
        if self.napt {
            if self.dport == 0 {
                s.push_str(" -");
            } else {
                s.push_str(&format!(" {}", self.dport));
            }
        }
        s
    }
}

/// A value in 0..=top from a small generator seeded from the time (ports
/// start somewhere unpredictable, as RFC 6056 asks).
fn random_upto(top: u32) -> u32 {
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

/// A mapper element (Click's `IPMapper`): makes the rewritten identifier
/// of a new flow and picks its outputs.
pub trait Mapper: Send + Sync {
    /// The rewritten identifier and (forward, reply) outputs, or `None`
    /// to drop the packet as a mapping failure.
    fn rewrite(
        &self,
        flowid: &FlowKey,
        taken: &dyn Fn(&FlowKey) -> bool,
    ) -> Option<(FlowKey, u32, u32)>;
    /// The largest output any of its patterns names.
    fn max_output(&self) -> u32;
}

/// What a rewriter does with a packet of no known flow on an input.
#[derive(Clone)]
pub enum InputSpec {
    Drop,
    /// `pass OUT` / `nochange OUT`.
    NoChange(u32),
    Keep(u32, u32),
    Pattern(SharedPattern, u32, u32),
    Mapper(Arc<dyn Mapper>),
}

impl std::fmt::Debug for InputSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.unparse())
    }
}

/// Resolves the names an input spec may use.
pub struct SpecNames<'a> {
    pub pattern: &'a dyn Fn(&str) -> Option<SharedPattern>,
    pub mapper: &'a dyn Fn(&str) -> Option<Arc<dyn Mapper>>,
}

/// Parses `FOUT ROUT` of `keep` and `pattern`.
pub fn parse_outputs(words: &[&str], noutputs: usize) -> Result<(u32, u32), String> {
    let [f, r] = words else {
        return Err("bad forward port".into());
    };
    let f: u32 = f.parse().map_err(|_| "bad forward port".to_string())?;
    let r: u32 = r.parse().map_err(|_| "bad reply port".to_string())?;
    if f as usize >= noutputs || r as usize >= noutputs {
        return Err("output port out of range".into());
    }
    Ok((f, r))
}

impl InputSpec {
    /// Parses an input spec as Click's `IPRewriterBase::parse_input_spec`.
    pub fn parse(text: &str, noutputs: usize, names: &SpecNames<'_>) -> Result<InputSpec, String> {
        let words: Vec<&str> = text.split_ascii_whitespace().collect();
        let Some((&first, rest)) = words.split_first() else {
            return Err("empty argument".into());
        };
        match first {
            "pass" | "passthrough" | "nochange" => {
                let out = match rest {
                    [] => 0,
                    [n] => n
                        .parse::<u32>()
                        .map_err(|_| format!("syntax error, expected '{first} [OUTPUT]'"))?,
                    _ => return Err(format!("syntax error, expected '{first} [OUTPUT]'")),
                };
                if out as usize >= noutputs {
                    return Err("output port out of range".into());
                }
                Ok(InputSpec::NoChange(out))
            }
            "keep" => {
                let (f, r) = parse_outputs(rest, noutputs)?;
                Ok(InputSpec::Keep(f, r))
            }
            "drop" | "discard" => {
                if !rest.is_empty() {
                    return Err(format!("syntax error, expected '{first}'"));
                }
                Ok(InputSpec::Drop)
            }
            "pattern" | "xpattern" => {
                if rest.len() <= 2 {
                    return Err("syntax error".into());
                }
                let (fields, outs) = rest.split_at(rest.len() - 2);
                let pattern = Pattern::parse(fields, names.pattern)?;
                let (f, r) = parse_outputs(outs, noutputs)?;
                Ok(InputSpec::Pattern(pattern, f, r))
            }
            name => match (names.mapper)(name) {
                Some(m) if rest.is_empty() => {
                    if m.max_output() as usize >= noutputs {
                        return Err(format!("output port out of range in {name}"));
                    }
                    Ok(InputSpec::Mapper(m))
                }
                Some(_) => Err("syntax error, expected element name".into()),
                None => Err(format!("unknown specification '{text}'")),
            },
        }
    }

    /// Click's `patterns` handler line for this spec (without the count).
    pub fn unparse(&self) -> String {
        match self {
            InputSpec::Drop => "<drop>".into(),
            InputSpec::NoChange(_) => "<nochange>".into(),
            InputSpec::Keep(..) => "<keep>".into(),
            InputSpec::Pattern(p, ..) => p.lock().unwrap_or_else(PoisonError::into_inner).unparse(),
            InputSpec::Mapper(_) => "<mapper>".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<SharedPattern> {
        None
    }

    fn pat(words: &[&str]) -> SharedPattern {
        Pattern::parse(words, &none).unwrap()
    }

    fn flow(sport: u16) -> FlowKey {
        FlowKey::new(
            u32::from(Ipv4Addr::new(10, 0, 0, 5)),
            sport,
            u32::from(Ipv4Addr::new(8, 8, 8, 8)),
            80,
        )
    }

    #[test]
    fn sequential_and_own_port_allocation() {
        let free = |_: &FlowKey| false;
        let p = pat(&["1.0.0.1", "1024-1026#", "-", "-"]);
        let mut p = p.lock().unwrap();
        let r = p.rewrite(&flow(1025), &free).unwrap();
        assert_eq!(
            (Ipv4Addr::from(r.saddr), r.sport),
            (Ipv4Addr::new(1, 0, 0, 1), 1024)
        );
        assert_eq!(p.rewrite(&flow(5000), &free).unwrap().sport, 1025);
        assert_eq!(p.unparse(), "1.0.0.1 1024-1026 - -");
        let own = pat(&["1.0.0.1", "1024-1026", "-", "-"]);
        assert_eq!(
            own.lock()
                .unwrap()
                .rewrite(&flow(1026), &free)
                .unwrap()
                .sport,
            1026
        );
        // Every port taken: no mapping.
        let full = |_: &FlowKey| true;
        assert!(p.rewrite(&flow(1), &full).is_none());
    }

    #[test]
    fn word_forms_and_unparse() {
        assert_eq!(
            pat(&["10.0.0.0/30", "-"]).lock().unwrap().unparse(),
            "10.0.0.1-10.0.0.2 -"
        );
        // As Click, a range from port 0 prints as "-".
        assert_eq!(
            pat(&["5.0.0.1", "-", "0-65535#"]).lock().unwrap().unparse(),
            "5.0.0.1 - - -"
        );
        assert_eq!(
            pat(&["-", "-", "10.9.0.1", "80"]).lock().unwrap().unparse(),
            "- - 10.9.0.1 80"
        );
        for bad in [
            &["1.0.0.1", "x", "-", "-"][..],
            &["1.0.0.1", "0", "-", "-"],
            &["1.0.0.1", "1024#", "-", "-"],
            &["a", "b", "c", "d", "e"],
        ] {
            assert!(Pattern::parse(bad, &none).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn specs_parse_and_errors() {
        let no_mapper = |_: &str| -> Option<Arc<dyn Mapper>> { None };
        let names = SpecNames {
            pattern: &none,
            mapper: &no_mapper,
        };
        let p = |t: &str| InputSpec::parse(t, 2, &names);
        assert!(matches!(p("drop"), Ok(InputSpec::Drop)));
        assert!(matches!(p("pass 1"), Ok(InputSpec::NoChange(1))));
        assert!(matches!(p("nochange"), Ok(InputSpec::NoChange(0))));
        assert!(matches!(p("keep 0 1"), Ok(InputSpec::Keep(0, 1))));
        assert_eq!(
            p("pattern 1.0.0.1 1024-65535# - - 0 1").unwrap().unparse(),
            "1.0.0.1 1024-65535 - -"
        );
        for bad in [
            "pass 2",
            "drop 1",
            "keep 0",
            "pattern 1.0.0.1 x - - 0 1",
            "pattern 0 1",
            "nosuch",
            "",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }
}
