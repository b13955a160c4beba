//! Click's argument grammar: splitting a configuration string into
//! arguments (`cp_argvec`), words (`cp_spacevec`), unquoting (`cp_unquote`),
//! typed values, and the `Args` reader with Click's keyword rules.
//!
//! Key decision: `Args` is all-or-nothing. Reads return values (never write
//! into the caller's fields), every argument remembers its byte range in the
//! original configuration string, and errors carry that range so the engine
//! can point at `file:line:col` of the offending argument. Splitting follows
//! Click exactly: commas split at top level, quotes, backslash escapes,
//! `\<hex>` blocks and comments protect text; parentheses do **not** nest
//! (Click's `cp_argvec` does not track them either).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use thiserror::Error;

/// One comma-separated argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// The argument with surrounding space removed and comments replaced as
    /// Click's `cp_uncomment` does.
    pub text: String,
    /// Byte offset of the argument in the configuration string.
    pub offset: usize,
    /// Length in bytes of the argument in the configuration string.
    pub len: usize,
}

/// A value did not parse.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct ValueError {
    pub message: String,
}

impl ValueError {
    pub fn new(message: impl Into<String>) -> ValueError {
        ValueError {
            message: message.into(),
        }
    }
}

/// An argument error, located by byte range in the configuration string.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct ArgError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// End of a comment starting at `i` (`//` or `/*`); unterminated comments
/// run to the end.
fn skip_comment(s: &[u8], i: usize) -> usize {
    if s.get(i + 1) == Some(&b'/') {
        let mut j = i + 2;
        while j < s.len() && s[j] != b'\n' && s[j] != b'\r' {
            j += 1;
        }
        if j + 1 < s.len() && s[j] == b'\r' && s[j + 1] == b'\n' {
            j += 1;
        }
        (j + 1).min(s.len())
    } else {
        let mut j = i + 2;
        while j + 1 < s.len() {
            if s[j] == b'*' && s[j + 1] == b'/' {
                return j + 2;
            }
            j += 1;
        }
        s.len()
    }
}

fn is_comment_start(s: &[u8], i: usize) -> bool {
    s.get(i) == Some(&b'/') && matches!(s.get(i + 1), Some(b'/') | Some(b'*'))
}

/// End of a backslash escape starting at `i`.
fn skip_backslash(s: &[u8], i: usize) -> usize {
    if i + 1 >= s.len() {
        return s.len();
    }
    if s[i + 1] == b'<' {
        let mut j = i + 2;
        while j < s.len() {
            if s[j] == b'>' {
                return j + 1;
            } else if is_comment_start(s, j) {
                j = skip_comment(s, j);
            } else {
                j += 1;
            }
        }
        return s.len();
    }
    if s[i + 1] == b'\r' && s.get(i + 2) == Some(&b'\n') {
        return i + 3;
    }
    // Keep UTF-8 boundaries: skip the whole escaped character.
    let mut j = i + 2;
    while j < s.len() && (s[j] & 0xC0) == 0x80 {
        j += 1;
    }
    j
}

/// End of a double-quoted string starting at `i` (which is `"`).
fn skip_double_quote(s: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < s.len() {
        match s[j] {
            b'\\' => j = skip_backslash(s, j),
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    s.len()
}

/// End of a single-quoted string starting at `i` (which is `'`).
fn skip_single_quote(s: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < s.len() {
        if s[j] == b'\'' {
            return j + 1;
        }
        j += 1;
    }
    s.len()
}

fn skip_comment_space(s: &[u8], mut i: usize) -> usize {
    while i < s.len() {
        if is_space(s[i]) {
            i += 1;
        } else if is_comment_start(s, i) {
            i = skip_comment(s, i);
        } else {
            break;
        }
    }
    i
}

/// Click's `partial_uncomment`: from `start`, collects one argument (up to
/// an unquoted comma when `stop_at_comma`), returns (text, first byte,
/// end of significant text, position of the comma or end).
fn partial_uncomment(
    str_: &str,
    start: usize,
    stop_at_comma: bool,
) -> (String, usize, usize, usize) {
    let s = str_.as_bytes();
    let mut i = skip_comment_space(s, start);
    let first = i;
    let mut out = String::new();
    let mut left = i;
    let mut right = i;
    let mut closed = false;
    while i < s.len() {
        if is_space(s[i]) {
            i += 1;
        } else if is_comment_start(s, i) {
            i = skip_comment(s, i);
            closed = true;
        } else if s[i] == b',' && stop_at_comma {
            break;
        } else {
            if closed {
                out.push_str(str_.get(left..right).unwrap_or(""));
                out.push(' ');
                left = i;
                closed = false;
            }
            i = match s[i] {
                b'\'' => skip_single_quote(s, i),
                b'"' => skip_double_quote(s, i),
                b'\\' if s.get(i + 1) == Some(&b'<') => skip_backslash(s, i),
                _ => next_char(s, i),
            };
            right = i;
        }
    }
    out.push_str(str_.get(left..right).unwrap_or(""));
    (out, first, right.max(first), i)
}

/// Index after the UTF-8 character starting at `i`.
fn next_char(s: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < s.len() && (s[j] & 0xC0) == 0x80 {
        j += 1;
    }
    j
}

/// Click's `cp_uncomment`: trims space and replaces comments (and the space
/// around them) by one space.
pub fn uncomment(text: &str) -> String {
    partial_uncomment(text, 0, false).0
}

/// Splits a configuration string at top-level commas, as Click's
/// `cp_argvec`. An empty final argument is dropped, so `""` gives no
/// arguments and `"a,"` gives one.
pub fn split_args(config: &str) -> Vec<Arg> {
    let mut out = Vec::new();
    let len = config.len();
    let mut pos = 0;
    while pos < len {
        let (text, first, right, comma) = partial_uncomment(config, pos, true);
        if !text.is_empty() || comma < len {
            let offset = if text.is_empty() {
                first.min(comma)
            } else {
                first
            };
            out.push(Arg {
                text,
                offset,
                len: right.saturating_sub(offset),
            });
        }
        pos = comma + 1;
    }
    out
}

fn skip_spacevec_item(s: &[u8], mut i: usize) -> usize {
    while i < s.len() {
        match s[i] {
            b'/' if is_comment_start(s, i) => return i,
            b'"' => i = skip_double_quote(s, i),
            b'\'' => i = skip_single_quote(s, i),
            b'\\' if s.get(i + 1) == Some(&b'<') => i = skip_backslash(s, i),
            b if is_space(b) => return i,
            _ => i = next_char(s, i),
        }
    }
    i
}

/// Splits an argument into whitespace-separated words, as Click's
/// `cp_spacevec`; quoted strings and `\<...>` blocks stay whole, comments
/// separate words and are dropped.
pub fn split_words(arg: &str) -> Vec<&str> {
    let s = arg.as_bytes();
    let mut out = Vec::new();
    let mut i = skip_comment_space(s, 0);
    while i < s.len() {
        let j = skip_spacevec_item(s, i);
        if j <= i {
            break;
        }
        if let Some(w) = arg.get(i..j) {
            out.push(w);
        }
        i = skip_comment_space(s, j);
    }
    out
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Processes a backslash escape at `i` (inside double quotes, or `\<` outside
/// quotes), appending bytes to `out`; returns the index after it.
fn process_backslash(s: &[u8], i: usize, out: &mut Vec<u8>) -> Result<usize, ValueError> {
    let Some(&c) = s.get(i + 1) else {
        out.push(b'\\');
        return Ok(s.len());
    };
    Ok(match c {
        b'\r' => {
            if s.get(i + 2) == Some(&b'\n') {
                i + 3
            } else {
                i + 2
            }
        }
        b'\n' => i + 2,
        b'a' => {
            out.push(7);
            i + 2
        }
        b'b' => {
            out.push(8);
            i + 2
        }
        b'f' => {
            out.push(12);
            i + 2
        }
        b'n' => {
            out.push(b'\n');
            i + 2
        }
        b'r' => {
            out.push(b'\r');
            i + 2
        }
        b't' => {
            out.push(b'\t');
            i + 2
        }
        b'v' => {
            out.push(11);
            i + 2
        }
        b'0'..=b'7' => {
            let mut v: u32 = 0;
            let mut j = i + 1;
            let mut d = 0;
            while j < s.len() && (b'0'..=b'7').contains(&s[j]) && d < 3 {
                v = v * 8 + u32::from(s[j] - b'0');
                j += 1;
                d += 1;
            }
            out.push((v & 0xFF) as u8);
            j
        }
        b'x' => {
            let mut v: u32 = 0;
            let mut j = i + 2;
            while let Some(h) = s.get(j).copied().and_then(hex_val) {
                v = (v << 4 | u32::from(h)) & 0xFF;
                j += 1;
            }
            if j == i + 2 {
                return Err(ValueError::new("expected hex digits after '\\x'"));
            }
            out.push(v as u8);
            j
        }
        b'<' => {
            let mut j = i + 2;
            let mut acc: u8 = 0;
            let mut nd = 0;
            loop {
                let Some(&b) = s.get(j) else {
                    return Err(ValueError::new("unterminated '\\<' block, expected '>'"));
                };
                if b == b'>' {
                    if nd != 0 {
                        return Err(ValueError::new(
                            "odd number of hex digits in '\\<...>' block",
                        ));
                    }
                    break j + 1;
                } else if let Some(h) = hex_val(b) {
                    acc = acc << 4 | h;
                    nd += 1;
                    if nd == 2 {
                        out.push(acc);
                        acc = 0;
                        nd = 0;
                    }
                    j += 1;
                } else if is_comment_start(s, j) {
                    j = skip_comment(s, j);
                } else if is_space(b) {
                    j += 1;
                } else {
                    return Err(ValueError::new(
                        "expected hex digits or spaces in '\\<...>' block",
                    ));
                }
            }
        }
        _ => {
            // \\, \', \", \$, \, and any other character: the character.
            let j = next_char(s, i + 1);
            out.extend_from_slice(&s[i + 1..j]);
            j
        }
    })
}

/// Removes one level of quoting, as Click's `cp_unquote`: comments are
/// removed, `"..."` has C escapes processed, `'...'` is taken literally,
/// `\<hex>` outside quotes gives bytes, bare text stays as it is.
pub fn unquote(text: &str) -> Result<Vec<u8>, ValueError> {
    let x = uncomment(text);
    let s = x.as_bytes();
    let mut out = Vec::with_capacity(s.len());
    let mut quote: u8 = 0;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        match b {
            b'"' | b'\'' if quote == 0 => {
                quote = b;
                i += 1;
            }
            b'"' | b'\'' if quote == b => {
                quote = 0;
                i += 1;
            }
            b'\\' if i + 1 < s.len() && (quote == b'"' || (quote == 0 && s[i + 1] == b'<')) => {
                i = process_backslash(s, i, &mut out)?;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    if quote != 0 {
        return Err(ValueError::new(format!(
            "unterminated {} quote",
            if quote == b'"' { "double" } else { "single" }
        )));
    }
    Ok(out)
}

/// Quotes bytes so that [`unquote`] gives them back (Click's `cp_quote`).
pub fn quote(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in bytes {
        match b {
            b'\\' | b'"' | b'$' => {
                out.push('\\');
                out.push(b as char);
            }
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            32..=126 => out.push(b as char),
            _ => out.push_str(&format!("\\{:03o}", b)),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// Values

/// A type that can be read from one argument's text.
/// What kind of value a symbolic name stands for in an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NameKind {
    Ipv4,
    Ipv4Prefix,
    Ipv6,
    Ipv6Prefix,
    Ether,
}

/// Symbolic names for argument values, as Click's `AddressInfo` defines:
/// `resolve` answers with the value's text, which is then parsed as if it
/// had been written in place of the name.
pub trait NameResolver: Send + Sync {
    fn resolve(&self, name: &str, kind: NameKind) -> Option<String>;
}

thread_local! {
    static NAMES: std::cell::RefCell<Option<std::sync::Arc<dyn NameResolver>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` with `names` answering symbolic names in arguments parsed on
/// this thread. The engine wraps each element's construction in this, so
/// an `ArgValue` needs no context parameter to see `AddressInfo` names.
pub fn with_names<R>(names: std::sync::Arc<dyn NameResolver>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<std::sync::Arc<dyn NameResolver>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            NAMES.with(|n| *n.borrow_mut() = previous);
        }
    }
    let previous = NAMES.with(|n| n.borrow_mut().replace(names));
    let _restore = Restore(previous);
    f()
}

/// Looks `name` up in the names in force on this thread (see
/// [`with_names`]); `None` outside a [`with_names`] call.
pub fn resolve_name(name: &str, kind: NameKind) -> Option<String> {
    let names = NAMES.with(|n| n.borrow().clone())?;
    names.resolve(name, kind)
}

pub trait ArgValue: Sized {
    fn parse_arg(text: &str) -> Result<Self, ValueError>;
}

impl ArgValue for bool {
    fn parse_arg(text: &str) -> Result<bool, ValueError> {
        match text {
            "0" | "n" | "f" | "false" | "no" => Ok(false),
            "1" | "y" | "t" | "true" | "yes" => Ok(true),
            _ => Err(ValueError::new(
                "expected boolean (true/false, yes/no, 1/0)",
            )),
        }
    }
}

/// Parses an integer as Click's `IntArg` with base 0: optional sign, `0x`
/// hex, `0b` binary, leading `0` octal, otherwise decimal; `_` may separate
/// digits. Returns (negative, magnitude) or None when the text is not a
/// number; `Some((neg, None))` when the magnitude overflows u128.
fn parse_int_parts(text: &str, signed: bool) -> Option<(bool, Option<u128>)> {
    let s = text.as_bytes();
    let mut i = 0;
    let mut neg = false;
    if let Some(&c) = s.first()
        && (c == b'+' || (signed && c == b'-'))
    {
        neg = c == b'-';
        i = 1;
    }
    let base: u32;
    if s.len() > i + 2 && s[i] == b'0' && (s[i + 1] == b'x' || s[i + 1] == b'X') {
        base = 16;
        i += 2;
    } else if s.len() > i + 2 && s[i] == b'0' && (s[i + 1] == b'b' || s[i + 1] == b'B') {
        base = 2;
        i += 2;
    } else if s.get(i) == Some(&b'0') {
        base = 8;
    } else {
        base = 10;
    }
    let digits = &s[i..];
    if digits.is_empty() {
        return None;
    }
    let mut value: Option<u128> = Some(0);
    let mut last_was_digit = false;
    for &c in digits {
        if c == b'_' && last_was_digit {
            last_was_digit = false;
            continue;
        }
        let d = (c as char).to_digit(base)?;
        value = value
            .and_then(|v| v.checked_mul(u128::from(base)))
            .and_then(|v| v.checked_add(u128::from(d)));
        last_was_digit = true;
    }
    if !last_was_digit {
        return None;
    }
    Some((neg, value))
}

macro_rules! unsigned_arg {
    ($($t:ty),*) => {$(
        impl ArgValue for $t {
            fn parse_arg(text: &str) -> Result<$t, ValueError> {
                match parse_int_parts(text, false) {
                    None => Err(ValueError::new("expected unsigned integer")),
                    Some((_, Some(v))) if v <= <$t>::MAX as u128 => Ok(v as $t),
                    Some(_) => Err(ValueError::new(format!("out of range, bound {}", <$t>::MAX))),
                }
            }
        }
    )*};
}
unsigned_arg!(u8, u16, u32, u64, usize);

macro_rules! signed_arg {
    ($($t:ty),*) => {$(
        impl ArgValue for $t {
            fn parse_arg(text: &str) -> Result<$t, ValueError> {
                match parse_int_parts(text, true) {
                    None => Err(ValueError::new("expected integer")),
                    Some((false, Some(v))) if v <= <$t>::MAX as u128 => Ok(v as $t),
                    Some((true, Some(v))) if v <= (<$t>::MAX as u128) + 1 => {
                        Ok((v as i128).wrapping_neg() as $t)
                    }
                    Some((false, _)) => Err(ValueError::new(format!("out of range, bound {}", <$t>::MAX))),
                    Some((true, _)) => Err(ValueError::new(format!("out of range, bound {}", <$t>::MIN))),
                }
            }
        }
    )*};
}
signed_arg!(i8, i16, i32, i64);

impl ArgValue for f64 {
    fn parse_arg(text: &str) -> Result<f64, ValueError> {
        text.parse::<f64>()
            .map_err(|_| ValueError::new("expected real number"))
    }
}

impl ArgValue for String {
    fn parse_arg(text: &str) -> Result<String, ValueError> {
        let bytes = unquote(text)?;
        String::from_utf8(bytes).map_err(|_| ValueError::new("expected UTF-8 text"))
    }
}

/// Parses up to `max_parts` dotted decimal parts (each 0..=255).
fn parse_ipv4_parts(text: &str, allow_partial: bool) -> Option<(Ipv4Addr, usize)> {
    let mut octets = [0u8; 4];
    let mut n = 0;
    for part in text.split('.') {
        if n == 4 || part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let v: u32 = part.parse().ok()?;
        octets[n] = u8::try_from(v).ok()?;
        n += 1;
    }
    if n == 4 || (allow_partial && n >= 1) {
        Some((Ipv4Addr::from(octets), n))
    } else {
        None
    }
}

impl ArgValue for Ipv4Addr {
    fn parse_arg(text: &str) -> Result<Ipv4Addr, ValueError> {
        let literal = |t: &str| parse_ipv4_parts(t, false).map(|(a, _)| a);
        literal(text)
            .or_else(|| resolve_name(text, NameKind::Ipv4).and_then(|v| literal(&v)))
            .ok_or_else(|| ValueError::new("expected IP address"))
    }
}

impl ArgValue for Ipv6Addr {
    fn parse_arg(text: &str) -> Result<Ipv6Addr, ValueError> {
        text.parse::<Ipv6Addr>()
            .ok()
            .or_else(|| resolve_name(text, NameKind::Ipv6).and_then(|v| v.parse().ok()))
            .ok_or_else(|| ValueError::new("expected IPv6 address"))
    }
}

/// An Ethernet address: `00:11:22:33:44:55` or `00-11-22-33-44-55` (one or
/// two hex digits per byte, as Click's `EtherAddressArg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct EtherAddress(pub [u8; 6]);

impl fmt::Display for EtherAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        write!(
            f,
            "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            a[0], a[1], a[2], a[3], a[4], a[5]
        )
    }
}

impl ArgValue for EtherAddress {
    fn parse_arg(text: &str) -> Result<EtherAddress, ValueError> {
        EtherAddress::parse_literal(text).or_else(|e| {
            resolve_name(text, NameKind::Ether)
                .and_then(|v| EtherAddress::parse_literal(&v).ok())
                .ok_or(e)
        })
    }
}

impl EtherAddress {
    /// Parses the address itself, without looking up names.
    pub fn parse_literal(text: &str) -> Result<EtherAddress, ValueError> {
        let err = || ValueError::new("expected Ethernet address");
        let sep = if text.contains(':') { ':' } else { '-' };
        let mut out = [0u8; 6];
        let mut n = 0;
        for part in text.split(sep) {
            if n == 6 || part.is_empty() || part.len() > 2 {
                return Err(err());
            }
            out[n] = u8::from_str_radix(part, 16).map_err(|_| err())?;
            if !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(err());
            }
            n += 1;
        }
        if n == 6 {
            Ok(EtherAddress(out))
        } else {
            Err(err())
        }
    }
}

/// An IPv4 prefix: `10.0.0.0/8`, `10.0.0.0/255.0.0.0`, `10/8`, or a bare
/// address (length 32).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpPrefix {
    pub addr: Ipv4Addr,
    pub len: u8,
}

impl IpPrefix {
    /// The netmask for `len`.
    pub fn mask(&self) -> Ipv4Addr {
        let m = if self.len == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.len.min(32)))
        };
        Ipv4Addr::from(m)
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl ArgValue for IpPrefix {
    fn parse_arg(text: &str) -> Result<IpPrefix, ValueError> {
        IpPrefix::parse_literal(text).or_else(|e| {
            resolve_name(text, NameKind::Ipv4Prefix)
                .and_then(|v| IpPrefix::parse_literal(&v).ok())
                .ok_or(e)
        })
    }
}

impl IpPrefix {
    /// Parses the prefix itself, without looking up names.
    pub fn parse_literal(text: &str) -> Result<IpPrefix, ValueError> {
        let err = || ValueError::new("expected IP prefix");
        match text.split_once('/') {
            None => Ok(IpPrefix {
                addr: parse_ipv4_parts(text, false)
                    .map(|(a, _)| a)
                    .ok_or_else(err)?,
                len: 32,
            }),
            Some((a, l)) => {
                let (addr, _) = parse_ipv4_parts(a, true).ok_or_else(err)?;
                let len = if l.contains('.') {
                    let (m, _) = parse_ipv4_parts(l, false).ok_or_else(err)?;
                    let m = u32::from(m);
                    let ones = m.leading_ones();
                    if m.checked_shl(ones).unwrap_or(0) != 0 {
                        return Err(ValueError::new(
                            "expected IP prefix (netmask is not contiguous)",
                        ));
                    }
                    ones as u8
                } else {
                    if l.is_empty() || l.len() > 2 || !l.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(err());
                    }
                    let v: u8 = l.parse().map_err(|_| err())?;
                    if v > 32 {
                        return Err(err());
                    }
                    v
                };
                Ok(IpPrefix { addr, len })
            }
        }
    }
}

/// Parses a decimal real (`12`, `0.5`, `.5`, `1e3`, `1_000`) into an exact
/// (mantissa, power of ten) pair.
fn parse_decimal(text: &str) -> Option<(u128, i32)> {
    let s = text.as_bytes();
    let mut i = 0;
    if s.first() == Some(&b'+') {
        i = 1;
    }
    let mut mant: u128 = 0;
    let mut exp: i32 = 0;
    let mut ndigits = 0;
    let mut point = false;
    let mut overflow_digits = 0i32;
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() {
            ndigits += 1;
            if mant < u128::MAX / 100 {
                mant = mant * 10 + u128::from(c - b'0');
                if point {
                    exp -= 1;
                }
            } else if !point {
                overflow_digits += 1;
            }
        } else if c == b'.' && !point {
            point = true;
        } else if c == b'_' && i > 0 && s[i - 1].is_ascii_digit() {
        } else {
            break;
        }
        i += 1;
    }
    if ndigits == 0 {
        return None;
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let mut j = i + 1;
        let mut eneg = false;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            eneg = s[j] == b'-';
            j += 1;
        }
        let start = j;
        let mut e: i32 = 0;
        while j < s.len() && s[j].is_ascii_digit() {
            e = e.saturating_mul(10).saturating_add(i32::from(s[j] - b'0'));
            j += 1;
        }
        if j == start {
            return None;
        }
        exp = exp.saturating_add(if eneg { -e } else { e });
        i = j;
    }
    if i != s.len() {
        return None;
    }
    Some((mant, exp.saturating_add(overflow_digits)))
}

/// Scales `mant * 10^exp * factor` to an integer, rounding to nearest;
/// None on overflow.
fn scale(mant: u128, exp: i32, factor: u128) -> Option<u128> {
    let v = mant.checked_mul(factor)?;
    if exp >= 0 {
        let p = 10u128.checked_pow(u32::try_from(exp).ok()?)?;
        v.checked_mul(p)
    } else {
        let e = u32::try_from(-i64::from(exp)).ok()?;
        if e > 38 {
            return Some(0);
        }
        let p = 10u128.pow(e);
        Some((v + p / 2) / p)
    }
}

/// Strips one unit suffix (tried in order) and an optional SI prefix;
/// returns the number text, the unit's factor and power-of-ten.
fn strip_unit<'a>(
    text: &'a str,
    units: &[(&str, u128, i32)],
    prefixes: &[(char, i32)],
) -> (&'a str, u128, i32) {
    for &(suffix, factor, power) in units {
        if let Some(rest) = text.strip_suffix(suffix) {
            let mut rest = rest;
            let mut power = power;
            if let Some(c) = rest.chars().last()
                && let Some(&(_, p)) = prefixes.iter().find(|(pc, _)| *pc == c)
            {
                rest = &rest[..rest.len() - c.len_utf8()];
                power += p;
            }
            return (rest.trim_end(), factor, power);
        }
    }
    (text, 1, 0)
}

/// A time interval, parsed as Click's `SecondsArg`: a number with an
/// optional unit `s`/`sec`, `m`/`min`, `h`/`hr`, `d`/`day`, and SI prefixes
/// `m`, `u`, `n` on seconds (`10ms`, `5us`). Bare numbers are seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Seconds(pub Duration);

impl ArgValue for Seconds {
    fn parse_arg(text: &str) -> Result<Seconds, ValueError> {
        const UNITS: &[(&str, u128, i32)] = &[
            ("s", 1, 0),
            ("sec", 1, 0),
            ("m", 60, 0),
            ("min", 60, 0),
            ("h", 3600, 0),
            ("hr", 3600, 0),
            ("d", 86400, 0),
            ("day", 86400, 0),
        ];
        const PREFIXES: &[(char, i32)] = &[('m', -3), ('u', -6), ('n', -9)];
        let (num, factor, power) = strip_unit(text, UNITS, PREFIXES);
        let (mant, exp) =
            parse_decimal(num).ok_or_else(|| ValueError::new("expected time in seconds"))?;
        let nanos = scale(mant, exp.saturating_add(power).saturating_add(9), factor)
            .ok_or_else(|| ValueError::new("out of range"))?;
        let secs =
            u64::try_from(nanos / 1_000_000_000).map_err(|_| ValueError::new("out of range"))?;
        Ok(Seconds(Duration::new(secs, (nanos % 1_000_000_000) as u32)))
    }
}

/// A bandwidth in bytes per second, parsed as Click's `BandwidthArg`:
/// `bps`/`b/s`/`baud` are bits, `Bps`/`B/s` bytes, with prefixes `k`/`K`,
/// `M`, `G`; a bare number is bytes per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Bandwidth(pub u64);

impl ArgValue for Bandwidth {
    fn parse_arg(text: &str) -> Result<Bandwidth, ValueError> {
        // Bits are expressed as factor 125 * 10^-3 = 1/8.
        const UNITS: &[(&str, u128, i32)] = &[
            ("baud", 125, -3),
            ("bps", 125, -3),
            ("b/s", 125, -3),
            ("Bps", 1, 0),
            ("B/s", 1, 0),
        ];
        const PREFIXES: &[(char, i32)] = &[('k', 3), ('K', 3), ('M', 6), ('G', 9)];
        let (num, factor, power) = strip_unit(text, UNITS, PREFIXES);
        let (mant, exp) =
            parse_decimal(num).ok_or_else(|| ValueError::new("expected bandwidth"))?;
        let v = scale(mant, exp.saturating_add(power), factor)
            .ok_or_else(|| ValueError::new("out of range"))?;
        u64::try_from(v)
            .map(Bandwidth)
            .map_err(|_| ValueError::new("out of range"))
    }
}

/// Arbitrary bytes, parsed with [`unquote`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Bytes(pub Vec<u8>);

impl ArgValue for Bytes {
    fn parse_arg(text: &str) -> Result<Bytes, ValueError> {
        unquote(text).map(Bytes)
    }
}

// ---------------------------------------------------------------------------
// Args

/// State of one argument in [`Args`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// Not consumed; `kw` is the length of its keyword (0 = none).
    Free { kw: usize },
    /// Consumed as a positional argument.
    Positional,
    /// Consumed as a keyword argument.
    Keyword,
}

/// Reads a configuration string's arguments by name and position, with
/// Click's rules:
///
/// * An argument has a keyword when it starts with a letter or `_`,
///   continues with letters, digits, `_`, `:`, `.`, `?`, `!`, and is
///   followed by space and more text (`KEY value`). Click does not require
///   upper case.
/// * A keyword read matches every argument with that keyword; the **last**
///   one wins and all are consumed.
/// * A positional read takes the next unconsumed argument if it has no
///   keyword; a *mandatory* positional read also takes an argument that looks
///   like it has a keyword when the keyword itself was not given. Positional
///   reading stops at the first argument consumed as a keyword.
/// * `complete` fails with `too many arguments` for leftover positional
///   arguments and `KEY: unknown argument` for leftover keywords.
///
/// Every read either returns its value or an error naming the keyword:
/// `KEY: required argument missing`, `KEY: expected IP address`, ...
#[derive(Clone, Debug)]
pub struct Args {
    args: Vec<Arg>,
    slots: Vec<Slot>,
}

/// Length of the keyword at the start of `text`, as Click's `Args` sees it.
fn keyword_len(text: &str) -> usize {
    let s = text.as_bytes();
    let mut i = 0;
    if let Some(&c) = s.first()
        && (c.is_ascii_alphabetic() || c == b'_')
    {
        i = 1;
        while i < s.len()
            && (s[i].is_ascii_alphanumeric() || matches!(s[i], b'_' | b':' | b'.' | b'?' | b'!'))
        {
            i += 1;
        }
    }
    let mut t = i;
    while t < s.len() && is_space(s[t]) {
        t += 1;
    }
    if i == 0 || t == i || t == s.len() {
        0
    } else {
        i
    }
}

#[derive(Clone, Copy)]
struct Flags {
    positional: bool,
    mandatory: bool,
}

impl Args {
    /// Splits `config` into arguments.
    pub fn new(config: &str) -> Args {
        Args::from_args(split_args(config))
    }

    /// Uses already-split arguments.
    pub fn from_args(args: Vec<Arg>) -> Args {
        let slots = args
            .iter()
            .map(|a| Slot::Free {
                kw: keyword_len(&a.text),
            })
            .collect();
        Args { args, slots }
    }

    /// Number of arguments not yet consumed.
    pub fn remaining(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| matches!(s, Slot::Free { .. }))
            .count()
    }

    /// Finds the argument for `key`: returns (index, value text, value
    /// offset) and marks what it consumed. Mirrors Click's `Args::find`.
    fn find(&mut self, key: &str, flags: Flags) -> Option<(usize, String, usize)> {
        let klen = key.len();
        let mut got: Option<usize> = None;
        let mut position: Option<Option<usize>> = None; // None = unset; Some(None) = stop
        for i in 0..self.slots.len() {
            if position.is_none() && self.slots[i] != Slot::Positional {
                position = Some(match self.slots[i] {
                    Slot::Free { .. } => Some(i),
                    _ => None,
                });
            }
            if let Slot::Free { kw } = self.slots[i]
                && kw == klen
                && klen > 0
                && self.args[i].text.as_bytes().get(..klen) == Some(key.as_bytes())
            {
                got = Some(i);
                self.slots[i] = Slot::Keyword;
            }
        }
        let mut got_kw = got.is_some();
        if flags.positional
            && let Some(Some(p)) = position
            && let Slot::Free { kw } = self.slots[p]
            && ((got.is_none() && flags.mandatory) || kw == 0)
        {
            self.slots[p] = Slot::Positional;
            if got.is_none_or(|g| g < p) {
                got = Some(p);
                got_kw = false;
            }
        }
        let g = got?;
        let a = &self.args[g];
        if got_kw {
            let rest = &a.text[klen..];
            let trimmed = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
            let skip = klen + (rest.len() - trimmed.len());
            Some((g, trimmed.to_string(), skip))
        } else {
            Some((g, a.text.clone(), 0))
        }
    }

    fn error_at(&self, idx: usize, skip: usize, key: &str, e: ValueError) -> ArgError {
        let a = &self.args[idx];
        // The value's range is exact when the argument text equals the
        // source slice (no comments inside); otherwise use the whole argument.
        let (offset, len) = if skip <= a.len && a.text.len() == a.len {
            (a.offset + skip, a.len - skip)
        } else {
            (a.offset, a.len)
        };
        ArgError {
            offset,
            len,
            message: format!("{key}: {}", e.message),
        }
    }

    fn missing(&self, key: &str) -> ArgError {
        let (offset, len) = self.args.last().map_or((0, 0), |a| (a.offset + a.len, 0));
        ArgError {
            offset,
            len,
            message: format!("{key}: required argument missing"),
        }
    }

    fn read_flags<T>(
        &mut self,
        key: &str,
        flags: Flags,
        f: &dyn Fn(&str) -> Result<T, ValueError>,
    ) -> Result<Option<T>, ArgError> {
        let saved = self.slots.clone();
        match self.find(key, flags) {
            None => {
                if flags.mandatory {
                    self.slots = saved;
                    Err(self.missing(key))
                } else {
                    Ok(None)
                }
            }
            Some((idx, text, skip)) => match f(&text) {
                Ok(v) => Ok(Some(v)),
                Err(e) => {
                    self.slots = saved;
                    Err(self.error_at(idx, skip, key, e))
                }
            },
        }
    }

    /// Mandatory positional argument (also accepted as keyword `KEY value`).
    pub fn read_mp<T: ArgValue>(&mut self, key: &str) -> Result<T, ArgError> {
        let flags = Flags {
            positional: true,
            mandatory: true,
        };
        self.read_flags(key, flags, &T::parse_arg)?
            .ok_or_else(|| self.missing(key))
    }

    /// Optional positional argument (or keyword).
    pub fn read_p<T: ArgValue>(&mut self, key: &str) -> Result<Option<T>, ArgError> {
        let flags = Flags {
            positional: true,
            mandatory: false,
        };
        self.read_flags(key, flags, &T::parse_arg)
    }

    /// Optional keyword argument.
    pub fn read<T: ArgValue>(&mut self, key: &str) -> Result<Option<T>, ArgError> {
        let flags = Flags {
            positional: false,
            mandatory: false,
        };
        self.read_flags(key, flags, &T::parse_arg)
    }

    /// Mandatory keyword argument.
    pub fn read_m<T: ArgValue>(&mut self, key: &str) -> Result<T, ArgError> {
        let flags = Flags {
            positional: false,
            mandatory: true,
        };
        self.read_flags(key, flags, &T::parse_arg)?
            .ok_or_else(|| self.missing(key))
    }

    /// Mandatory keyword argument with a custom parser.
    pub fn read_m_with<T>(
        &mut self,
        key: &str,
        f: impl Fn(&str) -> Result<T, ValueError>,
    ) -> Result<T, ArgError> {
        let flags = Flags {
            positional: false,
            mandatory: true,
        };
        self.read_flags(key, flags, &f)?
            .ok_or_else(|| self.missing(key))
    }

    /// Every occurrence of keyword `key`, in order.
    pub fn read_all<T: ArgValue>(&mut self, key: &str) -> Result<Vec<T>, ArgError> {
        let klen = key.len();
        let mut out = Vec::new();
        let mut taken = Vec::new();
        for i in 0..self.slots.len() {
            if let Slot::Free { kw } = self.slots[i]
                && kw == klen
                && klen > 0
                && self.args[i].text.as_bytes().get(..klen) == Some(key.as_bytes())
            {
                let rest = &self.args[i].text[klen..];
                let trimmed = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
                let skip = klen + (rest.len() - trimmed.len());
                match T::parse_arg(trimmed) {
                    Ok(v) => out.push(v),
                    Err(e) => return Err(self.error_at(i, skip, key, e)),
                }
                taken.push(i);
            }
        }
        for i in taken {
            self.slots[i] = Slot::Keyword;
        }
        Ok(out)
    }

    /// Optional keyword argument with a custom parser.
    pub fn read_with<T>(
        &mut self,
        key: &str,
        f: impl Fn(&str) -> Result<T, ValueError>,
    ) -> Result<Option<T>, ArgError> {
        let flags = Flags {
            positional: false,
            mandatory: false,
        };
        self.read_flags(key, flags, &f)
    }

    /// Optional positional argument (or keyword) with a custom parser.
    pub fn read_p_with<T>(
        &mut self,
        key: &str,
        f: impl Fn(&str) -> Result<T, ValueError>,
    ) -> Result<Option<T>, ArgError> {
        let flags = Flags {
            positional: true,
            mandatory: false,
        };
        self.read_flags(key, flags, &f)
    }

    /// Mandatory positional argument (or keyword) with a custom parser.
    pub fn read_mp_with<T>(
        &mut self,
        key: &str,
        f: impl Fn(&str) -> Result<T, ValueError>,
    ) -> Result<T, ArgError> {
        let flags = Flags {
            positional: true,
            mandatory: true,
        };
        self.read_flags(key, flags, &f)?
            .ok_or_else(|| self.missing(key))
    }

    /// Every argument not consumed yet, in order, consumed now — whether or
    /// not it looks like `KEY value` (Click's classifiers and rewriters take
    /// their patterns this way, and `allow src host ...` starts with a
    /// keyword-like word). Read the keywords you know first, then `rest`.
    pub fn rest(&mut self) -> Vec<Arg> {
        let mut out = Vec::new();
        for i in 0..self.slots.len() {
            if let Slot::Free { .. } = self.slots[i] {
                self.slots[i] = Slot::Positional;
                out.push(self.args[i].clone());
            }
        }
        out
    }

    /// Fails if any argument was not consumed: leftover keywords give
    /// `KEY: unknown argument`, leftover positional arguments `too many
    /// arguments` (Click reports keywords first).
    pub fn complete(self) -> Result<(), ArgError> {
        let mut extra: Option<usize> = None;
        for (i, s) in self.slots.iter().enumerate() {
            if let Slot::Free { kw } = *s {
                if kw > 0 {
                    let a = &self.args[i];
                    return Err(ArgError {
                        offset: a.offset,
                        len: a.len,
                        message: format!("{}: unknown argument", &a.text[..kw]),
                    });
                }
                extra.get_or_insert(i);
            }
        }
        match extra {
            Some(i) => {
                let a = &self.args[i];
                Err(ArgError {
                    offset: a.offset,
                    len: a.len,
                    message: "too many arguments".to_string(),
                })
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
