//! A list of rules compiled into one branching program, as Click's
//! classifiers do: each test compares one header field with a range and
//! jumps on, a rule that fails leads straight into the next rule's tests,
//! and the packet's outcome is the leaf it reaches.
//!
//! Key decisions:
//! - Every comparison becomes "value in [lo, hi]" with the branches swapped
//!   for `!=`, `<`, `>`: one subtraction and one compare per test, whatever
//!   the operator, and a 4-byte load masked and shifted for any field width.
//! - Jump threading: after a test, the tests its outcome decides (the next
//!   rule's `ip proto tcp` after this rule's failed `ip proto tcp`, a port
//!   already known) are skipped at compile time, so a packet never asks the
//!   same question twice on its way through the rules.
//! - Index: when enough rules require one field to equal a constant (the
//!   destination port of a typical firewall), a packet reads that field
//!   once and jumps into a program made of only the rules for its value and
//!   the rules that need no value there, in rule order. A thousand
//!   `dst port N` rules then cost about as much as ten.

use std::collections::HashMap;

use super::{Expr, Field, Headers, Op};

/// Targets at or above this are outcomes, not tests.
const LEAF: u32 = 0x8000_0000;
/// The outcome "no rule matched, or the matching rule drops".
const DROP: u32 = u32::MAX;

/// The outcome that sends the packet to `port`.
fn leaf(target: Option<usize>) -> u32 {
    match target {
        Some(port) => LEAF | port as u32,
        None => DROP,
    }
}

/// At most this many tests in all; past it, the index is given up (the
/// rules needing no indexed value are copied into every value's program).
const MAX_TESTS: usize = 1 << 21;

/// Programs up to this many tests get the path-wide threading of
/// [`Program::refine`]; larger ones (big indexed rule sets, whose rules
/// are short) only the local kind.
const MAX_REFINED: usize = 1 << 16;

/// At most this many facts are carried into a test.
const MAX_CARRIED: usize = 16;

/// One test: is the field's value in `[lo, lo + span]`?
#[derive(Clone, Copy, Debug)]
struct Test {
    field: Field,
    /// The field from a 4-byte big-endian load at its offset:
    /// `(word & wide_mask) >> wide_shift`.
    wide_mask: u32,
    wide_shift: u32,
    /// The largest value the field can have.
    max: u32,
    lo: u32,
    span: u32,
    inside: u32,
    outside: u32,
    /// Where a packet too short for the field goes (a comparison with a
    /// missing field is false, so this is the original "no" branch).
    missing: u32,
}

/// What a test's outcome says about a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Known {
    In(u32, u32),
    Out(u32, u32),
    Missing,
}

impl Test {
    fn new(field: Field, op: Op, value: u32, yes: u32, no: u32) -> Test {
        let width = Field::width_mask(field.len);
        let narrow = 32 - 8 * u32::from(field.len);
        let (wide_mask, wide_shift, max) = match narrow.checked_add(u32::from(field.shift)) {
            Some(shift) if shift < 32 => {
                let mask = width & field.mask;
                (mask << narrow, shift, mask >> field.shift)
            }
            _ => (0, 0, 0),
        };
        // The values for which the comparison holds: a range [lo, hi]
        // (`None` when empty), or for `!=` all values but one. Values never
        // exceed `max`.
        let range = |lo: Option<u32>, hi: u32| {
            lo.filter(|&lo| lo <= hi.min(max))
                .map(|lo| (lo, hi.min(max)))
        };
        let (holds, negated) = match op {
            Op::Eq => (range(Some(value), value), false),
            Op::Ne => (range(Some(value), value), true),
            Op::Lt => (
                range(Some(0), value.wrapping_sub(1)).filter(|_| value > 0),
                false,
            ),
            Op::Le => (range(Some(0), value), false),
            Op::Ge => (range(Some(value), max), false),
            Op::Gt => (range(value.checked_add(1), max), false),
        };
        let (lo, hi, inside, outside) = match (holds, negated) {
            (Some((lo, hi)), false) => (lo, hi, yes, no),
            (Some((lo, hi)), true) => (lo, hi, no, yes),
            // Never holds (`< 0`, `> max`, `== v` above max), or always
            // (`!= v` above max): a range every value is in, leading there.
            (None, false) => (0, max, no, no),
            (None, true) => (0, max, yes, yes),
        };
        Test {
            field,
            wide_mask,
            wide_shift,
            max,
            lo,
            span: hi - lo,
            inside,
            outside,
            missing: no,
        }
    }

    fn hi(&self) -> u32 {
        self.lo + self.span
    }

    /// Whether a value of the field is in the range.
    fn contains(&self, value: u32) -> bool {
        value.wrapping_sub(self.lo) <= self.span
    }

    /// Each outcome, with what it says of the field, and its branch.
    fn branches(&self) -> [(Known, u32); 3] {
        let (lo, hi) = (self.lo, self.hi());
        [
            (Known::In(lo, hi), self.inside),
            (Known::Out(lo, hi), self.outside),
            (Known::Missing, self.missing),
        ]
    }

    /// Sets the branch taken on `outcome`.
    fn set_branch(&mut self, outcome: Known, to: u32) {
        match outcome {
            Known::In(..) => self.inside = to,
            Known::Out(..) => self.outside = to,
            Known::Missing => self.missing = to,
        }
    }

    /// Where a packet goes from here, and what that says of it, when
    /// `facts` decide it.
    fn decided_by(&self, facts: &[(Field, Known)]) -> Option<(u32, Known)> {
        let (lo, hi, max) = (self.lo, self.hi(), self.max);
        for (field, known) in facts {
            if *field == self.field {
                let inside = match *known {
                    Known::Missing => return Some((self.missing, Known::Missing)),
                    Known::In(a, b) if lo <= a && b <= hi => true,
                    Known::In(a, b) if b < lo || hi < a => false,
                    Known::In(..) => continue,
                    Known::Out(a, b) if a <= lo && hi <= b => false,
                    Known::Out(a, b) => {
                        // Is everything outside [a, b] within [lo, hi]?
                        let below = a == 0 || lo == 0 && a - 1 <= hi;
                        let above = b >= max || hi == max && b + 1 >= lo;
                        if below && above {
                            true
                        } else {
                            continue;
                        }
                    }
                };
                return Some(if inside {
                    (self.inside, Known::In(lo, hi))
                } else {
                    (self.outside, Known::Out(lo, hi))
                });
            } else if matches!(known, Known::Missing)
                && field.base == self.field.base
                && u32::from(field.offset) + u32::from(field.len)
                    <= u32::from(self.field.offset) + u32::from(self.field.len)
            {
                // The packet ends before `field` ends, so before this one.
                return Some((self.missing, Known::Missing));
            }
        }
        None
    }
}

/// A test as the packet path reads it: 32 bytes, so finding the next one
/// is a shift, not a multiply, and two share a cache line.
///
/// The field is compared where it sits in the 4-byte word read: `lo` and
/// `span` are the test's shifted left by `wide_shift`, and `wide_mask`
/// clears the bits below, so the packet path needs no shift. (A field's
/// values shifted left still fit in 32 bits, so order is kept.)
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(32))]
struct Step {
    wide_mask: u32,
    lo: u32,
    span: u32,
    inside: u32,
    outside: u32,
    missing: u32,
    offset: u16,
    base: u8,
    wide_shift: u8,
}

/// Tests in one array; rules compile into it back to front so that each
/// test's branches are already known.
#[derive(Debug, Default)]
struct Program {
    tests: Vec<Test>,
    /// `tests` as the packet path reads them, made by [`Program::seal`].
    steps: Vec<Step>,
}

impl Program {
    /// Adds `e`; returns the entry that leads to `t` if `e` holds, else to
    /// `f`.
    fn compile(&mut self, e: &Expr, t: u32, f: u32) -> u32 {
        match e {
            Expr::Const(true) => t,
            Expr::Const(false) => f,
            Expr::Cmp { field, op, value } => {
                self.tests.push(Test::new(*field, *op, *value, t, f));
                (self.tests.len() - 1) as u32
            }
            Expr::Not(e) => self.compile(e, f, t),
            Expr::And(es) => {
                // Protocol tests first: they are cheap, and a program that
                // starts with one gets a dispatch on the protocol and skips
                // other rules' protocol tests (the terms of `and` commute:
                // none has an effect, and a missing field fails either way).
                fn terms<'e>(es: &'e [Expr], out: &mut Vec<&'e Expr>) {
                    for e in es {
                        match e {
                            Expr::And(inner) => terms(inner, out),
                            e => out.push(e),
                        }
                    }
                }
                let mut all = Vec::new();
                terms(es, &mut all);
                let (proto, rest): (Vec<&Expr>, Vec<&Expr>) =
                    all.into_iter().partition(|e| e.tests_only(&super::PROTO));
                let ordered = proto.into_iter().chain(rest).collect::<Vec<_>>();
                ordered
                    .iter()
                    .rev()
                    .fold(t, |next, e| self.compile(e, next, f))
            }
            Expr::Or(es) => es.iter().rev().fold(f, |next, e| self.compile(e, t, next)),
            Expr::Cond(a, b, c) => {
                let yes = self.compile(b, t, f);
                let no = self.compile(c, t, f);
                self.compile(a, yes, no)
            }
        }
    }

    /// Compiles rules (given by index into `rules`) into a chain where each
    /// rule's failure leads to the next; returns the chain's entry.
    fn chain(&mut self, rules: &[(Expr, Option<usize>)], order: &[u32], after: u32) -> u32 {
        order.iter().rev().fold(after, |next, &i| {
            let (e, target) = &rules[i as usize];
            self.compile(e, leaf(*target), next)
        })
    }

    /// Follows `to` past every test that `facts` decide.
    fn thread(&self, mut to: u32, facts: &mut Vec<(Field, Known)>) -> u32 {
        while to < LEAF && facts.len() < 32 {
            let test = &self.tests[to as usize];
            let Some((next, known)) = test.decided_by(facts) else {
                break;
            };
            facts.push((test.field, known));
            to = next;
        }
        to
    }

    /// Threads every test's branches.
    fn thread_all(&mut self) {
        let mut facts = Vec::new();
        for i in 0..self.tests.len() {
            let test = self.tests[i];
            for (outcome, branch) in test.branches() {
                facts.clear();
                facts.push((test.field, outcome));
                let to = self.thread(branch, &mut facts);
                self.tests[i].set_branch(outcome, to);
            }
        }
    }

    /// Copies of the program from `entry`, one for each set of values of
    /// `field` that its tests cannot tell apart, with those tests resolved
    /// (a packet's field does not change on its way through); returns the
    /// entry for each value. Without room for the copies, each value's
    /// entry is `entry` threaded past the tests the value decides.
    fn specialize(&mut self, field: Field, entry: u32) -> Box<[u32; 256]> {
        let on_field: Vec<usize> = (0..self.tests.len())
            .filter(|&i| self.tests[i].field == field)
            .collect();
        // Values with the same outcome in every test on the field share
        // a copy.
        let mut classes: Vec<(Vec<bool>, u32)> = Vec::new();
        let mut class_of = [0usize; 256];
        for (v, class) in class_of.iter_mut().enumerate() {
            let outcomes: Vec<bool> = on_field
                .iter()
                .map(|&i| self.tests[i].contains(v as u32))
                .collect();
            *class = match classes.iter().position(|(o, _)| *o == outcomes) {
                Some(c) => c,
                None => {
                    classes.push((outcomes, v as u32));
                    classes.len() - 1
                }
            };
        }
        let n = self.tests.len();
        let mut entries = Box::new([entry; 256]);
        if n.saturating_mul(classes.len() + 1) > MAX_REFINED {
            let mut facts = Vec::new();
            for (v, e) in entries.iter_mut().enumerate() {
                facts.clear();
                facts.push((field, Known::In(v as u32, v as u32)));
                *e = self.thread(entry, &mut facts);
            }
            return entries;
        }
        let mut class_entry = Vec::with_capacity(classes.len());
        for (_, value) in &classes {
            let base = self.tests.len() as u32;
            // Where a branch to test `to` of the original leads in this
            // copy: past the tests on the field, whose outcome is known.
            let resolve = |tests: &[Test], mut to: u32| -> u32 {
                while to < LEAF && tests[to as usize].field == field {
                    let t = &tests[to as usize];
                    to = if t.contains(*value) {
                        t.inside
                    } else {
                        t.outside
                    };
                }
                if to < LEAF { base + to } else { to }
            };
            for i in 0..n {
                let mut t = self.tests[i];
                t.inside = resolve(&self.tests[..n], t.inside);
                t.outside = resolve(&self.tests[..n], t.outside);
                // In a copy the field is there (the dispatch read it).
                t.missing = resolve(&self.tests[..n], t.missing);
                self.tests.push(t);
            }
            class_entry.push(resolve(&self.tests[..n], entry));
        }
        for (v, e) in entries.iter_mut().enumerate() {
            *e = class_entry[class_of[v]];
        }
        entries
    }

    /// Threads every branch again, now with what holds on every path to
    /// its test: the facts of the tests before it, intersected over the
    /// paths that reach it (from `roots`, each entry with what its index
    /// or dispatch knows). Tests only branch to lower indices, so one pass
    /// from the top sees every test after all the tests that lead to it.
    fn refine(&mut self, roots: &[(u32, Option<(Field, Known)>)]) {
        if self.tests.len() > MAX_REFINED {
            return;
        }
        fn merge(known: &mut [Option<Vec<(Field, Known)>>], at: u32, facts: &[(Field, Known)]) {
            let Some(slot) = known.get_mut(at as usize) else {
                return;
            };
            match slot {
                None => *slot = Some(facts[facts.len().saturating_sub(MAX_CARRIED)..].to_vec()),
                Some(have) => have.retain(|f| facts.contains(f)),
            }
        }
        let mut known: Vec<Option<Vec<(Field, Known)>>> = vec![None; self.tests.len()];
        for (at, fact) in roots {
            merge(&mut known, *at, fact.as_slice());
        }
        let mut facts = Vec::new();
        for i in (0..self.tests.len()).rev() {
            let Some(before) = known[i].take() else {
                continue;
            };
            let test = self.tests[i];
            for (outcome, branch) in test.branches() {
                facts.clear();
                facts.extend_from_slice(&before);
                facts.push((test.field, outcome));
                let to = self.thread(branch, &mut facts);
                merge(&mut known, to, &facts);
                self.tests[i].set_branch(outcome, to);
            }
        }
    }

    /// Makes the steps the packet path runs, once the tests are final.
    fn seal(&mut self) {
        self.steps = self
            .tests
            .iter()
            .map(|t| Step {
                wide_mask: t.wide_mask & (u32::MAX << t.wide_shift),
                lo: t.lo << t.wide_shift,
                span: t.span << t.wide_shift,
                inside: t.inside,
                outside: t.outside,
                missing: t.missing,
                offset: t.field.offset,
                base: t.field.base as u8,
                wide_shift: t.wide_shift as u8,
            })
            .collect();
    }

    /// The outcome for a packet entering at `at`.
    ///
    /// Each branch checks for a leaf on its own so that the compiler emits
    /// real (predicted) branches rather than a select: with a select, each
    /// test waits for the one before it to finish. The loop has no other
    /// exit test, so a step checks for a leaf once.
    #[inline]
    fn run(&self, mut at: u32, h: &Headers<'_>) -> u32 {
        if at >= LEAF {
            return at;
        }
        loop {
            let t = &self.steps[at as usize];
            let bytes = h.bases[usize::from(t.base) & 3];
            let off = usize::from(t.offset);
            let value = match bytes.get(off..off + 4) {
                Some(w) => u32::from_be_bytes([w[0], w[1], w[2], w[3]]) & t.wide_mask,
                // Near the end of the packet: the field alone, if there.
                None => match h.load(&self.tests[at as usize].field) {
                    Some(v) => v << t.wide_shift,
                    None => {
                        if t.missing >= LEAF {
                            return t.missing;
                        }
                        at = t.missing;
                        continue;
                    }
                },
            };
            if value.wrapping_sub(t.lo) <= t.span {
                if t.inside >= LEAF {
                    return t.inside;
                }
                at = t.inside;
            } else {
                if t.outside >= LEAF {
                    return t.outside;
                }
                at = t.outside;
            }
        }
    }
}

/// Where a field is, as the `program` handler prints it: `Ip[9:1]`.
fn place(f: &Field) -> String {
    format!("{:?}[{}:{}]", f.base, f.offset, f.len)
}

/// Maps keyed by a field's value, looked up once per packet.
type FieldMap<V> = crate::util::IntMap<u32, V>;

/// Program entries by key value: a direct table for 1- and 2-byte fields
/// (ports, protocol), where one load finds the entry, else a hash map.
#[derive(Debug)]
enum KeyIndex {
    Direct(Vec<u32>),
    Hashed(FieldMap<u32>),
}

/// The field the rules are indexed on and each value's entry.
#[derive(Debug)]
struct Index {
    key: Field,
    entries: KeyIndex,
    /// The entry for a value no rule requires, and for a missing field.
    other: u32,
    /// Rules that require no value of `key`.
    unkeyed: usize,
}

impl Index {
    #[inline]
    fn entry(&self, h: &Headers<'_>) -> u32 {
        let Some(value) = h.load(&self.key) else {
            return self.other;
        };
        match &self.entries {
            KeyIndex::Direct(slots) => slots.get(value as usize).copied().unwrap_or(self.other),
            KeyIndex::Hashed(map) => map.get(&value).copied().unwrap_or(self.other),
        }
    }

    /// Each indexed value and its entry.
    fn entries_mut(&mut self) -> Box<dyn Iterator<Item = (u32, &mut u32)> + '_> {
        let other = self.other;
        match &mut self.entries {
            KeyIndex::Direct(slots) => Box::new(
                slots
                    .iter_mut()
                    .enumerate()
                    .filter(move |(_, e)| **e != other)
                    .map(|(v, e)| (v as u32, e)),
            ),
            KeyIndex::Hashed(map) => Box::new(map.iter_mut().map(|(&v, e)| (v, e))),
        }
    }

    fn values(&self) -> usize {
        match &self.entries {
            KeyIndex::Direct(slots) => slots.iter().filter(|&&e| e != self.other).count(),
            KeyIndex::Hashed(map) => map.len(),
        }
    }
}

/// Rules in order, each with where a matching packet goes, compiled into
/// one program (see the module doc).
#[derive(Debug)]
pub struct RuleSet {
    rules: usize,
    program: Program,
    /// The program's entry when there is no index.
    entry: u32,
    /// With no index, when the entry tests a one-byte field (the IP
    /// protocol, usually): the entry for each of its values, each threaded
    /// past the tests that value decides.
    dispatch: Option<Dispatch>,
    index: Option<Index>,
}

#[derive(Debug)]
struct Dispatch {
    field: Field,
    entries: Box<[u32; 256]>,
    missing: u32,
}

impl RuleSet {
    /// Builds a rule set; `None` as a target drops the packet.
    pub fn new(rules: Vec<(Expr, Option<usize>)>) -> RuleSet {
        let indexed = key_field(&rules).and_then(|key| indexed(&rules, key));
        let (mut program, entry, index) = match indexed {
            Some((program, index)) => (program, DROP, Some(index)),
            None => {
                let mut program = Program::default();
                let all: Vec<u32> = (0..rules.len() as u32).collect();
                let entry = program.chain(&rules, &all, DROP);
                (program, entry, None)
            }
        };
        program.thread_all();
        let mut facts = Vec::new();
        let entry = program.thread(entry, &mut facts);
        // Every entry, with what is known of the packet there.
        let mut roots = vec![(entry, None)];
        let index = index.map(|mut index| {
            let key = index.key;
            roots.push((index.other, None));
            for (value, e) in index.entries_mut() {
                let fact = (key, Known::In(value, value));
                facts.clear();
                facts.push(fact);
                *e = program.thread(*e, &mut facts);
                roots.push((*e, Some(fact)));
            }
            index
        });
        let dispatch = match dispatch_field(&program) {
            Some(field) if index.is_none() => {
                let entries = program.specialize(field, entry);
                facts.clear();
                facts.push((field, Known::Missing));
                let missing = program.thread(entry, &mut facts);
                Some(Dispatch {
                    field,
                    entries,
                    missing,
                })
            }
            _ => None,
        };
        if let Some(d) = &dispatch {
            roots.push((d.missing, Some((d.field, Known::Missing))));
            roots.extend(
                d.entries
                    .iter()
                    .enumerate()
                    .map(|(v, &e)| (e, Some((d.field, Known::In(v as u32, v as u32))))),
            );
        }
        program.refine(&roots);
        program.seal();
        RuleSet {
            rules: rules.len(),
            program,
            entry,
            dispatch,
            index,
        }
    }

    /// The target of the first rule the packet matches; `None` when no
    /// rule matches or the matching rule drops.
    #[inline]
    pub fn classify(&self, h: &Headers<'_>) -> Option<usize> {
        let entry = match (&self.index, &self.dispatch) {
            (Some(index), _) => index.entry(h),
            (None, Some(d)) => match h.load(&d.field) {
                Some(v) => d.entries[v as usize & 0xff],
                None => d.missing,
            },
            (None, None) => self.entry,
        };
        match self.program.run(entry, h) {
            DROP => None,
            port => Some((port & !LEAF) as usize),
        }
    }

    /// The program's size and the field the rules are indexed on, for the
    /// `program` handler.
    pub fn describe(&self) -> String {
        let mut s = format!("{} rules; {} tests", self.rules, self.program.tests.len());
        if let Some(index) = &self.index {
            let k = index.key;
            s.push_str(&format!(
                "; indexed on {} ({} values, {} unindexed rules)",
                place(&k),
                index.values(),
                index.unkeyed
            ));
        }
        s.push('\n');
        let target = |to: u32| match to {
            DROP => "drop".to_string(),
            t if t >= LEAF => format!("[{}]", t & !LEAF),
            t => format!("step {t}"),
        };
        let mut entries = vec![("entry".to_string(), self.entry)];
        if let Some(d) = &self.dispatch {
            let f = d.field;
            for (v, &e) in d.entries.iter().enumerate() {
                if e != self.entry {
                    entries.push((format!("{}={v}", place(&f)), e));
                }
            }
        }
        if self.index.is_none() {
            for (what, e) in entries {
                s.push_str(&format!("{what} -> {}\n", target(e)));
            }
            for (i, t) in self.program.tests.iter().enumerate().rev() {
                let f = t.field;
                s.push_str(&format!(
                    "{i:3}  {}&{:#x}>>{} in [{}, {}]  yes->{}  no->{}  short->{}\n",
                    place(&f),
                    f.mask,
                    f.shift,
                    t.lo,
                    t.hi(),
                    target(t.inside),
                    target(t.outside),
                    target(t.missing)
                ));
            }
        }
        s
    }
}

/// The one-byte field tested most often (the IP protocol, usually), to
/// dispatch on.
fn dispatch_field(program: &Program) -> Option<Field> {
    let mut counts: Vec<(Field, usize)> = Vec::new();
    for t in program.tests.iter().filter(|t| t.field.len == 1) {
        match counts.iter_mut().find(|(f, _)| *f == t.field) {
            Some((_, n)) => *n += 1,
            None => counts.push((t.field, 1)),
        }
    }
    counts.into_iter().max_by_key(|&(_, n)| n).map(|(f, _)| f)
}

/// The field most rules require to equal a constant, if at least four do
/// and it is not the IP protocol (which the threading handles well).
fn key_field(rules: &[(Expr, Option<usize>)]) -> Option<Field> {
    let mut counts: HashMap<Field, usize> = HashMap::new();
    for (e, _) in rules {
        let mut fs = Vec::new();
        e.required_fields(&mut fs);
        fs.sort_by_key(|f| (f.offset, f.len, f.base as u8));
        fs.dedup();
        for f in fs {
            if f != super::PROTO {
                *counts.entry(f).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .filter(|&(_, n)| n >= 4)
        .max_by_key(|&(f, n)| (n, f.offset, f.len, f.base as u8))
        .map(|(f, _)| f)
}

/// One program per value of `key`: the rules requiring that value and the
/// unkeyed rules, in rule order. The unkeyed rules after a value's last
/// rule are shared by all values; those before it are copied. `None` when
/// the copies would make the program too large.
fn indexed(rules: &[(Expr, Option<usize>)], key: Field) -> Option<(Program, Index)> {
    let mut by_value: FieldMap<Vec<u32>> = FieldMap::default();
    let mut unkeyed = Vec::new();
    for (i, (e, _)) in rules.iter().enumerate() {
        match e.required_value(&key) {
            Some(v) => by_value.entry(v).or_default().push(i as u32),
            None => unkeyed.push(i as u32),
        }
    }
    let mut program = Program::default();
    // tails[j]: the chain of unkeyed rules from the j-th on.
    let mut tails = vec![DROP; unkeyed.len() + 1];
    for j in (0..unkeyed.len()).rev() {
        tails[j] = program.chain(rules, &unkeyed[j..=j], tails[j + 1]);
    }
    let mut values: Vec<(u32, Vec<u32>)> = by_value.into_iter().collect();
    values.sort_unstable_by_key(|(v, _)| *v);
    let mut entries: FieldMap<u32> = FieldMap::default();
    let mut order = Vec::new();
    for (value, keyed) in values {
        let last = *keyed.last().expect("a value has rules");
        let tail_from = unkeyed.partition_point(|&u| u < last);
        order.clear();
        let (mut k, mut u) = (0, 0);
        while k < keyed.len() || u < tail_from {
            if u < tail_from && (k == keyed.len() || unkeyed[u] < keyed[k]) {
                order.push(unkeyed[u]);
                u += 1;
            } else {
                order.push(keyed[k]);
                k += 1;
            }
        }
        let entry = program.chain(rules, &order, tails[tail_from]);
        if program.tests.len() > MAX_TESTS {
            return None;
        }
        entries.insert(value, entry);
    }
    let other = tails[0];
    let entries = if key.len <= 2 {
        let mut slots = vec![other; 1 << (8 * u32::from(key.len))];
        for (value, entry) in entries {
            if let Some(slot) = slots.get_mut(value as usize) {
                *slot = entry;
            }
        }
        KeyIndex::Direct(slots)
    } else {
        KeyIndex::Hashed(entries)
    };
    Some((
        program,
        Index {
            key,
            entries,
            other,
            unkeyed: unkeyed.len(),
        },
    ))
}
