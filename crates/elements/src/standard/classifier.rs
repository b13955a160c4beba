//! Classifier — sends packets to outputs by masked byte patterns.
//!
//! ## Synopsis
//! `Classifier(PATTERN_1, ..., PATTERN_N)`
//!
//! ## Ports
//! 1 input, N outputs (one per pattern); push.
//!
//! ## Description
//! Each packet goes to the output of the first pattern it matches; a packet
//! that matches no pattern is dropped and counted (drop reason `no_match`).
//!
//! A PATTERN is `-` (matches every packet) or one or more clauses separated
//! by spaces, all of which must match. A clause is `OFFSET/VALUE` or
//! `OFFSET/VALUE%MASK`, optionally preceded by `!`:
//!
//! - OFFSET is a decimal byte offset from the start of the packet data.
//! - VALUE is hexadecimal with an even number of digits; its length is the
//!   number of bytes compared. A `?` digit is a nibble that is not compared.
//! - MASK has as many digits as VALUE; only bits set in it are compared.
//! - `!` negates the clause: the clause must not match.
//!
//! A clause matches only if every byte it compares lies inside the packet:
//! on a packet too short for it, `12/0800` does not match and `!12/0800`
//! does. Bytes whose mask is zero are not needed.
//!
//! The patterns are compiled, when the element is configured, into a
//! decision tree of 4-byte masked compares, as Click's Classifier is:
//! tests that earlier tests on the same path already decide are skipped,
//! so no packet is tested twice for the same thing. Classifying a
//! packet costs one load and compare per tree level and never allocates; a
//! batch whose packets all go one way is passed on whole.
//!
//! ## Arguments
//! - `PATTERN_i`: one pattern per output port. The number of patterns must
//!   equal the number of output ports used.
//!
//! ## Handlers
//! - `program` (read): the compiled decision tree, one step a line, in
//!   Click's notation: `STEP OFFSET/VALUE%MASK  yes->TARGET  no->TARGET`,
//!   where a target is `step N`, an output `[N]`, or `[X]` (drop); then the
//!   safe length (packets at least this long need no length checks) and the
//!   alignment offset (always 0).
//!
//! ## Differences from Click
//! - The tree is built by a different optimiser. For common patterns (all
//!   the golden cases, Click's documented examples) `program` prints
//!   exactly what Click prints; for intricate ones it may skip tests Click
//!   keeps or repeat a step Click shares. Which packets go where is the
//!   same (checked against Click on random patterns). Click's
//!   `short->yes` flag never appears.
//! - Click warns when an output can match no packet; Switchyard does not.
//! - Offsets above 65535 are an error (Click truncates them).
//! - A negated all-wildcard clause (`!54/??`), which never matches, is
//!   accepted; Click 2.1 can abort on it.
//!
//! ## Example
//! ```text
//! c :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
//! // ARP requests to c[0], ARP replies to c[1], IPv4 to c[2], others to c[3]
//! ```

use std::any::Any;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec, Output,
};
use packet::{Packet, PacketBatch};

pub const SPEC: ElementSpec = ElementSpec {
    class: "Classifier",
    ports: "1/-",
    processing: "h/h",
    source: include_str!("classifier.rs"),
    drop_reasons: &["no_match"],
    handlers: &[HandlerSpec::read("program", "the compiled decision tree")],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const NO_MATCH: DropReason = DropReason(0);

/// Largest clause offset accepted.
const MAX_OFFSET: u32 = u16::MAX as u32;

/// Past this many patterns' worth of tests, the tree is not optimised
/// across patterns (the build would be too slow or too deep).
const MAX_OPTIMISED_STEPS: usize = 1024;

// ---------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------

/// A 4-byte masked compare at a word-aligned offset. `mask` and `value` are
/// big-endian: the packet byte at `offset` is the most significant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Word {
    pub(crate) offset: u32,
    pub(crate) mask: u32,
    pub(crate) value: u32,
}

impl Word {
    /// Packet length needed for every masked byte to be present.
    fn required_length(&self) -> u32 {
        if self.mask == 0 {
            0
        } else {
            self.offset + 4 - self.mask.trailing_zeros() / 8
        }
    }
}

/// One clause: all its words must match (unless negated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Clause {
    pub(crate) negated: bool,
    /// The words the clause's bytes touch, by increasing offset; a word
    /// whose bytes are all wildcards has a zero mask (and always matches).
    pub(crate) words: Vec<Word>,
}

/// A parsed pattern: all clauses must hold. No clauses matches everything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern {
    pub(crate) clauses: Vec<Clause>,
}

fn nibble(c: u8) -> (u32, u32) {
    match c {
        b'0'..=b'9' => ((c - b'0') as u32, 0xF),
        b'a'..=b'f' => ((c - b'a' + 10) as u32, 0xF),
        b'A'..=b'F' => ((c - b'A' + 10) as u32, 0xF),
        _ => (0, 0), // '?': compare nothing
    }
}

fn is_digit_or_wild(c: u8) -> bool {
    c.is_ascii_hexdigit() || c == b'?'
}

/// Parses pattern number `slot` (for messages) in Click's syntax.
pub(crate) fn parse_pattern(text: &str, slot: usize) -> Result<Pattern, String> {
    let s = text.as_bytes();
    let err = |m: &str| format!("pattern {slot}: {m}");
    let mut clauses = Vec::new();
    if text == "-" {
        return Ok(Pattern { clauses });
    }
    let mut i = 0;
    loop {
        while i < s.len() && s[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= s.len() {
            break;
        }
        let mut negated = false;
        if s[i] == b'!' {
            negated = true;
            i += 1;
            while i < s.len() && s[i].is_ascii_whitespace() {
                i += 1;
            }
        }
        if i >= s.len() || !s[i].is_ascii_digit() {
            return Err(err("expected a digit"));
        }
        let mut offset: u32 = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            offset = offset
                .saturating_mul(10)
                .saturating_add((s[i] - b'0') as u32);
            i += 1;
        }
        if i >= s.len() || s[i] != b'/' {
            return Err(err("expected '/'"));
        }
        i += 1;
        let value_start = i;
        while i < s.len() && is_digit_or_wild(s[i]) {
            i += 1;
        }
        let value = &s[value_start..i];
        let mut mask: Option<&[u8]> = None;
        if i < s.len() && s[i] == b'%' {
            i += 1;
            let mask_start = i;
            while i < s.len() && is_digit_or_wild(s[i]) {
                i += 1;
            }
            mask = Some(&s[mask_start..i]);
        }
        if value.len() < 2 {
            return Err(err("value has less than 2 hex digits"));
        }
        if !value.len().is_multiple_of(2) {
            return Err(err("value has odd number of hex digits"));
        }
        if let Some(m) = mask
            && m.len() != value.len()
        {
            let which = if m.len() > value.len() { "many" } else { "few" };
            return Err(err(&format!("mask has too {which} hex digits")));
        }
        let nbytes = (value.len() / 2) as u32;
        if offset > MAX_OFFSET || offset + nbytes > MAX_OFFSET + 1 {
            return Err(err("offset too large"));
        }
        // Assemble the clause's bytes into words.
        let mut words: Vec<Word> = Vec::new();
        for k in 0..nbytes as usize {
            let (hv, hm) = nibble(value[2 * k]);
            let (lv, lm) = nibble(value[2 * k + 1]);
            let mut v = (hv << 4) | lv;
            let mut m = (hm << 4) | lm;
            if let Some(mask) = mask {
                let (hv2, hm2) = nibble(mask[2 * k]);
                let (lv2, lm2) = nibble(mask[2 * k + 1]);
                m &= ((hv2 & hm2) << 4) | (lv2 & lm2);
            }
            v &= m;
            let at = offset + k as u32;
            let word_offset = at & !3;
            let shift = 8 * (3 - (at & 3));
            match words.last_mut() {
                Some(w) if w.offset == word_offset => {
                    w.mask |= m << shift;
                    w.value |= v << shift;
                }
                _ => words.push(Word {
                    offset: word_offset,
                    mask: m << shift,
                    value: v << shift,
                }),
            }
        }
        clauses.push(Clause { negated, words });
    }
    // An empty pattern has nothing to fail: it matches every packet.
    Ok(Pattern { clauses })
}

/// Reference semantics, used by tests: does `pattern` match `data`?
#[cfg(test)]
fn pattern_matches(pattern: &Pattern, data: &[u8]) -> bool {
    pattern.clauses.iter().all(|c| {
        let all = c.words.iter().all(|w| {
            if (data.len() as u32) < w.required_length() {
                return false;
            }
            let mut got = 0u32;
            for k in 0..4u32 {
                let b = data.get((w.offset + k) as usize).copied().unwrap_or(0);
                got |= (b as u32) << (8 * (3 - k));
            }
            got & w.mask == w.value
        });
        all != c.negated
    })
}

// ---------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------

/// Where control goes within one pattern's tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Next {
    Step(usize),
    /// The pattern matched.
    Match,
    /// The pattern failed: try the next one.
    Fail,
}

#[derive(Clone, Copy, Debug)]
struct Step {
    word: Word,
    pass: Next,
    fail: Next,
}

/// One pattern as a small graph of word tests.
#[derive(Clone, Debug)]
struct Steps {
    steps: Vec<Step>,
    start: Next,
}

/// Lays out one pattern's tests in the order Click's program tests them:
/// clause by clause, except that runs of positive clauses' words, and runs
/// of one-word negated clauses, are sorted by (offset, mask, value), as
/// Click's optimiser sorts its "and" chains. Click never moves the very
/// first test of the first pattern, and neither does this, so that the
/// programs print alike. Words with a zero mask are then left out: they
/// always match.
fn lay_out(pattern: &Pattern, first_pattern: bool) -> Steps {
    #[derive(PartialEq)]
    enum Kind {
        Positive,
        NegatedWords,
        NegatedClause,
    }
    let mut runs: Vec<(Kind, Vec<Word>)> = Vec::new();
    for clause in &pattern.clauses {
        let kind = match (clause.negated, clause.words.len()) {
            (false, _) => Kind::Positive,
            (true, 1) => Kind::NegatedWords,
            (true, _) => Kind::NegatedClause,
        };
        match runs.last_mut() {
            Some((k, words)) if *k == kind && kind != Kind::NegatedClause => {
                words.extend_from_slice(&clause.words)
            }
            _ => runs.push((kind, clause.words.clone())),
        }
    }
    for (i, (kind, words)) in runs.iter_mut().enumerate() {
        if *kind != Kind::NegatedClause {
            let pinned = usize::from(first_pattern && i == 0).min(words.len());
            words[pinned..].sort();
        }
    }
    // Segments: words that must all match, or words that must not all
    // match (a negated clause).
    let mut segments: Vec<(bool, Vec<Word>)> = Vec::new();
    let impossible = Steps {
        steps: Vec::new(),
        start: Next::Fail,
    };
    for (kind, words) in runs {
        let mut live = words;
        match kind {
            Kind::Positive => {
                live.retain(|w| w.mask != 0);
                if !live.is_empty() {
                    segments.push((false, live));
                }
            }
            Kind::NegatedWords => {
                for w in live {
                    if w.mask == 0 {
                        // The clause always matches; its negation never does.
                        return impossible;
                    }
                    segments.push((true, vec![w]));
                }
            }
            Kind::NegatedClause => {
                live.retain(|w| w.mask != 0);
                if live.is_empty() {
                    return impossible;
                }
                segments.push((true, live));
            }
        }
    }
    let total: usize = segments.iter().map(|(_, w)| w.len()).sum();
    let mut steps = Vec::with_capacity(total);
    for (negated, words) in &segments {
        let end = steps.len() + words.len();
        let after = if end < total {
            Next::Step(end)
        } else {
            Next::Match
        };
        for (k, &word) in words.iter().enumerate() {
            let next_in_clause = if k + 1 < words.len() {
                Next::Step(steps.len() + 1)
            } else if *negated {
                Next::Fail
            } else {
                after
            };
            let fail = if *negated { after } else { Next::Fail };
            steps.push(Step {
                word,
                pass: next_in_clause,
                fail,
            });
        }
    }
    let start = if steps.is_empty() {
        Next::Match
    } else {
        Next::Step(0)
    };
    Steps { steps, start }
}

/// What the tests taken so far say about a packet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Knowledge {
    /// Tests and their outcomes, sorted.
    facts: Vec<(Word, bool)>,
    /// The packet is at least this long.
    known_len: u32,
}

impl Knowledge {
    fn with(&self, word: Word, outcome: bool) -> Knowledge {
        let mut k = self.clone();
        if let Err(at) = k.facts.binary_search(&(word, outcome)) {
            k.facts.insert(at, (word, outcome));
        }
        if outcome {
            k.known_len = k.known_len.max(word.required_length());
        }
        k
    }

    /// The outcome of testing `word`, if the facts decide it.
    fn decide(&self, word: &Word) -> Option<bool> {
        if word.mask == 0 {
            return Some(true);
        }
        // Bits known at this offset: from passed tests, and from failed
        // single-bit tests whose byte is known to be present.
        let (mut known, mut bits) = (0u32, 0u32);
        for (f, outcome) in self.facts.iter().filter(|(f, _)| f.offset == word.offset) {
            if *outcome {
                known |= f.mask;
                bits |= f.value;
            } else if f.mask.is_power_of_two() && f.required_length() <= self.known_len {
                known |= f.mask;
                bits |= f.mask & !f.value;
            }
        }
        if (bits ^ word.value) & known & word.mask != 0 {
            return Some(false);
        }
        if word.mask & !known == 0 {
            return Some(true);
        }
        // If `word` passed, would a test known to have failed pass too?
        let covered = word.mask | known;
        let combined = word.value | (bits & !word.mask);
        for (f, _) in self
            .facts
            .iter()
            .filter(|(f, outcome)| !outcome && f.offset == word.offset)
        {
            if f.mask & !covered == 0 && combined & f.mask == f.value {
                return Some(false);
            }
        }
        None
    }

    /// Keeps only facts that share bits with `relevant` (the union of
    /// the masks still to be tested, per offset, sorted by offset), and the
    /// known length only as far as it decides a kept fact, so that
    /// equivalent states share one subtree. Dropping facts is always
    /// sound: it can only leave a test undecided.
    fn pruned(&self, relevant: &[(u32, u32)]) -> Knowledge {
        let facts: Vec<(Word, bool)> = self
            .facts
            .iter()
            .filter(|(f, _)| {
                relevant
                    .binary_search_by_key(&f.offset, |&(o, _)| o)
                    .is_ok_and(|i| relevant[i].1 & f.mask != 0)
            })
            .copied()
            .collect();
        let known_len = facts
            .iter()
            .filter(|(f, outcome)| !outcome && f.mask.is_power_of_two())
            .map(|(f, _)| f.required_length())
            .filter(|&r| r <= self.known_len)
            .max()
            .unwrap_or(0);
        Knowledge { facts, known_len }
    }
}

/// A jump in the compiled program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Target {
    Step(usize),
    Out(usize),
    Drop,
}

/// A compiled step, before encoding for the data path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Node {
    word: Word,
    yes: Target,
    no: Target,
}

/// Builds a decision DAG from laid-out patterns, skipping every test that
/// the tests already taken on the way decide.
struct Builder<'a> {
    patterns: &'a [Steps],
    /// For each pattern index p: the bits worth remembering while testing
    /// it, as union masks per offset, sorted by offset.
    relevant: Vec<Vec<(u32, u32)>>,
    nodes: Vec<Node>,
    /// The (pattern, step) each node was made for, to number steps by.
    origin: Vec<(usize, usize)>,
    /// Subtrees already built, by state.
    memo: HashMap<(usize, Next, Knowledge), Target>,
    /// Nodes already made, so that equal subtrees are one.
    unique: HashMap<Node, usize>,
    /// States that may still be built before giving up.
    budget: usize,
    overflow: bool,
}

impl Builder<'_> {
    /// Builds the subtree for "pattern `p`, at `next`, knowing `know`".
    fn build(&mut self, mut p: usize, mut next: Next, mut know: Knowledge) -> Target {
        // Follow decided tests and failed patterns without making nodes.
        loop {
            if self.overflow {
                return Target::Drop;
            }
            let s = match next {
                Next::Match => return Target::Out(p),
                Next::Fail => {
                    p += 1;
                    match self.patterns.get(p) {
                        Some(pattern) => next = pattern.start,
                        None => return Target::Drop,
                    }
                    continue;
                }
                Next::Step(s) => s,
            };
            let Some(step) = self.patterns.get(p).and_then(|x| x.steps.get(s)).copied() else {
                return Target::Drop;
            };
            know = know.pruned(&self.relevant[p]);
            match know.decide(&step.word) {
                Some(true) => next = step.pass,
                Some(false) => next = step.fail,
                None => {
                    let key = (p, next, know);
                    if let Some(&t) = self.memo.get(&key) {
                        return t;
                    }
                    if self.budget == 0 {
                        self.overflow = true;
                        return Target::Drop;
                    }
                    self.budget -= 1;
                    let yes = self.build(p, step.pass, key.2.with(step.word, true));
                    let no = self.build(p, step.fail, key.2.with(step.word, false));
                    let t = if yes == no {
                        yes
                    } else {
                        self.intern(
                            Node {
                                word: step.word,
                                yes,
                                no,
                            },
                            (p, s),
                        )
                    };
                    self.memo.insert(key, t);
                    return t;
                }
            }
        }
    }

    fn intern(&mut self, node: Node, origin: (usize, usize)) -> Target {
        if let Some(&i) = self.unique.get(&node) {
            return Target::Step(i);
        }
        let i = self.nodes.len();
        self.nodes.push(node);
        self.origin.push(origin);
        self.unique.insert(node, i);
        Target::Step(i)
    }
}

/// Every step of every pattern, in order, with no cross-pattern
/// optimisation: linear in size and made without recursion.
fn build_chain(patterns: &[Steps]) -> (Vec<Node>, Vec<(usize, usize)>, Target) {
    let mut base = Vec::with_capacity(patterns.len() + 1);
    let mut n = 0;
    for p in patterns {
        base.push(n);
        n += p.steps.len();
    }
    // Where each pattern's start leads.
    let mut entry = vec![Target::Drop; patterns.len() + 1];
    for p in (0..patterns.len()).rev() {
        entry[p] = match patterns[p].start {
            Next::Step(s) => Target::Step(base[p] + s),
            Next::Match => Target::Out(p),
            Next::Fail => entry[p + 1],
        };
    }
    let resolve = |p: usize, next: Next| match next {
        Next::Step(s) => Target::Step(base[p] + s),
        Next::Match => Target::Out(p),
        Next::Fail => entry[p + 1],
    };
    let mut nodes = Vec::with_capacity(n);
    let mut origin = Vec::with_capacity(n);
    for (p, pattern) in patterns.iter().enumerate() {
        for (s, step) in pattern.steps.iter().enumerate() {
            nodes.push(Node {
                word: step.word,
                yes: resolve(p, step.pass),
                no: resolve(p, step.fail),
            });
            origin.push((p, s));
        }
    }
    (nodes, origin, entry[0])
}

/// Puts the nodes reachable from `root` in an order where every jump goes
/// forward, choosing among the ready nodes by (pattern, step) as Click's
/// program lists its steps. The root becomes step 0.
fn order(nodes: &[Node], origin: &[(usize, usize)], root: Target) -> (Vec<Node>, Target) {
    let n = nodes.len();
    let succ = |node: &Node| {
        [node.yes, node.no].into_iter().filter_map(|t| match t {
            Target::Step(j) if j < n => Some(j),
            _ => None,
        })
    };
    let mut reachable = vec![false; n];
    let mut stack: Vec<usize> = match root {
        Target::Step(r) if r < n => vec![r],
        _ => Vec::new(),
    };
    while let Some(i) = stack.pop() {
        if !std::mem::replace(&mut reachable[i], true) {
            stack.extend(succ(&nodes[i]));
        }
    }
    let mut indegree = vec![0usize; n];
    for i in (0..n).filter(|&i| reachable[i]) {
        for j in succ(&nodes[i]) {
            indegree[j] += 1;
        }
    }
    let mut ready: BinaryHeap<Reverse<((usize, usize), usize)>> = (0..n)
        .filter(|&i| reachable[i] && indegree[i] == 0)
        .map(|i| Reverse((origin[i], i)))
        .collect();
    let mut new_index = vec![usize::MAX; n];
    let mut sorted = Vec::with_capacity(n);
    while let Some(Reverse((_, i))) = ready.pop() {
        new_index[i] = sorted.len();
        sorted.push(i);
        for j in succ(&nodes[i]) {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(Reverse((origin[j], j)));
            }
        }
    }
    let map = |t: Target| match t {
        Target::Step(j) => match new_index.get(j) {
            Some(&k) if k != usize::MAX => Target::Step(k),
            _ => Target::Drop,
        },
        other => other,
    };
    let out = sorted
        .iter()
        .map(|&i| Node {
            word: nodes[i].word,
            yes: map(nodes[i].yes),
            no: map(nodes[i].no),
        })
        .collect();
    (out, map(root))
}

/// Final clean-up of an ordered program (every jump forward):
///
/// - a step whose "yes" leads to a step on the same word with the same
///   "no" is merged with it into one compare (as Click combines them);
/// - equal steps become one, and a step whose two jumps agree is skipped;
/// - steps no longer reachable are removed.
fn tidy(mut nodes: Vec<Node>, root: Target) -> (Vec<Node>, Target) {
    for i in (0..nodes.len()).rev() {
        while let Target::Step(j) = nodes[i].yes {
            let (a, b) = (nodes[i], nodes[j]);
            let compatible = (a.word.value ^ b.word.value) & a.word.mask & b.word.mask == 0;
            if b.word.offset != a.word.offset || b.no != a.no || !compatible {
                break;
            }
            nodes[i].word.mask |= b.word.mask;
            nodes[i].word.value |= b.word.value;
            nodes[i].yes = b.yes;
        }
    }
    // Canonical target of each node, from the last (whose jumps are all
    // terminal or already canonical) to the first.
    let mut canon: Vec<Target> = vec![Target::Drop; nodes.len()];
    let mut seen: HashMap<Node, usize> = HashMap::new();
    for i in (0..nodes.len()).rev() {
        let c = |t: Target| match t {
            Target::Step(j) => canon[j],
            other => other,
        };
        let node = Node {
            word: nodes[i].word,
            yes: c(nodes[i].yes),
            no: c(nodes[i].no),
        };
        nodes[i] = node;
        canon[i] = if node.yes == node.no {
            node.yes
        } else {
            Target::Step(*seen.entry(node).or_insert(i))
        };
    }
    let root = match root {
        Target::Step(r) => canon[r],
        other => other,
    };
    // Keep what the root reaches, in order.
    let mut reachable = vec![false; nodes.len()];
    if let Target::Step(r) = root {
        reachable[r] = true;
    }
    for i in 0..nodes.len() {
        if reachable[i] {
            for t in [nodes[i].yes, nodes[i].no] {
                if let Target::Step(j) = t {
                    reachable[j] = true;
                }
            }
        }
    }
    let mut new_index = vec![0usize; nodes.len()];
    let mut kept = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        if reachable[i] {
            new_index[i] = kept.len();
            kept.push(*node);
        }
    }
    let map = |t: Target| match t {
        Target::Step(j) => Target::Step(new_index[j]),
        other => other,
    };
    for node in &mut kept {
        node.yes = map(node.yes);
        node.no = map(node.no);
    }
    (kept, map(root))
}

/// True when every jump of `nodes` goes to a later step and the root is
/// step 0 (or a terminal): the data path then always ends.
fn runs_forward(nodes: &[Node], root: Target) -> bool {
    let root_ok = match root {
        Target::Step(r) => r == 0,
        _ => nodes.is_empty(),
    };
    root_ok
        && nodes.iter().enumerate().all(|(i, n)| {
            [n.yes, n.no].iter().all(|t| match *t {
                Target::Step(j) => j > i && j < nodes.len(),
                _ => true,
            })
        })
}

/// Merges (offset, mask) pairs into one union mask per offset, sorted.
fn union_masks(mut masks: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    masks.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(masks.len());
    for (offset, mask) in masks {
        match merged.last_mut() {
            Some(last) if last.0 == offset => last.1 |= mask,
            _ => merged.push((offset, mask)),
        }
    }
    merged
}

/// Compiles parsed patterns into a decision tree.
///
/// First try: carry what earlier tests showed across patterns, as far as
/// any later pattern can use it. If that grows too big (many patterns that
/// test overlapping bytes), carry only what the next pattern itself can
/// use; if that is still too big, test every pattern in turn.
fn compile(patterns: &[Pattern]) -> Program {
    let laid: Vec<Steps> = patterns
        .iter()
        .enumerate()
        .map(|(i, p)| lay_out(p, i == 0))
        .collect();
    let total: usize = laid.iter().map(|s| s.steps.len()).sum();
    let own = |p: &Steps| -> Vec<(u32, u32)> {
        p.steps
            .iter()
            .map(|s| (s.word.offset, s.word.mask))
            .collect()
    };
    let mut attempts: Vec<Vec<Vec<(u32, u32)>>> = Vec::new();
    if total <= MAX_OPTIMISED_STEPS {
        let mut from_here = vec![Vec::new(); laid.len() + 1];
        for p in (0..laid.len()).rev() {
            let mut masks = from_here[p + 1].clone();
            masks.extend(own(&laid[p]));
            from_here[p] = union_masks(masks);
        }
        attempts.push(from_here);
        attempts.push(laid.iter().map(|p| union_masks(own(p))).collect());
    }
    for relevant in attempts {
        let mut b = Builder {
            patterns: &laid,
            relevant,
            nodes: Vec::new(),
            origin: Vec::new(),
            memo: HashMap::new(),
            unique: HashMap::new(),
            budget: 16 * total + 256,
            overflow: false,
        };
        let start = laid.first().map_or(Next::Fail, |s| s.start);
        let root = b.build(0, start, Knowledge::default());
        if !b.overflow {
            let (nodes, root) = order(&b.nodes, &b.origin, root);
            let (nodes, root) = tidy(nodes, root);
            if runs_forward(&nodes, root) {
                return Program::new(nodes, root);
            }
        }
    }
    let (nodes, origin, root) = build_chain(&laid);
    let (nodes, root) = order(&nodes, &origin, root);
    let (nodes, root) = tidy(nodes, root);
    Program::new(nodes, root)
}

// ---------------------------------------------------------------------------
// The program on the data path
// ---------------------------------------------------------------------------

/// Jump encoding: a step index, or `OUT | port`, or `DROP`.
const OUT: u32 = 0x8000_0000;
const DROP: u32 = u32::MAX;

/// The port an encoded terminal target sends to, or `None` for a drop.
#[inline]
fn decode(t: u32) -> Option<usize> {
    if t == DROP {
        None
    } else {
        Some((t & !OUT) as usize)
    }
}

fn encode(t: Target) -> u32 {
    match t {
        Target::Step(i) => i as u32,
        Target::Out(p) => OUT | p as u32,
        Target::Drop => DROP,
    }
}

/// One step as the data path runs it: `mask` and `value` are in native
/// byte order, so a word loaded from the packet is compared directly.
#[derive(Clone, Copy, Debug)]
struct Insn {
    offset: u32,
    mask: u32,
    value: u32,
    /// Packet length needed for the masked bytes to be present.
    required: u32,
    /// Jump when the compare fails, when it succeeds.
    next: [u32; 2],
}

/// A compiled classifier.
#[derive(Clone, Debug)]
pub struct Program {
    nodes: Vec<Node>,
    insns: Vec<Insn>,
    /// Set when every packet goes to the same place.
    all: Option<u32>,
    safe_length: u32,
}

impl Program {
    /// A program from ordered steps (see [`runs_forward`]); one whose
    /// jumps could loop is refused and drops every packet instead (the
    /// compiler never makes one).
    fn new(nodes: Vec<Node>, root: Target) -> Program {
        let (nodes, all) = match root {
            _ if !runs_forward(&nodes, root) => (Vec::new(), Some(DROP)),
            Target::Step(_) => (nodes, None),
            other => (Vec::new(), Some(encode(other))),
        };
        let insns = nodes
            .iter()
            .map(|n| Insn {
                offset: n.word.offset,
                mask: u32::from_ne_bytes(n.word.mask.to_be_bytes()),
                value: u32::from_ne_bytes(n.word.value.to_be_bytes()),
                required: n.word.required_length(),
                next: [encode(n.no), encode(n.yes)],
            })
            .collect();
        let safe_length = nodes
            .iter()
            .map(|n| n.word.required_length())
            .max()
            .unwrap_or(0);
        Program {
            nodes,
            insns,
            all,
            safe_length,
        }
    }

    /// The output port for `data`, or `None` to drop it.
    #[inline]
    pub fn classify(&self, data: &[u8]) -> Option<usize> {
        decode(self.target(data))
    }

    /// Where `data` goes, encoded (`OUT | port`, or `DROP`).
    #[inline]
    fn target(&self, data: &[u8]) -> u32 {
        match self.all {
            Some(t) => t,
            None => self.run(data),
        }
    }

    #[inline]
    fn run(&self, data: &[u8]) -> u32 {
        let mut t = 0u32;
        loop {
            let Some(insn) = self.insns.get(t as usize) else {
                return DROP;
            };
            let at = insn.offset as usize;
            let word = match data.get(at..at + 4) {
                Some(&[a, b, c, d]) => u32::from_ne_bytes([a, b, c, d]),
                _ => Self::short_word(data, insn),
            };
            t = insn.next[((word & insn.mask) == insn.value) as usize];
            if t & OUT != 0 {
                return t;
            }
        }
    }

    /// The word at `insn` for a packet that ends inside it: missing bytes
    /// read as zero, or, when masked bytes are missing, a word that fails
    /// the compare (the value with its lowest masked bit flipped; a
    /// compiled step's mask is never zero).
    #[cold]
    fn short_word(data: &[u8], insn: &Insn) -> u32 {
        if (data.len() as u32) < insn.required {
            return insn.value ^ (insn.mask & insn.mask.wrapping_neg());
        }
        let at = insn.offset as usize;
        let mut bytes = [0u8; 4];
        for (k, b) in bytes.iter_mut().enumerate() {
            *b = data.get(at + k).copied().unwrap_or(0);
        }
        u32::from_ne_bytes(bytes)
    }

    /// The program in Click's `program` handler notation.
    pub fn unparse(&self) -> String {
        let mut s = String::new();
        let jump = |t: Target| match t {
            Target::Step(i) => format!("step {i}"),
            Target::Out(p) => format!("[{p}]"),
            Target::Drop => "[X]".to_string(),
        };
        for (i, n) in self.nodes.iter().enumerate() {
            let _ = writeln!(
                s,
                "{:>2} {:>3}/{:08x}%{:08x}  yes->{}  no->{}",
                i,
                n.word.offset,
                n.word.value,
                n.word.mask,
                jump(n.yes),
                jump(n.no)
            );
        }
        if let Some(all) = self.all {
            let port = if all == DROP {
                2147483647
            } else {
                (all & !OUT) as u64
            };
            let _ = writeln!(s, "all->[{port}]");
        }
        let _ = writeln!(s, "safe length {}", self.safe_length);
        let _ = writeln!(s, "alignment offset 0");
        s
    }
}

/// Parses and compiles `patterns` (the configuration arguments).
pub fn compile_patterns<S: AsRef<str>>(patterns: &[S]) -> Result<Program, String> {
    let parsed = patterns
        .iter()
        .enumerate()
        .map(|(slot, p)| parse_pattern(p.as_ref(), slot))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(compile(&parsed))
}

// ---------------------------------------------------------------------------
// The element
// ---------------------------------------------------------------------------

pub struct Classifier {
    program: Program,
}

impl Classifier {
    /// The compiled program.
    pub fn program(&self) -> &Program {
        &self.program
    }
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let patterns = args.rest();
    if patterns.len() != cx.noutputs {
        return Err(ConfigError::msg(format!(
            "need {} arguments, one per output port",
            cx.noutputs
        )));
    }
    let mut parsed = Vec::with_capacity(patterns.len());
    for (slot, arg) in patterns.iter().enumerate() {
        let pattern = parse_pattern(&arg.text, slot)
            .map_err(|message| crate::util::arg_error(arg, message))?;
        parsed.push(pattern);
    }
    Ok(Box::new(Classifier {
        program: compile(&parsed),
    }))
}

impl Classifier {
    /// Sends `packet` where target `t` (as [`Program::target`] returns it)
    /// says.
    #[inline]
    fn send(out: &mut Output, t: u32, packet: Packet) {
        match decode(t) {
            Some(port) => out.emit(port, packet),
            None => out.drop(packet, NO_MATCH),
        }
    }
}

impl Element for Classifier {
    /// Classifies packets until one goes another way than the first; when
    /// none does (the usual case on a busy link) the batch moves on whole,
    /// with no per-packet move. Otherwise packets are sent one by one, the
    /// ones already classified without classifying them again.
    #[inline]
    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        let prog = &self.program;
        let packets = batch.as_slice();
        let Some(first) = packets.first() else {
            return;
        };
        let first = prog.target(first.data());
        let mut same = 1;
        let mut other = first;
        for packet in &packets[1..] {
            other = prog.target(packet.data());
            if other != first {
                break;
            }
            same += 1;
        }
        if same == packets.len() {
            match decode(first) {
                Some(port) => out.forward(port, batch),
                None => {
                    out.count_drops(NO_MATCH, batch.len() as u64);
                    batch.clear();
                }
            }
            return;
        }
        let mut rest = batch.drain();
        for packet in rest.by_ref().take(same) {
            Self::send(out, first, packet);
        }
        if let Some(packet) = rest.next() {
            Self::send(out, other, packet);
        }
        for packet in rest {
            let t = prog.target(packet.data());
            Self::send(out, t, packet);
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "program" => Ok(self.program.unparse()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::testing::{assert_accounted, run_through};
    use proptest::prelude::*;

    fn program(patterns: &[&str]) -> Program {
        compile_patterns(patterns).expect("compiles")
    }

    fn frame(ethertype: u16, rest: &[(usize, u8)], len: usize) -> Vec<u8> {
        let mut f = vec![0u8; len];
        f[12..14].copy_from_slice(&ethertype.to_be_bytes());
        for &(at, b) in rest {
            f[at] = b;
        }
        f
    }

    #[test]
    fn click_documentation_example() {
        let p = program(&["12/0806 20/0001", "12/0806 20/0002", "12/0800", "-"]);
        assert_eq!(
            p.unparse(),
            concat!(
                " 0  12/08060000%ffff0000  yes->step 1  no->step 3\n",
                " 1  20/00010000%ffff0000  yes->[0]  no->step 2\n",
                " 2  20/00020000%ffff0000  yes->[1]  no->[3]\n",
                " 3  12/08000000%ffff0000  yes->[2]  no->[3]\n",
                "safe length 22\n",
                "alignment offset 0\n"
            )
        );
        assert_eq!(p.classify(&frame(0x0806, &[(21, 1)], 60)), Some(0));
        assert_eq!(p.classify(&frame(0x0806, &[(21, 2)], 60)), Some(1));
        assert_eq!(p.classify(&frame(0x0806, &[(21, 3)], 60)), Some(3));
        assert_eq!(p.classify(&frame(0x0800, &[], 60)), Some(2));
        assert_eq!(p.classify(&frame(0x86dd, &[], 60)), Some(3));
        assert_eq!(p.classify(&[]), Some(3));
    }

    #[test]
    fn programs_match_clicks() {
        // Expected texts are Click 2.1's `program` handler output.
        let cases: &[(&[&str], &str)] = &[
            (
                &["12/0800", "12/0806", "-"],
                " 0  12/08000000%ffff0000  yes->[0]  no->step 1\n 1  12/08060000%ffff0000  yes->[1]  no->[2]\nsafe length 14\nalignment offset 0\n",
            ),
            (
                &["!12/0800", "12/08?? 23/11%ff 30/0a000000%ff000000", "-"],
                " 0  12/08000000%ffff0000  yes->step 1  no->[0]\n 1  20/00000011%000000ff  yes->step 2  no->[2]\n 2  28/00000a00%0000ff00  yes->[1]  no->[2]\nsafe length 31\nalignment offset 0\n",
            ),
            (
                &["-", "12/0800"],
                "all->[0]\nsafe length 0\nalignment offset 0\n",
            ),
            (
                &["12/0800 12/0806"],
                "all->[2147483647]\nsafe length 0\nalignment offset 0\n",
            ),
            (
                &[],
                "all->[2147483647]\nsafe length 0\nalignment offset 0\n",
            ),
            (
                &[
                    "12/0806 20/0001",
                    "12/0800 !23/11",
                    "0/ff?? 8950/00",
                    "14/45%f0",
                ],
                concat!(
                    " 0  12/08060000%ffff0000  yes->step 1  no->step 2\n",
                    " 1  20/00010000%ffff0000  yes->[0]  no->step 4\n",
                    " 2  12/08000000%ffff0000  yes->step 3  no->step 4\n",
                    " 3  20/00000011%000000ff  yes->step 4  no->[1]\n",
                    " 4   0/ff000000%ff000000  yes->step 5  no->step 6\n",
                    " 5 8948/00000000%0000ff00  yes->[2]  no->step 6\n",
                    " 6  12/00004000%0000f000  yes->[3]  no->[X]\n",
                    "safe length 8951\n",
                    "alignment offset 0\n"
                ),
            ),
        ];
        for (patterns, want) in cases {
            assert_eq!(&program(patterns).unparse(), want, "{patterns:?}");
        }
    }

    #[test]
    fn short_packets() {
        let p = program(&["12/0800", "!12/0800", "-"]);
        assert_eq!(p.classify(&[0; 13]), Some(1), "12/0800 needs byte 13");
        assert_eq!(
            p.classify(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0]),
            Some(0)
        );
        let p = program(&["12/08??", "-"]);
        assert_eq!(
            p.classify(&[8; 13]),
            Some(0),
            "a wildcard byte is not needed"
        );
        assert_eq!(p.classify(&[8; 12]), Some(1));
        let p = program(&["0/ff 200/??", "-"]);
        assert_eq!(
            p.classify(&[0xff]),
            Some(0),
            "an all-wildcard clause needs nothing"
        );
        let p = program(&["!3/01020304050607", "-"]);
        assert_eq!(p.classify(&[0, 0, 0, 1, 2, 3, 4, 5, 6]), Some(0));
        assert_eq!(p.classify(&[0, 0, 0, 1, 2, 3, 4, 5, 6, 7]), Some(1));
    }

    #[test]
    fn unmatched_is_dropped() {
        let p = program(&["12/0800", "12/0806"]);
        assert_eq!(p.classify(&frame(0x86dd, &[], 60)), None);
        assert_eq!(program(&[]).classify(&[1, 2, 3]), None);
    }

    #[test]
    fn batches_uniform_and_mixed() {
        let config = "Idle -> e :: Classifier(12/0800, 12/0806);
                      e[0] -> a :: Counter -> Discard; e[1] -> b :: Counter -> Discard;";
        let ip = frame(0x0800, &[], 60);
        let arp = frame(0x0806, &[], 60);
        let other = frame(0x86dd, &[], 60);
        // One uniform batch, then batches that change class at every place.
        let mut frames = vec![ip.clone(); 300];
        for k in 0..40 {
            frames.extend(std::iter::repeat_n(ip.clone(), k % 5));
            frames.push(if k % 3 == 0 {
                other.clone()
            } else {
                arp.clone()
            });
            frames.extend(std::iter::repeat_n(arp.clone(), k % 4));
        }
        let want = |f: &Vec<u8>| frames.iter().filter(|x| *x == f).count().to_string();
        let (router, stats) = run_through(config, &frames);
        assert_accounted(&stats, frames.len());
        assert_eq!(router.read_handler("a.count").unwrap(), want(&ip));
        assert_eq!(router.read_handler("b.count").unwrap(), want(&arp));
        assert_eq!(stats.drops[0].to_string(), want(&other));
        // A batch of packets that all match nothing is dropped whole.
        let (_, stats) = run_through(config, &vec![other.clone(); 10]);
        assert_eq!(stats.drops[0], 10);
    }

    #[test]
    fn masks_and_wildcards() {
        let p = program(&["30/0a000000%ff000000", "0/ffffffffffff", "14/4?", "-"]);
        assert_eq!(p.classify(&frame(0x0800, &[(30, 10)], 60)), Some(0));
        assert_eq!(p.classify(&[0xff; 60]), Some(1));
        assert_eq!(p.classify(&frame(0x0800, &[(14, 0x4f)], 60)), Some(2));
        assert_eq!(p.classify(&frame(0x0800, &[(14, 0x5f)], 60)), Some(3));
        // '?' in the mask masks out the nibble too.
        let p = program(&["0/ff%f?", "-"]);
        assert_eq!(p.classify(&[0xf3]), Some(0));
        assert_eq!(p.classify(&[0xe3]), Some(1));
    }

    #[test]
    fn syntax_errors() {
        let err = |p: &str| parse_pattern(p, 2).err();
        assert_eq!(err("x/08").as_deref(), Some("pattern 2: expected a digit"));
        assert_eq!(err("12:08").as_deref(), Some("pattern 2: expected '/'"));
        assert_eq!(
            err("12/8").as_deref(),
            Some("pattern 2: value has less than 2 hex digits")
        );
        assert_eq!(
            err("12/080").as_deref(),
            Some("pattern 2: value has odd number of hex digits")
        );
        assert_eq!(
            err("12/0800%ff").as_deref(),
            Some("pattern 2: mask has too few hex digits")
        );
        assert_eq!(
            err("12/08%ffff").as_deref(),
            Some("pattern 2: mask has too many hex digits")
        );
        assert_eq!(
            err("12/0800x").as_deref(),
            Some("pattern 2: expected a digit")
        );
        assert_eq!(err("!").as_deref(), Some("pattern 2: expected a digit"));
        assert_eq!(
            err("- 12/08").as_deref(),
            Some("pattern 2: expected a digit")
        );
        assert_eq!(
            err("70000/08").as_deref(),
            Some("pattern 2: offset too large")
        );
        assert!(err("65535/08").is_none());
        assert!(err("").is_none());
        assert!(err("  ! 12/0800  14/45 ").is_none());
    }

    #[test]
    fn many_patterns_fall_back_to_a_chain() {
        let patterns: Vec<String> = (0..2000)
            .map(|i| format!("{}/{:02x}", i % 100, i % 256))
            .collect();
        let p = compile_patterns(&patterns).unwrap();
        let data: Vec<u8> = (0..100).map(|i| i as u8).collect();
        for pkt in [&data[..], &data[..3], &[][..]] {
            let want = patterns
                .iter()
                .position(|s| pattern_matches(&parse_pattern(s, 0).unwrap(), pkt));
            assert_eq!(p.classify(pkt), want);
        }
    }

    /// A random pattern in Click's syntax, over a small range of offsets so
    /// that tests overlap.
    fn pattern_text() -> impl Strategy<Value = String> {
        let clause = (
            any::<bool>(),
            0u32..24,
            proptest::collection::vec(
                (
                    0u8..=255,
                    prop_oneof![
                        Just(0xffu8),
                        Just(0x0f),
                        Just(0xf0),
                        Just(0x01),
                        any::<u8>()
                    ],
                ),
                1..6,
            ),
            any::<bool>(),
        )
            .prop_map(|(neg, off, bytes, with_mask)| {
                let mut s = String::new();
                if neg {
                    s.push('!');
                }
                s.push_str(&format!("{off}/"));
                for (v, _) in &bytes {
                    s.push_str(&format!("{v:02x}"));
                }
                if with_mask {
                    s.push('%');
                    for (_, m) in &bytes {
                        s.push_str(&format!("{m:02x}"));
                    }
                }
                s
            });
        prop_oneof![
            1 => Just("-".to_string()),
            8 => proptest::collection::vec(clause, 1..4).prop_map(|c| c.join(" ")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// The compiled tree classifies exactly as the patterns say, short
        /// packets included.
        #[test]
        fn compiled_agrees_with_patterns(
            patterns in proptest::collection::vec(pattern_text(), 0..7),
            packets in proptest::collection::vec(proptest::collection::vec(prop_oneof![Just(0u8), Just(0xff), Just(0x0f), any::<u8>()], 0..32), 1..24),
        ) {
            let parsed: Vec<Pattern> = patterns.iter().enumerate().map(|(i, p)| parse_pattern(p, i).unwrap()).collect();
            let prog = compile(&parsed);
            let laid: Vec<Steps> = parsed.iter().enumerate().map(|(i, p)| lay_out(p, i == 0)).collect();
            let (chain, origin, root) = build_chain(&laid);
            let (chain, root) = order(&chain, &origin, root);
            let (chain, root) = tidy(chain, root);
            let chain = Program::new(chain, root);
            for data in &packets {
                let want = parsed.iter().position(|p| pattern_matches(p, data));
                prop_assert_eq!(prog.classify(data), want, "program:\n{}", prog.unparse());
                prop_assert_eq!(chain.classify(data), want);
            }
        }

        #[test]
        fn random_bytes_never_panic_and_are_accounted(
            frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..9000), 1..8),
        ) {
            let (router, stats) = run_through(
                "Idle -> e :: Classifier(12/0806 20/0001, 12/0800 !23/11, 0/ff?? 8950/00, 14/45%f0);
                 e[0] -> Discard; e[1] -> Discard; e[2] -> Discard; e[3] -> Discard;",
                &frames,
            );
            assert_accounted(&stats, frames.len());
            prop_assert!(router.read_handler("e.program").is_ok());
        }
    }
}
