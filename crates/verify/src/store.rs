//! The constraints a flow carries, and deciding whether they can hold.
//!
//! Key decision: constraints are kept in solved form rather than as a
//! formula. A constraint on one variable narrows that variable's
//! [`IntervalSet`]; an equality between expressions eliminates one
//! variable by substitution (preferring the packet's own variables, so
//! that what a middlebox chose stays visible); what is left — `e ≠ 0` and
//! ranges over sums of several variables — is kept in short lists and
//! re-examined whenever a substitution makes it smaller. Every operation
//! answers at once whether the flow is still possible; the lists are the
//! only place where "possible" is assumed rather than proved, and the
//! witness search checks them concretely.
//!
//! All maps are persistent, so a flow that forks at a classifier costs a
//! pointer copy, and a flow that has crossed 10,000 middleboxes is as
//! cheap to fork as one that crossed one.

use std::collections::HashMap;

use crate::domain::{IntervalSet, max_of};
use crate::expr::{Expr, Var, VarKind, Vars};

/// The constraints cannot all hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsat;

#[derive(Clone, Debug, Default)]
pub struct Store {
    /// Domains narrower than the variable's initial one.
    domains: imbl::HashMap<Var, IntervalSet>,
    /// Eliminated variables, bound to expressions over the others.
    substitutions: imbl::HashMap<Var, Expr>,
    /// Expressions of several variables that must not be 0.
    nonzero: imbl::Vector<Expr>,
    /// Expressions of several variables confined to a set.
    ranges: imbl::Vector<(Expr, IntervalSet)>,
    /// Variables split into parts (`define_parts`): their substitution is
    /// a change of representation, not a constraint.
    parts: imbl::HashSet<Var>,
    /// Bumped whenever the set of possible values shrinks; equal versions
    /// on one path mean equal constraints (loop detection relies on it).
    pub version: u64,
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// `e` with eliminated variables replaced.
    pub fn resolve(&self, e: &Expr) -> Expr {
        let mut e = e.clone();
        if self.substitutions.is_empty() {
            return e;
        }
        loop {
            let Some((v, by)) = e
                .terms
                .iter()
                .find_map(|&(v, _)| self.substitutions.get(&v).map(|by| (v, by)))
            else {
                return e;
            };
            let by = by.clone();
            e = e.substitute(v, &by);
        }
    }

    pub fn domain(&self, vars: &Vars, v: Var) -> IntervalSet {
        match self.domains.get(&v) {
            Some(d) => d.clone(),
            None => vars.info(v).initial.clone(),
        }
    }

    pub fn is_eliminated(&self, v: Var) -> bool {
        self.substitutions.contains_key(&v)
    }

    /// The values `e` can take, exactly when it has at most one variable
    /// (else every value of its width).
    pub fn possible(&self, vars: &Vars, e: &Expr) -> IntervalSet {
        let e = self.resolve(e);
        match &*e.terms {
            [] => IntervalSet::point(e.konst),
            [(v, c)] => {
                let d = self.domain(vars, *v).intersect(&IntervalSet::full(e.width));
                let m = max_of(e.width);
                if *c == 1 {
                    d.shift(e.konst, e.width)
                } else if *c == m {
                    d.negate(e.width).shift(e.konst, e.width)
                } else {
                    IntervalSet::full(e.width)
                }
            }
            _ => IntervalSet::full(e.width),
        }
    }

    /// Requires `e ∈ set`.
    pub fn constrain(&mut self, vars: &Vars, e: &Expr, set: &IntervalSet) -> Result<(), Unsat> {
        let set = set.intersect(&IntervalSet::full(e.width));
        let e = self.resolve(e);
        let m = max_of(e.width);
        match &*e.terms {
            [] => {
                if set.contains(e.konst) {
                    Ok(())
                } else {
                    Err(Unsat)
                }
            }
            &[(v, c)] if c == 1 || c == m => {
                let mut d = set.shift(e.konst.wrapping_neg(), e.width);
                if c == m {
                    d = d.negate(e.width);
                }
                self.narrow(vars, v, &d)
            }
            // Another coefficient on a narrow variable (an ICMP identifier
            // times 65536 in a 32-bit slot): its values are few enough to
            // try, which keeps the answer exact.
            &[(v, c)] if vars.info(v).width <= 16 => {
                let dom = self.domain(vars, v);
                let mut ok = Vec::new();
                for &(a, b) in dom.ranges() {
                    for x in a..=b.min(max_of(vars.info(v).width)) {
                        if set.contains(c.wrapping_mul(x).wrapping_add(e.konst) & m) {
                            ok.push((x, x));
                        }
                    }
                }
                self.narrow(vars, v, &IntervalSet::from_ranges(ok))
            }
            _ => {
                if let Some(p) = set.single() {
                    return self.equate(vars, &e.add_const(p.wrapping_neg()));
                }
                if set.is_full(e.width) {
                    return Ok(());
                }
                if set.size() == u128::from(m) {
                    // Everything but one value: a disequality.
                    let p = set.complement(e.width).min().expect("one value missing");
                    self.nonzero.push_back(e.add_const(p.wrapping_neg()));
                } else {
                    self.ranges.push_back((e, set));
                }
                self.version += 1;
                Ok(())
            }
        }
    }

    pub fn assert_eq(&mut self, vars: &Vars, a: &Expr, b: &Expr) -> Result<(), Unsat> {
        self.constrain(vars, &a.minus(b), &IntervalSet::point(0))
    }

    pub fn assert_ne(&mut self, vars: &Vars, a: &Expr, b: &Expr) -> Result<(), Unsat> {
        let w = a.width;
        self.constrain(vars, &a.minus(b), &IntervalSet::point(0).complement(w))
    }

    fn narrow(&mut self, vars: &Vars, v: Var, set: &IntervalSet) -> Result<(), Unsat> {
        let old = self.domain(vars, v);
        let new = old.intersect(set);
        if new.is_empty() {
            return Err(Unsat);
        }
        if new == old {
            return Ok(());
        }
        self.version += 1;
        if let Some(value) = new.single() {
            self.domains.remove(&v);
            let width = vars.info(v).width;
            self.substitutions.insert(v, Expr::constant(value, width));
            return self.recheck(vars);
        }
        self.domains.insert(v, new);
        Ok(())
    }

    /// Requires the resolved, several-variable expression `e` to be 0 by
    /// eliminating one of its variables.
    fn equate(&mut self, vars: &Vars, e: &Expr) -> Result<(), Unsat> {
        let m = max_of(e.width);
        let rank = |v: Var| match vars.info(v).kind {
            VarKind::Input => 0,
            VarKind::Param => 1,
            VarKind::Choice => 2,
        };
        let Some(&(x, c)) = e
            .terms
            .iter()
            .filter(|&&(v, c)| (c == 1 || c == m) && vars.info(v).width <= e.width)
            .min_by_key(|&&(v, _)| (rank(v), std::cmp::Reverse(v)))
        else {
            self.ranges.push_back((e.clone(), IntervalSet::point(0)));
            self.version += 1;
            return Ok(());
        };
        // c·x + rest = 0  ⇒  x = −rest / c, with c = ±1.
        let rest = e.substitute(x, &Expr::constant(0, e.width));
        let bound = if c == 1 {
            Expr::constant(0, e.width).minus(&rest)
        } else {
            rest
        };
        self.define(vars, x, &bound)
    }

    /// Eliminates `x`, which must not be eliminated yet, as `bound` (an
    /// expression over other variables): `x`'s own constraints move onto
    /// `bound`.
    pub fn define(&mut self, vars: &Vars, x: Var, bound: &Expr) -> Result<(), Unsat> {
        let bound = self.resolve(bound);
        let dom = self.domain(vars, x);
        self.domains.remove(&x);
        self.substitutions.insert(x, bound.clone());
        self.version += 1;
        if !dom.is_full(bound.width) {
            self.constrain(vars, &bound, &dom)?;
        }
        self.recheck(vars)
    }

    /// Re-examines the lists after a substitution: what became constant is
    /// decided, what became one variable moves into its domain.
    fn recheck(&mut self, vars: &Vars) -> Result<(), Unsat> {
        if self.nonzero.is_empty() && self.ranges.is_empty() {
            return Ok(());
        }
        let nonzero = std::mem::take(&mut self.nonzero);
        let ranges = std::mem::take(&mut self.ranges);
        for e in nonzero {
            let w = e.width;
            self.constrain(vars, &e, &IntervalSet::point(0).complement(w))?;
        }
        for (e, set) in ranges {
            self.constrain(vars, &e, &set)?;
        }
        Ok(())
    }

    /// Adds every constraint of `other` (a store over the same variables).
    pub fn absorb(&mut self, vars: &Vars, other: &Store) -> Result<(), Unsat> {
        for (v, d) in other.domains.iter() {
            let e = Expr::var(*v, vars.info(*v).width);
            self.constrain(vars, &e, d)?;
        }
        for (v, by) in other.substitutions.iter() {
            let e = Expr::var(*v, vars.info(*v).width);
            self.assert_eq(vars, &e, by)?;
        }
        for e in other.nonzero.iter() {
            let w = e.width;
            self.constrain(vars, e, &IntervalSet::point(0).complement(w))?;
        }
        for (e, s) in other.ranges.iter() {
            self.constrain(vars, e, s)?;
        }
        Ok(())
    }

    /// As [`Store::define`], for a change of representation (a field seen
    /// as two halves): not reported as a constraint.
    pub fn define_parts(&mut self, vars: &Vars, x: Var, parts: &Expr) -> Result<(), Unsat> {
        self.parts.insert(x);
        self.define(vars, x, parts)
    }

    /// Whether a variable chosen elsewhere (a middlebox's choice or a
    /// parameter) is confined beyond its initial values.
    pub fn narrowed(&self, v: Var) -> bool {
        self.substitutions.contains_key(&v)
            || self.domains.contains_key(&v)
            || self.nonzero.iter().any(|e| e.vars().any(|w| w == v))
            || self.ranges.iter().any(|(e, _)| e.vars().any(|w| w == v))
    }

    /// Variables with any constraint, in order.
    pub fn constrained_vars(&self) -> Vec<Var> {
        let mut out: Vec<Var> = self
            .domains
            .keys()
            .chain(
                self.substitutions
                    .keys()
                    .filter(|v| !self.parts.contains(*v)),
            )
            .copied()
            .collect();
        for e in self.nonzero.iter() {
            out.extend(e.vars());
        }
        for (e, _) in self.ranges.iter() {
            out.extend(e.vars());
        }
        out.sort();
        out.dedup();
        out
    }

    /// The constraints that mention `v`, written out.
    pub fn describe_var(&self, vars: &Vars, v: Var) -> Vec<String> {
        let info = vars.info(v);
        let show = |x: u64| info.format.show(x);
        let mut out = Vec::new();
        if let Some(by) = self
            .substitutions
            .get(&v)
            .filter(|_| !self.parts.contains(&v))
        {
            let by = self.resolve(by);
            match by.as_const() {
                Some(c) => out.push(format!("{} = {}", info.name, show(c))),
                None => out.push(format!("{} = {}", info.name, by.display(vars))),
            }
        } else if let Some(d) = self.domains.get(&v) {
            out.push(d.describe(&info.name, info.width, &show));
        }
        for e in self.nonzero.iter().filter(|e| e.vars().any(|w| w == v)) {
            out.push(format!("{} != 0", e.display(vars)));
        }
        for (e, s) in self.ranges.iter().filter(|(e, _)| e.vars().any(|w| w == v)) {
            out.push(s.describe(&e.display(vars).to_string(), e.width, &|x| x.to_string()));
        }
        out
    }

    /// Concrete values for `wanted` (and what they depend on) that satisfy
    /// every constraint, if the search finds them. `prefer` gives values to
    /// try first, e.g. a choice that violates a property.
    pub fn witness(
        &self,
        vars: &Vars,
        wanted: &[Var],
        prefer: &HashMap<Var, u64>,
    ) -> Option<HashMap<Var, u64>> {
        // Free variables: those wanted plus those the lists and
        // substitutions mention.
        let mut free: Vec<Var> = Vec::new();
        let push_free = |v: Var, free: &mut Vec<Var>| {
            if !free.contains(&v) {
                free.push(v);
            }
        };
        for &v in wanted {
            for w in self.resolve(&Expr::var(v, vars.info(v).width)).vars() {
                push_free(w, &mut free);
            }
        }
        for e in self.nonzero.iter() {
            for w in self.resolve(e).vars() {
                push_free(w, &mut free);
            }
        }
        for (e, _) in self.ranges.iter() {
            for w in self.resolve(e).vars() {
                push_free(w, &mut free);
            }
        }
        free.sort();
        let lists: Vec<(Expr, IntervalSet)> = self
            .nonzero
            .iter()
            .map(|e| {
                let e = self.resolve(e);
                let w = e.width;
                (e, IntervalSet::point(0).complement(w))
            })
            .chain(
                self.ranges
                    .iter()
                    .map(|(e, s)| (self.resolve(e), s.clone())),
            )
            .collect();
        let mut value: HashMap<Var, u64> = HashMap::new();
        for &v in &free {
            let dom = self.domain(vars, v);
            let mut candidates: Vec<u64> = Vec::new();
            if let Some(&p) = prefer.get(&v)
                && dom.contains(p)
            {
                candidates.push(p);
            }
            // Small values first, then spread over the domain, so that a
            // handful of disequalities cannot exhaust the candidates.
            let mut avoid: Vec<u64> = Vec::new();
            for _ in 0..16 {
                match dom.pick_avoiding(&avoid) {
                    Some(c) => {
                        avoid.push(c);
                        candidates.push(c);
                    }
                    None => break,
                }
            }
            for r in dom.ranges().iter().take(8) {
                candidates.push(r.0 + (r.1 - r.0) / 2);
                candidates.push(r.1);
            }
            let mut chosen = None;
            for c in candidates {
                value.insert(v, c);
                let ok = lists.iter().all(|(e, s)| {
                    if e.vars().all(|w| value.contains_key(&w)) {
                        s.contains(e.eval(&|w| value[&w]))
                    } else {
                        true
                    }
                });
                if ok {
                    chosen = Some(c);
                    break;
                }
            }
            value.insert(v, chosen?);
        }
        let mut out = HashMap::new();
        for &v in wanted {
            let e = self.resolve(&Expr::var(v, vars.info(v).width));
            out.insert(v, e.eval(&|w| value.get(&w).copied().unwrap_or(0)));
        }
        for (v, x) in value {
            out.entry(v).or_insert(x);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equalities_substitute_and_decide() {
        let mut vars = Vars::new();
        let a = vars.fresh("a", 16, VarKind::Input);
        let b = vars.fresh("b", 16, VarKind::Choice);
        let mut s = Store::new();
        let (ea, eb) = (Expr::var(a, 16), Expr::var(b, 16));
        s.constrain(&vars, &eb, &IntervalSet::range(1024, 65535))
            .unwrap();
        s.assert_eq(&vars, &ea, &eb.add_const(1)).unwrap();
        // a was eliminated (it is the packet's), b kept its range.
        assert!(s.is_eliminated(a));
        assert_eq!(
            s.possible(&vars, &ea),
            IntervalSet::range(1025, 65535).union(&IntervalSet::point(0))
        );
        assert_eq!(
            s.clone().assert_eq(&vars, &ea, &Expr::constant(5, 16)),
            Err(Unsat)
        );
        s.assert_ne(&vars, &eb, &Expr::constant(2000, 16)).unwrap();
        assert!(!s.possible(&vars, &eb).contains(2000));
        let w = s.witness(&vars, &[a, b], &HashMap::new()).unwrap();
        assert_eq!(w[&a], (w[&b] + 1) & 0xffff);
        assert!(w[&b] >= 1024 && w[&b] != 2000);
    }

    #[test]
    fn disequalities_over_two_variables_become_domains() {
        let mut vars = Vars::new();
        let a = vars.fresh("a", 32, VarKind::Input);
        let t = vars.fresh("t", 32, VarKind::Param);
        let mut s = Store::new();
        s.assert_ne(&vars, &Expr::var(a, 32), &Expr::var(t, 32))
            .unwrap();
        assert!(s.narrowed(t));
        s.assert_eq(&vars, &Expr::var(a, 32), &Expr::constant(0x0808_0808, 32))
            .unwrap();
        assert!(!s.possible(&vars, &Expr::var(t, 32)).contains(0x0808_0808));
        assert_eq!(
            s.assert_eq(&vars, &Expr::var(t, 32), &Expr::constant(0x0808_0808, 32)),
            Err(Unsat)
        );
    }
}
