//! `$variable` expansion in configuration strings, as Click's `cp_expand`:
//! `$name`, `${name}`, `${name-default}`, `${name[N]}`, `$(...)`, with
//! quoting inside double quotes and no expansion inside single quotes.
//!
//! Key decision: expansion is bounded on every axis Click leaves open — a
//! variable referring to itself is left as written, nesting stops at
//! Click's depth of 10, and the output size is capped — so a few bytes of
//! `define` cannot make flattening run out of time or memory.

use crate::args::{self, split_words};

/// Deepest `$variable` expansion (as Click).
pub(crate) const MAX_VAR_DEPTH: u32 = 10;

/// One scope of variables: a compound instance's parameters and defines
/// (or the file's defines at depth 0), with its lexical parent.
pub(crate) struct Env {
    pub(crate) depth: usize,
    pub(crate) parent: Option<usize>,
    pub(crate) vars: Vec<(String, String)>,
}

/// An undefined `$name` at `offset..offset+len` of the expanded text.
pub(crate) struct Undefined {
    pub(crate) name: String,
    pub(crate) offset: usize,
    pub(crate) len: usize,
}

/// Most bytes one configuration string may grow to by `$` expansion.
pub(crate) const MAX_EXPANSION: usize = 256 * 1024;
/// Most bytes all expansions of a configuration may produce together.
pub(crate) const MAX_TOTAL_EXPANSION: usize = 16 * 1024 * 1024;

/// State of one `expand_vars` call tree.
pub(crate) struct ExpandState {
    /// Undefined `$names` at the top level (with offsets into the text).
    pub(crate) undefined: Vec<Undefined>,
    /// Variables being expanded (environment, name): a reference to one of
    /// these is left as written instead of recursing forever.
    pub(crate) active: Vec<(usize, String)>,
    pub(crate) produced: usize,
    pub(crate) limit: usize,
    pub(crate) too_large: bool,
}

impl ExpandState {
    pub(crate) fn new(limit: usize) -> ExpandState {
        ExpandState {
            undefined: Vec::new(),
            active: Vec::new(),
            produced: 0,
            limit,
            too_large: false,
        }
    }
}

pub(crate) fn lookup_var<'e>(
    envs: &'e [Env],
    env: Option<usize>,
    name: &str,
) -> Option<(&'e str, Option<usize>)> {
    let mut e = env;
    while let Some(i) = e {
        let en = envs.get(i)?;
        if let Some((_, v)) = en.vars.iter().find(|(n, _)| n == name) {
            return Some((v.as_str(), Some(i)));
        }
        e = en.parent;
    }
    None
}

pub(crate) fn expand_vars(
    config: &str,
    envs: &[Env],
    env: Option<usize>,
    depth: u32,
    st: &mut ExpandState,
) -> String {
    if !config.contains('$') || st.too_large {
        return config.to_string();
    }
    let s = config.as_bytes();
    let end = s.len();
    let mut out = String::new();
    let mut uninterp = 0;
    let mut quote = 0u8;
    let mut i = 0;
    let mut changed = false;
    while i < end {
        match s[i] {
            b'\\' if i + 1 < end && quote == b'"' => {
                i += 1;
            }
            b'\'' | b'"' => {
                if quote == 0 {
                    quote = s[i];
                } else if quote == s[i] {
                    quote = 0;
                }
            }
            b'/' if quote == 0 && matches!(s.get(i + 1), Some(b'/') | Some(b'*')) => {
                // Skip comments (and following space).
                let mut j = i;
                loop {
                    while j < end && s[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    if j + 1 < end && s[j] == b'/' && s[j + 1] == b'/' {
                        while j < end && s[j] != b'\n' && s[j] != b'\r' {
                            j += 1;
                        }
                    } else if j + 1 < end && s[j] == b'/' && s[j + 1] == b'*' {
                        j += 2;
                        while j + 1 < end && !(s[j] == b'*' && s[j + 1] == b'/') {
                            j += 1;
                        }
                        j = (j + 2).min(end);
                    } else {
                        break;
                    }
                }
                i = j;
                continue;
            }
            b'$' if i + 1 < end && quote != b'\'' && depth <= MAX_VAR_DEPTH => {
                let before = i;
                let c = s[i + 1];
                let (vname, vtype, after, expand_name) = if c == b'{' {
                    let start = i + 2;
                    let Some(close) = config[start..].find('}') else {
                        break;
                    };
                    let v = &config[start..start + close];
                    (v.to_string(), b'{', start + close + 1, v.contains('$'))
                } else if c == b'(' {
                    let start = i + 2;
                    let mut level = 1;
                    let mut nq = 0u8;
                    let mut j = start;
                    let mut has_dollar = false;
                    while j < end && level > 0 {
                        match s[j] {
                            b'(' if nq == 0 => level += 1,
                            b')' if nq == 0 => level -= 1,
                            b'"' | b'\'' => {
                                if nq == 0 {
                                    nq = s[j];
                                } else if nq == s[j] {
                                    nq = 0;
                                }
                            }
                            b'\\' if j + 1 < end && nq != b'\'' => j += 1,
                            b'$' if nq != b'\'' => has_dollar = true,
                            _ => {}
                        }
                        j += 1;
                    }
                    if level > 0 || j == start {
                        break;
                    }
                    (config[start..j - 1].to_string(), b'(', j, has_dollar)
                } else if c.is_ascii_alphanumeric() || c == b'_' {
                    let mut j = i + 1;
                    while j < end && (s[j].is_ascii_alphanumeric() || s[j] == b'_') {
                        j += 1;
                    }
                    (config[i + 1..j].to_string(), b'a', j, false)
                } else if matches!(c, b'?' | b'#' | b'$') {
                    (config[i + 1..i + 2].to_string(), b'?', i + 2, false)
                } else {
                    i += 1;
                    continue;
                };
                out.push_str(&config[uninterp..before]);
                let vname = if expand_name {
                    expand_vars(&vname, envs, env, depth + 1, st)
                } else {
                    vname
                };
                // `${name}`, `${name[N]}`, `${name-default}`.
                let (lookup_name, index, default) = if vtype == b'{' {
                    let t = vname.trim_start();
                    let nend = t
                        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                        .unwrap_or(t.len());
                    let name = &t[..nend];
                    let mut rest = t[nend..].trim_start();
                    let mut index = None;
                    if let Some(r) = rest.strip_prefix('[')
                        && let Some(close) = r.find(']')
                        && let Ok(n) = r[..close].trim().parse::<usize>()
                    {
                        index = Some(n);
                        rest = r[close + 1..].trim_start();
                    }
                    let default = rest.strip_prefix('-').map(|d| d.to_string());
                    (name.to_string(), index, default)
                } else {
                    (vname.clone(), None, None)
                };
                let found = lookup_var(envs, env, &lookup_name);
                let recursive = found.is_some_and(|(_, at)| {
                    st.active
                        .iter()
                        .any(|(e, n)| Some(*e) == at && *n == lookup_name)
                });
                let value = match found {
                    _ if recursive => None,
                    Some((v, at)) => {
                        st.active.push((at.unwrap_or(0), lookup_name.clone()));
                        let v = expand_vars(v, envs, at, depth + 1, st);
                        st.active.pop();
                        Some(match index {
                            Some(n) => split_words(&v)
                                .get(n)
                                .map(|w| w.to_string())
                                .unwrap_or_default(),
                            None => v,
                        })
                    }
                    None => default.map(|d| expand_vars(&d, envs, env, depth + 1, st)),
                };
                match value {
                    None => {
                        if depth == 0 && !recursive && (vtype == b'a' || vtype == b'{') {
                            st.undefined.push(Undefined {
                                name: lookup_name,
                                offset: before,
                                len: after - before,
                            });
                        }
                        // Leave the text as written.
                        out.push_str(&config[before..after]);
                        uninterp = after;
                    }
                    Some(v) => {
                        changed = true;
                        st.produced = st.produced.saturating_add(v.len());
                        if st.produced > st.limit {
                            st.too_large = true;
                            break;
                        }
                        if quote == b'"' {
                            let q = args::quote(v.as_bytes());
                            out.push_str(&q[1..q.len() - 1]);
                        } else {
                            out.push_str(&v);
                        }
                        uninterp = after;
                    }
                }
                i = after;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if !changed {
        return config.to_string();
    }
    out.push_str(&config[uninterp.min(end)..]);
    out
}
