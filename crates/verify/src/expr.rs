//! Symbolic values: variables and the linear expressions over them that
//! header fields and middlebox state are bound to.
//!
//! Key decision: an expression is `constant + Σ coefficient·variable`
//! modulo 2^width. That is the whole arithmetic middleboxes do to the
//! fields we model (set, copy, decrement a TTL, add a sequence-number
//! offset and take it off again), and it keeps equality decidable by
//! normalisation: `seq + Δ − Δ` is `seq`, so a connection through an ISN
//! randomiser on both legs verifies for every Δ with no solver.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use crate::domain::{IntervalSet, max_of};

/// A symbolic variable (an index into [`Vars`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Var(pub u32);

/// Who chooses a variable's value; it decides how a constraint on it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    /// Chosen by whoever injects the packet: a constraint on it says which
    /// packets get through ("reachable if dport = 80").
    Input,
    /// Chosen by a middlebox as it runs (a NAT's port, an ISN offset, a
    /// server's sequence number): a property must hold for every choice, so
    /// a constraint on it is a failure with a witness choice.
    Choice,
    /// A configuration parameter written `?NAME` in a box's configuration
    /// (a tunnel endpoint's address): answers are conditions on it.
    Param,
}

#[derive(Clone, Debug)]
pub struct VarInfo {
    pub name: String,
    pub width: u8,
    pub kind: VarKind,
    /// The values the variable may take before any constraint.
    pub initial: IntervalSet,
    /// How its values are written.
    pub format: Format,
}

/// How a value is written in explanations and witnesses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Decimal,
    Hex,
    Ipv4,
    Ether,
}

impl Format {
    pub fn show(self, v: u64) -> String {
        match self {
            Format::Decimal => v.to_string(),
            Format::Hex => format!("0x{v:x}"),
            Format::Ipv4 => std::net::Ipv4Addr::from(v as u32).to_string(),
            Format::Ether => {
                let b = v.to_be_bytes();
                format!(
                    "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                    b[2], b[3], b[4], b[5], b[6], b[7]
                )
            }
        }
    }
}

/// Every variable of one verification run.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    infos: Vec<VarInfo>,
}

impl Vars {
    pub fn new() -> Vars {
        Vars::default()
    }

    pub fn fresh(&mut self, name: impl Into<String>, width: u8, kind: VarKind) -> Var {
        self.fresh_in(name, width, kind, IntervalSet::full(width))
    }

    pub fn fresh_in(
        &mut self,
        name: impl Into<String>,
        width: u8,
        kind: VarKind,
        initial: IntervalSet,
    ) -> Var {
        let v = Var(self.infos.len() as u32);
        self.infos.push(VarInfo {
            name: name.into(),
            width,
            kind,
            initial,
            format: Format::Decimal,
        });
        v
    }

    pub fn set_format(&mut self, v: Var, format: Format) {
        self.infos[v.0 as usize].format = format;
    }

    pub fn info(&self, v: Var) -> &VarInfo {
        &self.infos[v.0 as usize]
    }

    /// A parameter variable by name, created on first use.
    pub fn param(&mut self, name: &str, width: u8) -> Var {
        if let Some(i) = self
            .infos
            .iter()
            .position(|i| i.kind == VarKind::Param && i.name == name)
        {
            return Var(i as u32);
        }
        self.fresh(name, width, VarKind::Param)
    }

    /// The parameter variable called `name`, if a configuration has one.
    pub fn find_param(&self, name: &str) -> Option<Var> {
        self.infos
            .iter()
            .position(|i| i.kind == VarKind::Param && i.name == name)
            .map(|i| Var(i as u32))
    }

    pub fn len(&self) -> usize {
        self.infos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.infos.is_empty()
    }
}

/// `konst + Σ coef·var (mod 2^width)`, terms sorted by variable, no zero
/// coefficients.
///
/// The terms are shared and their hash is kept: a sequence number that
/// crossed thousands of randomisers is a sum of thousands of offsets, and
/// flows are copied and compared at every element.
#[derive(Clone, Debug)]
pub struct Expr {
    pub width: u8,
    pub konst: u64,
    pub terms: Rc<[(Var, u64)]>,
    terms_hash: u64,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.width == other.width
            && self.konst == other.konst
            && self.terms_hash == other.terms_hash
            && self.terms == other.terms
    }
}

impl Eq for Expr {}

impl Hash for Expr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.width.hash(state);
        self.konst.hash(state);
        self.terms_hash.hash(state);
    }
}

/// A hash of the terms: a sum of mixed (variable, coefficient) pairs, cheap
/// to compute in the merges that build expressions.
fn hash_terms(terms: &[(Var, u64)]) -> u64 {
    terms.iter().fold(0u64, |acc, &(v, c)| {
        let x = (u64::from(v.0) << 32 ^ c).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        acc.wrapping_add(x ^ (x >> 29))
    })
}

impl Expr {
    /// An expression from its parts; `terms` sorted by variable, without
    /// zero coefficients.
    pub fn from_parts(width: u8, konst: u64, terms: Vec<(Var, u64)>) -> Expr {
        Expr {
            width,
            konst: konst & max_of(width),
            terms_hash: hash_terms(&terms),
            terms: terms.into(),
        }
    }

    pub fn constant(v: u64, width: u8) -> Expr {
        Expr::from_parts(width, v, Vec::new())
    }

    pub fn var(v: Var, width: u8) -> Expr {
        Expr::from_parts(width, 0, vec![(v, 1)])
    }

    pub fn as_const(&self) -> Option<u64> {
        self.terms.is_empty().then_some(self.konst)
    }

    /// The variable, when the expression is exactly one variable.
    pub fn as_var(&self) -> Option<Var> {
        match &*self.terms {
            [(v, 1)] if self.konst == 0 => Some(*v),
            _ => None,
        }
    }

    fn mask(&self) -> u64 {
        max_of(self.width)
    }

    pub fn add_const(&self, k: u64) -> Expr {
        let mut e = self.clone();
        e.konst = e.konst.wrapping_add(k) & self.mask();
        e
    }

    /// `self + sign·other`, with `other` taken at this width.
    fn combine(&self, other: &Expr, negate: bool) -> Expr {
        let m = self.mask();
        let sign = |c: u64| {
            if negate { c.wrapping_neg() & m } else { c & m }
        };
        let mut terms = Vec::with_capacity(self.terms.len() + other.terms.len());
        let (a, b) = (&self.terms, &other.terms);
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let take_a = j >= b.len() || (i < a.len() && a[i].0 < b[j].0);
            let take_b = i >= a.len() || (j < b.len() && b[j].0 < a[i].0);
            if take_a {
                terms.push(a[i]);
                i += 1;
            } else if take_b {
                let c = sign(b[j].1);
                if c != 0 {
                    terms.push((b[j].0, c));
                }
                j += 1;
            } else {
                let c = a[i].1.wrapping_add(sign(b[j].1)) & m;
                if c != 0 {
                    terms.push((a[i].0, c));
                }
                i += 1;
                j += 1;
            }
        }
        Expr::from_parts(
            self.width,
            self.konst.wrapping_add(sign(other.konst)),
            terms,
        )
    }

    pub fn plus(&self, other: &Expr) -> Expr {
        self.combine(other, false)
    }

    pub fn minus(&self, other: &Expr) -> Expr {
        self.combine(other, true)
    }

    /// Replaces `v` by `by` (an expression of the same width).
    pub fn substitute(&self, v: Var, by: &Expr) -> Expr {
        let Some(pos) = self.terms.iter().position(|t| t.0 == v) else {
            return self.clone();
        };
        let coef = self.terms[pos].1;
        let mut rest_terms = self.terms.to_vec();
        rest_terms.remove(pos);
        let rest = Expr::from_parts(self.width, self.konst, rest_terms);
        let m = self.mask();
        let scaled = Expr::from_parts(
            self.width,
            by.konst.wrapping_mul(coef),
            by.terms
                .iter()
                .map(|&(w, c)| (w, c.wrapping_mul(coef) & m))
                .filter(|t| t.1 != 0)
                .collect(),
        );
        rest.plus(&scaled)
    }

    /// The value under an assignment of every variable in it.
    pub fn eval(&self, value_of: &dyn Fn(Var) -> u64) -> u64 {
        let m = self.mask();
        self.terms.iter().fold(self.konst, |acc, &(v, c)| {
            acc.wrapping_add(c.wrapping_mul(value_of(v))) & m
        })
    }

    pub fn vars(&self) -> impl Iterator<Item = Var> + '_ {
        self.terms.iter().map(|t| t.0)
    }

    /// Writes the expression with variable names from `vars`.
    pub fn display<'a>(&'a self, vars: &'a Vars) -> ExprDisplay<'a> {
        ExprDisplay { e: self, vars }
    }
}

pub struct ExprDisplay<'a> {
    e: &'a Expr,
    vars: &'a Vars,
}

impl fmt::Display for ExprDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = max_of(self.e.width);
        let mut first = true;
        for &(v, c) in self.e.terms.iter() {
            let name = &self.vars.info(v).name;
            let neg = c > m / 2;
            let mag = if neg { c.wrapping_neg() & m } else { c };
            if first {
                if neg {
                    write!(f, "-")?;
                }
            } else {
                write!(f, " {} ", if neg { '-' } else { '+' })?;
            }
            if mag != 1 {
                write!(f, "{mag}*")?;
            }
            write!(f, "{name}")?;
            first = false;
        }
        if first {
            write!(f, "{}", self.e.konst)?;
        } else if self.e.konst != 0 {
            let neg = self.e.konst > m / 2;
            if neg {
                write!(f, " - {}", self.e.konst.wrapping_neg() & m)?;
            } else {
                write!(f, " + {}", self.e.konst)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_cancel() {
        let mut vars = Vars::new();
        let s = vars.fresh("seq", 32, VarKind::Input);
        let d = vars.fresh("delta", 32, VarKind::Choice);
        let seq = Expr::var(s, 32);
        let out = seq.plus(&Expr::var(d, 32));
        let back = out.add_const(1).minus(&Expr::var(d, 32));
        assert_eq!(back, seq.add_const(1));
        assert_eq!(out.display(&vars).to_string(), "seq + delta");
        assert_eq!(
            seq.add_const(u64::from(u32::MAX))
                .display(&vars)
                .to_string(),
            "seq - 1"
        );
        let sub = out.substitute(d, &Expr::constant(5, 32));
        assert_eq!(sub, seq.add_const(5));
        assert_eq!(
            out.eval(&|v| if v == s { 10 } else { u64::from(u32::MAX) }),
            9
        );
    }
}
