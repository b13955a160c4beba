//! The Click-language lexer: identifiers, `$variables`, `->`, `=>`, `::`,
//! `||`, `...`, keywords, punctuation, comments and `#` line directives,
//! plus the raw configuration-string mode used after `(`.
//!
//! Key decision: the lexer is a cursor over bytes with no hidden state
//! other than its position, so the parser can peek any distance ahead by
//! copying it, and lexing never records errors on its own — each call
//! returns `Result`, which keeps lookahead side-effect free.

use crate::diag::Diagnostic;
use crate::span::{FileId, Span};

/// Kinds of token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// Identifier: `[A-Za-z0-9_@]+` with single `/` between word characters.
    Ident(String),
    /// `$name`.
    Variable(String),
    /// `->`
    Arrow,
    /// `=>`
    TwoArrow,
    /// `::`
    TwoColon,
    /// `||`
    TwoBar,
    /// `...`
    ThreeDot,
    Elementclass,
    Require,
    Provide,
    Define,
    /// Any other single character.
    Punct(char),
    Eof,
}

impl Tok {
    /// How the token is quoted in messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Variable(s) => format!("'${s}'"),
            Tok::Arrow => "'->'".into(),
            Tok::TwoArrow => "'=>'".into(),
            Tok::TwoColon => "'::'".into(),
            Tok::TwoBar => "'||'".into(),
            Tok::ThreeDot => "'...'".into(),
            Tok::Elementclass => "'elementclass'".into(),
            Tok::Require => "'require'".into(),
            Tok::Provide => "'provide'".into(),
            Tok::Define => "'define'".into(),
            Tok::Punct(c) => format!("'{}'", c.escape_default()),
            Tok::Eof => "end of file".into(),
        }
    }
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Lexer state: the text and a position.
#[derive(Clone, Debug)]
pub struct Lexer<'a> {
    text: &'a str,
    file: FileId,
    pos: usize,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'@'
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str, file: FileId) -> Lexer<'a> {
        Lexer { text, file, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// Current byte offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn at_line_start(&self, i: usize) -> bool {
        i == 0 || matches!(self.bytes().get(i - 1), Some(b'\n') | Some(b'\r'))
    }

    /// Skips a comment starting at `i` (`//` or `/*`).
    fn skip_comment(&self, i: usize) -> Result<usize, Diagnostic> {
        let s = self.bytes();
        if s.get(i + 1) == Some(&b'/') {
            let mut j = i + 2;
            while j < s.len() && s[j] != b'\n' && s[j] != b'\r' {
                j += 1;
            }
            Ok(j)
        } else {
            let mut j = i + 2;
            while j + 1 < s.len() {
                if s[j] == b'*' && s[j + 1] == b'/' {
                    return Ok(j + 2);
                }
                j += 1;
            }
            Err(Diagnostic::error(
                Some(self.span(i, i + 2)),
                "unterminated comment: expected '*/'",
            ))
        }
    }

    /// Processes a `#` line directive at `i`; returns the end of its line.
    /// Line numbers are not remapped: spans always refer to the text as given.
    fn line_directive(&self, i: usize) -> Result<usize, Diagnostic> {
        let s = self.bytes();
        let mut j = i + 1;
        while j < s.len() && (s[j] == b' ' || s[j] == b'\t') {
            j += 1;
        }
        if s.len() > j + 4 && &s[j..j + 4] == b"line" && (s[j + 4] == b' ' || s[j + 4] == b'\t') {
            j += 5;
            while j < s.len() && (s[j] == b' ' || s[j] == b'\t') {
                j += 1;
            }
        }
        if j >= s.len() || !s[j].is_ascii_digit() {
            let mut e = i;
            while e < s.len() && s[e] != b'\n' && s[e] != b'\r' {
                e += 1;
            }
            return Err(Diagnostic::error(
                Some(self.span(i, e.max(i + 1))),
                "unknown preprocessor directive: expected '# LINE \"FILE\"'",
            ));
        }
        while j < s.len() && s[j] != b'\n' && s[j] != b'\r' {
            j += 1;
        }
        Ok(j)
    }

    /// Skips space, comments and line directives from the current position.
    fn skip_trivia(&mut self) -> Result<(), Diagnostic> {
        let s = self.bytes();
        loop {
            while self.pos < s.len() && is_space(s[self.pos]) {
                self.pos += 1;
            }
            if self.pos >= s.len() {
                return Ok(());
            }
            if s[self.pos] == b'/' && matches!(s.get(self.pos + 1), Some(b'/') | Some(b'*')) {
                self.pos = self.skip_comment(self.pos)?;
            } else if s[self.pos] == b'#' && self.at_line_start(self.pos) {
                self.pos = self.line_directive(self.pos)?;
            } else {
                return Ok(());
            }
        }
    }

    /// Lexes the next token.
    pub fn next_token(&mut self) -> Result<Token, Diagnostic> {
        self.skip_trivia()?;
        let s = self.bytes();
        let start = self.pos;
        if start >= s.len() {
            return Ok(Token {
                tok: Tok::Eof,
                span: self.span(s.len(), s.len()),
            });
        }
        let c = s[start];
        if is_word(c) {
            let mut i = start + 1;
            loop {
                while i < s.len() && is_word(s[i]) {
                    i += 1;
                }
                if i + 1 < s.len() && s[i] == b'/' && is_word(s[i + 1]) {
                    i += 1;
                    continue;
                }
                break;
            }
            self.pos = i;
            let word = &self.text[start..i];
            let tok = match word {
                "elementclass" => Tok::Elementclass,
                "require" => Tok::Require,
                "provide" => Tok::Provide,
                "define" => Tok::Define,
                _ => Tok::Ident(word.to_string()),
            };
            return Ok(Token {
                tok,
                span: self.span(start, i),
            });
        }
        if c == b'$' {
            let mut i = start + 1;
            while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_') {
                i += 1;
            }
            if i > start + 1 {
                self.pos = i;
                return Ok(Token {
                    tok: Tok::Variable(self.text[start + 1..i].to_string()),
                    span: self.span(start, i),
                });
            }
        }
        let two = |a: u8, b: u8| c == a && s.get(start + 1) == Some(&b);
        let (tok, len) = if two(b'-', b'>') {
            (Tok::Arrow, 2)
        } else if two(b'=', b'>') {
            (Tok::TwoArrow, 2)
        } else if two(b':', b':') {
            (Tok::TwoColon, 2)
        } else if two(b'|', b'|') {
            (Tok::TwoBar, 2)
        } else if c == b'.' && s.get(start + 1) == Some(&b'.') && s.get(start + 2) == Some(&b'.') {
            (Tok::ThreeDot, 3)
        } else {
            let ch = self.text[start..].chars().next().unwrap_or('\u{fffd}');
            (Tok::Punct(ch), ch.len_utf8().max(1))
        };
        self.pos = start + len;
        Ok(Token {
            tok,
            span: self.span(start, start + len),
        })
    }

    /// The next token without consuming it.
    pub fn peek(&self) -> Result<Token, Diagnostic> {
        self.clone().next_token()
    }

    /// The token after the next one.
    pub fn peek2(&self) -> Result<Token, Diagnostic> {
        let mut l = self.clone();
        l.next_token()?;
        l.next_token()
    }

    /// Reads a configuration string after an opening parenthesis (at
    /// `open`) up to the matching `)`, which is consumed. Returns the text
    /// (line directives removed, comments kept as Click does) and the span
    /// of the text between the parentheses.
    pub fn lex_config(&mut self, open: Span) -> Result<(String, Span), Diagnostic> {
        let s = self.bytes();
        let start = self.pos;
        let mut depth = 1usize;
        let mut i = start;
        let mut out = String::new();
        let mut seg = start;
        while i < s.len() {
            match s[i] {
                b'(' => {
                    depth += 1;
                    i += 1;
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        out.push_str(&self.text[seg..i]);
                        self.pos = i + 1;
                        return Ok((out, self.span(start, i)));
                    }
                    i += 1;
                }
                b'#' if i > 0 && matches!(s[i - 1], b'\n' | b'\r') => {
                    out.push_str(&self.text[seg..i]);
                    i = self.line_directive(i)?;
                    seg = i;
                }
                b'/' if matches!(s.get(i + 1), Some(b'/') | Some(b'*')) => {
                    i = self.skip_comment(i)?;
                }
                b'"' | b'\'' => {
                    i = self.skip_quote(i)?;
                }
                b'\\' if s.get(i + 1) == Some(&b'<') => {
                    i = self.skip_backslash_angle(i)?;
                }
                _ => i += 1,
            }
        }
        Err(Diagnostic::error(
            Some(open),
            "unterminated configuration string: expected ')' to match '('",
        ))
    }

    fn skip_backslash_angle(&self, i: usize) -> Result<usize, Diagnostic> {
        let s = self.bytes();
        let mut j = i + 2;
        while j < s.len() {
            if s[j] == b'/' && matches!(s.get(j + 1), Some(b'/') | Some(b'*')) {
                j = self.skip_comment(j)?;
            } else if s[j] == b'>' {
                return Ok(j + 1);
            } else {
                j += 1;
            }
        }
        Err(Diagnostic::error(
            Some(self.span(i, i + 2)),
            "unterminated '\\<' block: expected '>'",
        ))
    }

    fn skip_quote(&self, i: usize) -> Result<usize, Diagnostic> {
        let s = self.bytes();
        let endc = s[i];
        let mut j = i + 1;
        while j < s.len() {
            if s[j] == b'\\' && endc == b'"' && j + 1 < s.len() {
                if s[j + 1] == b'<' {
                    j = self.skip_backslash_angle(j)?;
                } else {
                    j += 2;
                }
            } else if s[j] == endc {
                return Ok(j + 1);
            } else {
                j += 1;
            }
        }
        let q = endc as char;
        Err(Diagnostic::error(
            Some(self.span(i, i + 1)),
            format!("unterminated quoted string: expected closing {q}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        let mut l = Lexer::new(text, FileId(0));
        let mut out = Vec::new();
        loop {
            let t = l.next_token().map(|t| t.tok);
            match t {
                Ok(Tok::Eof) => return out,
                Ok(t) => out.push(t),
                Err(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn tokens() {
        assert_eq!(
            toks("a/b :: X@1 -> [0] c => d || ... $x // hi\n/* x */ elementclass"),
            vec![
                Tok::Ident("a/b".into()),
                Tok::TwoColon,
                Tok::Ident("X@1".into()),
                Tok::Arrow,
                Tok::Punct('['),
                Tok::Ident("0".into()),
                Tok::Punct(']'),
                Tok::Ident("c".into()),
                Tok::TwoArrow,
                Tok::Ident("d".into()),
                Tok::TwoBar,
                Tok::ThreeDot,
                Tok::Variable("x".into()),
                Tok::Elementclass,
            ]
        );
        // '/' ends an identifier unless a word character follows.
        assert_eq!(
            toks("a/ b//c"),
            vec![
                Tok::Ident("a".into()),
                Tok::Punct('/'),
                Tok::Ident("b".into())
            ]
        );
        assert_eq!(
            toks("# 3 \"x\"\na\n#line 4\n"),
            vec![Tok::Ident("a".into())]
        );
        assert_eq!(toks("é"), vec![Tok::Punct('é')]);
    }

    #[test]
    fn config_strings() {
        let text = "(a, (b), \")\" /* ) */ '(' \\<29>)x";
        let mut l = Lexer::new(text, FileId(0));
        let open = l.next_token().unwrap();
        let (cfg, span) = l.lex_config(open.span).unwrap();
        assert_eq!(cfg, "a, (b), \")\" /* ) */ '(' \\<29>");
        assert_eq!(span, Span::new(FileId(0), 1, text.len() - 2));
        assert_eq!(l.next_token().unwrap().tok, Tok::Ident("x".into()));
    }

    #[test]
    fn errors() {
        let mut l = Lexer::new("a /* x", FileId(0));
        l.next_token().unwrap();
        let e = l.next_token().unwrap_err();
        assert_eq!(e.message, "unterminated comment: expected '*/'");
        assert_eq!(e.span, Some(Span::new(FileId(0), 2, 4)));
        let mut l = Lexer::new("(\"abc", FileId(0));
        let open = l.next_token().unwrap();
        let e = l.lex_config(open.span).unwrap_err();
        assert!(e.message.starts_with("unterminated quoted string"));
        let mut l = Lexer::new("(abc", FileId(0));
        let open = l.next_token().unwrap();
        let e = l.lex_config(open.span).unwrap_err();
        assert!(e.message.starts_with("unterminated configuration string"));
        let mut l = Lexer::new("#foo", FileId(0));
        assert!(l.next_token().is_err());
    }
}
