//! Scripted runs and control: `Script`, `DriverManager`, and the control
//! socket behind `yard click -p`/`-u`.
//!
//! Key decision: these elements reach the rest of the router only through
//! the engine's handler access (`TaskContext::handlers`) and its stop
//! events, so a script or a control connection can do nothing to a router
//! that a handler call could not.

pub mod controlsocket;
pub mod drivermanager;
pub mod script;

use engine::{ElementSpec, HandlerAccess, HandlerError};

/// Every element class of this group.
pub fn specs() -> Vec<ElementSpec> {
    vec![script::SPEC, drivermanager::SPEC, controlsocket::SPEC]
}

/// The Click version the global `version` handler reports: the language
/// and handler set this driver follows.
pub const CLICK_VERSION: &str = "2.1";

/// Splits off the first space-separated word, as Click's
/// `cp_shift_spacevec`: quoted strings stay whole. Returns the word and
/// the rest with its leading space removed.
pub(crate) fn shift_word(text: &str) -> (&str, &str) {
    let words = clickconf::args::split_words(text);
    let Some(first) = words.first() else {
        return ("", "");
    };
    let start = first.as_ptr() as usize - text.as_ptr() as usize;
    let end = start + first.len();
    let rest = text.get(end..).unwrap_or("");
    let rest = match words.get(1) {
        Some(second) => {
            let at = second.as_ptr() as usize - text.as_ptr() as usize;
            text.get(at..).unwrap_or("")
        }
        None => rest.trim_start(),
    };
    (
        first,
        rest.trim_end_matches(|c: char| c.is_ascii_whitespace()),
    )
}

/// Formats a number as C's `%.{precision}g`, as Click prints doubles
/// (`String(double)` is `%.12g`).
pub(crate) fn format_g(x: f64, precision: usize) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    let p = precision.max(1);
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // The exponent after rounding to p significant digits.
    let sci = format!("{:.*e}", p - 1, x);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        let mantissa = trim_fraction(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        trim_fraction(&format!("{:.*}", decimals, x)).to_string()
    }
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// The element a name used inside element `context` refers to, as Click
/// looks names up relative to the compound the context element is in:
/// `a/b/s` looking for `c` tries `a/b/c`, `a/c`, then `c`.
pub(crate) fn resolve_element(context: &str, name: &str, names: &[String]) -> Option<String> {
    let mut prefix = context;
    loop {
        prefix = match prefix.rfind('/') {
            Some(i) => &prefix[..i],
            None => "",
        };
        let candidate = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        if names.contains(&candidate) {
            return Some(candidate);
        }
        if prefix.is_empty() {
            return None;
        }
    }
}

/// Reads one of the router's global handlers (those named without an
/// element): `version` and `list`. `None` when there is no such global
/// read handler.
pub(crate) fn read_global(name: &str, handlers: &dyn HandlerAccess) -> Option<String> {
    match name {
        "version" => Some(CLICK_VERSION.to_string()),
        "list" => {
            let names = handlers.element_names();
            let mut s = format!("{}\n", names.len());
            for n in names {
                s.push_str(&n);
                s.push('\n');
            }
            Some(s)
        }
        _ => None,
    }
}

/// Writes one of the router's global handlers: `stop` (one stop event per
/// write, or N for `stop N`). `None` when there is no such global write
/// handler.
pub(crate) fn write_global(
    name: &str,
    value: &str,
    handlers: &dyn HandlerAccess,
) -> Option<Result<(), HandlerError>> {
    match name {
        "stop" => {
            let value = value.trim();
            let n = if value.is_empty() {
                Ok(1)
            } else {
                value
                    .parse::<u32>()
                    .map_err(|_| HandlerError::BadValue("expected integer".into()))
            };
            Some(n.map(|n| {
                for _ in 0..n.min(1024) {
                    handlers.request_stop();
                }
            }))
        }
        _ => None,
    }
}

/// Whether a global handler exists with that access.
pub(crate) fn has_global(name: &str, write: bool) -> bool {
    if write {
        name == "stop"
    } else {
        matches!(name, "version" | "list")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_shift_like_click() {
        assert_eq!(shift_word("set x 1"), ("set", "x 1"));
        assert_eq!(shift_word("  \"a b\"  c d "), ("\"a b\"", "c d"));
        assert_eq!(shift_word("word"), ("word", ""));
        assert_eq!(shift_word(""), ("", ""));
    }

    #[test]
    fn numbers_format_like_printf_g() {
        assert_eq!(format_g(10.0 / 3.0, 12), "3.33333333333");
        assert_eq!(format_g(3.5, 12), "3.5");
        assert_eq!(format_g(1e21, 12), "1e+21");
        assert_eq!(format_g(f64::INFINITY, 12), "inf");
        assert_eq!(format_g(0.0001, 12), "0.0001");
        assert_eq!(format_g(0.00001, 12), "1e-05");
        assert_eq!(format_g(100.0, 12), "100");
        assert_eq!(format_g(-4.5, 12), "-4.5");
    }

    #[test]
    fn names_resolve_inside_compounds() {
        let names: Vec<String> = ["c", "a/c", "a/b/s"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            resolve_element("a/b/s", "c", &names).as_deref(),
            Some("a/c")
        );
        assert_eq!(resolve_element("s", "c", &names).as_deref(), Some("c"));
        assert_eq!(resolve_element("s", "x", &names), None);
    }
}
