//! Diagnostics: errors and warnings that name a place in the source and say
//! what was expected.
//!
//! Key decision: a diagnostic is plain data (severity, optional span,
//! message, notes) and knows nothing about terminals; `render` produces the
//! compiler-style text (`file:line:col: error: ...`, the source line, a
//! caret underline, notes) from a [`SourceMap`] so any front end can print
//! or re-format it.

use std::fmt;

use crate::span::{SourceMap, Span};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// An error or warning about a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub span: Option<Span>,
    pub message: String,
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            span,
            message: message.into(),
            notes: Vec::new(),
        }
    }

    /// A warning at `span`.
    pub fn warning(span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            span,
            message: message.into(),
            notes: Vec::new(),
        }
    }

    /// Adds a note line.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic as
    ///
    /// ```text
    /// file:line:col: error: message
    ///    3 | a :: Cuonter;
    ///      |      ^^^^^^^
    ///   = note: did you mean 'Counter'?
    /// ```
    ///
    /// Without a span: `error: message` (or `file: error: message` is not
    /// possible without a file, so just the severity and message).
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        match self.span {
            Some(span) => {
                let (line, col) = sources.line_col(span);
                let name = sources.name(span.file);
                out.push_str(&format!(
                    "{name}:{line}:{col}: {}: {}\n",
                    self.severity, self.message
                ));
                let text = sources.line_text(span.file, line);
                let gutter = line.to_string();
                let pad = " ".repeat(gutter.len());
                out.push_str(&format!("{gutter} | {text}\n"));
                // Underline: reproduce tabs so the carets line up.
                let mut marker = String::new();
                for ch in text.chars().take((col as usize).saturating_sub(1)) {
                    marker.push(if ch == '\t' { '\t' } else { ' ' });
                }
                let rest: String = text
                    .chars()
                    .skip((col as usize).saturating_sub(1))
                    .collect();
                let span_text = sources
                    .text(span.file)
                    .get(span.start..span.end.max(span.start))
                    .unwrap_or("");
                let span_chars = span_text
                    .split(['\n', '\r'])
                    .next()
                    .unwrap_or("")
                    .chars()
                    .count();
                let width = span_chars.clamp(1, rest.chars().count().max(1));
                marker.push_str(&"^".repeat(width));
                out.push_str(&format!("{pad} | {marker}\n"));
            }
            None => {
                out.push_str(&format!("{}: {}\n", self.severity, self.message));
            }
        }
        for note in &self.notes {
            out.push_str(&format!("  = note: {note}\n"));
        }
        if out.ends_with('\n') {
            out.pop();
        }
        out
    }

    /// Like [`render`](Self::render) but for a diagnostic without span that
    /// still belongs to a named file: `file: error: message`.
    pub fn render_in_file(&self, file_name: &str, sources: &SourceMap) -> String {
        if self.span.is_some() {
            return self.render(sources);
        }
        let mut out = format!("{file_name}: {}: {}", self.severity, self.message);
        for note in &self.notes {
            out.push_str(&format!("\n  = note: {note}"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_with_span_and_note() {
        let mut sm = SourceMap::new();
        let f = sm.add("t.click", "a :: Idle;\nb :: Cuonter;\n");
        let d = Diagnostic::error(
            Some(Span::new(f, 16, 23)),
            "unknown element class 'Cuonter'",
        )
        .with_note("did you mean 'Counter'?");
        assert_eq!(
            d.render(&sm),
            "t.click:2:6: error: unknown element class 'Cuonter'\n\
             2 | b :: Cuonter;\n  \
               |      ^^^^^^^\n  \
             = note: did you mean 'Counter'?"
        );
        assert_eq!(d.to_string(), "unknown element class 'Cuonter'");
    }

    #[test]
    fn render_without_span() {
        let sm = SourceMap::new();
        let d = Diagnostic::warning(None, "something");
        assert_eq!(d.render(&sm), "warning: something");
        assert_eq!(
            d.render_in_file("f.click", &sm),
            "f.click: warning: something"
        );
    }

    #[test]
    fn render_tabs_and_empty_span() {
        let mut sm = SourceMap::new();
        let f = sm.add("t", "\tx -> ;");
        let d = Diagnostic::error(Some(Span::new(f, 7, 7)), "expected element");
        assert_eq!(
            d.render(&sm),
            "t:1:8: error: expected element\n1 | \tx -> ;\n  | \t      ^"
        );
    }
}
