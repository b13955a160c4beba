//! The Click-language parser: statements, connections, declarations,
//! compound element classes, groups, `require`/`provide`/`define`.
//!
//! Key decision: recursive descent over a peekable lexer, producing a tree
//! without resolving names (see `ast`). Statements end where Click ends
//! them: at `;`, or wherever the next token cannot continue the current
//! connection (so newline-separated statements work without `;`). Nesting
//! is bounded so hostile input cannot exhaust the stack; the first syntax
//! error stops parsing.

use crate::args::ArgValue;
use crate::ast::*;
use crate::diag::Diagnostic;
use crate::lexer::{Lexer, Tok, Token};
use crate::span::{FileId, SourceMap, Span};

/// Deepest nesting of compounds and groups accepted.
pub const MAX_DEPTH: usize = 64;
/// Largest port number accepted in a configuration.
pub const MAX_PORT: u32 = 0xFFFF;
/// Most port numbers (ranges expanded) one configuration may list.
pub const MAX_TOTAL_PORTS: usize = 1 << 20;

/// Parses `text`, adding it to `sources` under `name`.
pub fn parse(sources: &mut SourceMap, name: &str, text: &str) -> Result<Config, Vec<Diagnostic>> {
    let file = sources.add(name, text);
    parse_file(file, text).map_err(|e| vec![e])
}

/// Parses text already added to a source map as `file`.
pub fn parse_file(file: FileId, text: &str) -> Result<Config, Diagnostic> {
    let mut p = Parser {
        lx: Lexer::new(text, file),
        depth: 0,
        prev_end: 0,
        total_ports: 0,
    };
    p.stmts(Ctx::File)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    File,
    Compound,
    Group,
}

struct Parser<'a> {
    lx: Lexer<'a>,
    depth: usize,
    prev_end: usize,
    /// Port numbers listed so far (ranges expanded), to bound memory.
    total_ports: usize,
}

type PResult<T> = Result<T, Diagnostic>;

fn err(span: Span, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Some(span), msg)
}

impl Parser<'_> {
    fn peek(&self) -> PResult<Token> {
        self.lx.peek()
    }

    fn next(&mut self) -> PResult<Token> {
        let t = self.lx.next_token()?;
        if t.tok != Tok::Eof {
            self.prev_end = t.span.end;
        }
        Ok(t)
    }

    fn span_from(&self, start: usize) -> Span {
        self.lx.span(start, self.prev_end.max(start))
    }

    fn nested(&self) -> bool {
        self.depth > 0
    }

    fn stmts(&mut self, ctx: Ctx) -> PResult<Config> {
        let mut stmts = Vec::new();
        loop {
            let t = self.peek()?;
            match &t.tok {
                Tok::Eof => {
                    return match ctx {
                        Ctx::File => Ok(Config { stmts }),
                        // The caller reports the unterminated brace/paren.
                        _ => Ok(Config { stmts }),
                    };
                }
                Tok::Punct('}') | Tok::TwoBar if ctx == Ctx::Compound => {
                    return Ok(Config { stmts });
                }
                Tok::Punct(')') if ctx == Ctx::Group => return Ok(Config { stmts }),
                Tok::Punct(';') => {
                    self.next()?;
                }
                Tok::Elementclass => stmts.push(self.elementclass()?),
                Tok::Require | Tok::Provide | Tok::Define => {
                    let kw = self.next()?;
                    let open = self.next()?;
                    if open.tok != Tok::Punct('(') {
                        return Err(err(
                            open.span,
                            format!(
                                "expected '(' after {}, found {}",
                                kw.tok.describe(),
                                open.tok.describe()
                            ),
                        ));
                    }
                    let (text, span) = self.lx.lex_config(open.span)?;
                    self.prev_end = self.lx.pos();
                    let d = Directive {
                        args: ConfigText { text, span },
                        span: self.span_from(kw.span.start),
                    };
                    stmts.push(match kw.tok {
                        Tok::Require => Stmt::Require(d),
                        Tok::Provide => Stmt::Provide(d),
                        _ => Stmt::Define(d),
                    });
                }
                Tok::Ident(_)
                | Tok::Punct('[')
                | Tok::Punct('{')
                | Tok::Punct('(')
                | Tok::Arrow
                | Tok::TwoArrow => stmts.push(Stmt::Connection(self.connection()?)),
                _ => {
                    return Err(err(
                        t.span,
                        format!(
                            "syntax error: expected statement (element, connection, \
                             'elementclass', 'require' or 'define'), found {}",
                            t.tok.describe()
                        ),
                    ));
                }
            }
        }
    }

    fn elementclass(&mut self) -> PResult<Stmt> {
        let kw = self.next()?;
        let t = self.next()?;
        let Tok::Ident(name) = t.tok else {
            return Err(err(
                t.span,
                format!(
                    "expected element class name after 'elementclass', found {}",
                    t.tok.describe()
                ),
            ));
        };
        let name = Ident { name, span: t.span };
        let t = self.next()?;
        let def = match t.tok {
            Tok::Punct('{') => ClassDef::Compound(self.compound(t.span)?),
            Tok::Ident(other) => ClassDef::Synonym(Ident {
                name: other,
                span: t.span,
            }),
            other => {
                return Err(err(
                    t.span,
                    format!(
                        "expected '{{' or element class name after 'elementclass {}', found {}",
                        name.name,
                        other.describe()
                    ),
                ));
            }
        };
        Ok(Stmt::ElementClass(ElementClassDecl {
            name,
            def,
            span: self.span_from(kw.span.start),
        }))
    }

    fn enter(&mut self, span: Span, what: &str) -> PResult<()> {
        if self.depth >= MAX_DEPTH {
            return Err(err(
                span,
                format!("maximum {what} nesting depth ({MAX_DEPTH}) exceeded"),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    /// Parses a compound class body after its `{`.
    fn compound(&mut self, open: Span) -> PResult<CompoundDef> {
        self.enter(open, "compound element")?;
        let mut bodies = Vec::new();
        let mut extends = false;
        loop {
            let t = self.peek()?;
            if t.tok == Tok::ThreeDot {
                self.next()?;
                let close = self.next()?;
                if bodies.is_empty() || close.tok != Tok::Punct('}') {
                    return Err(err(
                        t.span,
                        "'...' should occur last, after one or more compounds: expected '}' after it",
                    ));
                }
                extends = true;
                break;
            }
            let start = t.span.start;
            let formals = self.formals()?;
            let body = self.stmts(Ctx::Compound)?;
            let span = self.span_from(start);
            bodies.push(CompoundBody {
                formals,
                body,
                span,
            });
            let t = self.next()?;
            match t.tok {
                Tok::Punct('}') => break,
                Tok::TwoBar => continue,
                Tok::Eof => {
                    return Err(err(
                        open,
                        "unterminated compound element: expected '}' to match '{'",
                    ));
                }
                other => {
                    return Err(err(
                        t.span,
                        format!("expected '}}' or '||', found {}", other.describe()),
                    ));
                }
            }
        }
        self.depth -= 1;
        Ok(CompoundDef {
            bodies,
            extends,
            span: self.span_from(open.start),
        })
    }

    /// Formal parameters `$a, KEY $b |`, if present.
    fn formals(&mut self) -> PResult<Vec<Formal>> {
        let mut formals = Vec::new();
        loop {
            let t1 = self.peek()?;
            let formal = match &t1.tok {
                Tok::Ident(kw) => {
                    let t2 = self.lx.peek2()?;
                    if let Tok::Variable(v) = &t2.tok {
                        let f = Formal {
                            keyword: Some(kw.clone()),
                            var: v.clone(),
                            span: t1.span.to(t2.span),
                        };
                        self.next()?;
                        self.next()?;
                        f
                    } else {
                        if !formals.is_empty() {
                            return Err(err(
                                t2.span,
                                format!(
                                    "expected parameter variable after '{kw}', found {}",
                                    t2.tok.describe()
                                ),
                            ));
                        }
                        return Ok(formals);
                    }
                }
                Tok::Variable(v) => {
                    let f = Formal {
                        keyword: None,
                        var: v.clone(),
                        span: t1.span,
                    };
                    self.next()?;
                    f
                }
                Tok::Punct('|') if formals.is_empty() => {
                    self.next()?;
                    return Ok(formals);
                }
                other => {
                    if !formals.is_empty() {
                        return Err(err(
                            t1.span,
                            format!("expected parameter variable, found {}", other.describe()),
                        ));
                    }
                    return Ok(formals);
                }
            };
            formals.push(formal);
            let sep = self.next()?;
            match sep.tok {
                Tok::Punct('|') => return Ok(formals),
                Tok::Punct(',') => continue,
                other => {
                    return Err(err(
                        sep.span,
                        format!(
                            "expected ',' or '|' after compound parameter, found {}",
                            other.describe()
                        ),
                    ));
                }
            }
        }
    }

    fn connection(&mut self) -> PResult<Connection> {
        let start = self.peek()?.span.start;
        let mut groups = Vec::new();
        let mut arrows = Vec::new();
        loop {
            let first_in_chain = groups.is_empty();
            let group = self.group(first_in_chain)?;
            groups.push(group);
            let t = self.peek()?;
            match t.tok {
                Tok::Arrow | Tok::TwoArrow => {
                    self.next()?;
                    arrows.push(Arrow {
                        many: t.tok == Tok::TwoArrow,
                        span: t.span,
                    });
                }
                Tok::Punct(';') => {
                    let span = self.span_from(start);
                    self.next()?;
                    return Ok(Connection {
                        groups,
                        arrows,
                        span,
                    });
                }
                Tok::Ident(_)
                | Tok::Punct('{')
                | Tok::Punct('}')
                | Tok::Punct('[')
                | Tok::Punct(')')
                | Tok::TwoBar
                | Tok::Elementclass
                | Tok::Require
                | Tok::Provide
                | Tok::Define
                | Tok::Eof => {
                    return Ok(Connection {
                        groups,
                        arrows,
                        span: self.span_from(start),
                    });
                }
                other => {
                    return Err(err(
                        t.span,
                        format!(
                            "syntax error: expected '->' or ';', found {}",
                            other.describe()
                        ),
                    ));
                }
            }
        }
    }

    fn group(&mut self, first_in_chain: bool) -> PResult<Vec<Endpoint>> {
        let mut eps = Vec::new();
        loop {
            let e = self.endpoint(first_in_chain, eps.is_empty())?;
            let implicit = matches!(e.element, ElementExpr::Implicit { .. });
            eps.push(e);
            // An implicit `output` ends the chain; a comma may follow an
            // implicit `input` only with ports.
            if (first_in_chain || !implicit) && self.peek()?.tok == Tok::Punct(',') {
                self.next()?;
                continue;
            }
            return Ok(eps);
        }
    }

    fn ports(&mut self) -> PResult<PortList> {
        let open = self.next()?; // '['
        let mut ports: Vec<u32> = Vec::new();
        let mut expandable = false;
        let mut dash = false;
        let mut last: Option<u32> = None;
        loop {
            let t = self.next()?;
            match &t.tok {
                Tok::Ident(s) => {
                    let port = u32::parse_arg(s).map_err(|_| {
                        err(
                            t.span,
                            format!("syntax error: port number should be integer, found '{s}'"),
                        )
                    })?;
                    if port > MAX_PORT {
                        return Err(err(
                            t.span,
                            format!("port number {port} too large (maximum {MAX_PORT})"),
                        ));
                    }
                    if dash {
                        let from = last.map_or(0, |l| l + 1);
                        let n = (port as usize + 1).saturating_sub(from as usize);
                        self.total_ports += n;
                        if self.total_ports > MAX_TOTAL_PORTS {
                            return Err(err(
                                t.span,
                                format!(
                                    "too many ports: a configuration may list at most {MAX_TOTAL_PORTS}"
                                ),
                            ));
                        }
                        ports.extend(from..=port);
                    } else {
                        self.total_ports += 1;
                        ports.push(port);
                    }
                    last = Some(port);
                }
                Tok::Punct(']') => {
                    if ports.is_empty() {
                        ports.push(0);
                    }
                    expandable = true;
                    break;
                }
                other => {
                    return Err(err(
                        t.span,
                        format!(
                            "syntax error: expected port number, found {}",
                            other.describe()
                        ),
                    ));
                }
            }
            let t = self.next()?;
            match t.tok {
                Tok::Punct(']') => break,
                Tok::Punct('-') if !dash => dash = true,
                Tok::Punct(',') => dash = false,
                other => {
                    return Err(err(
                        t.span,
                        format!(
                            "syntax error: expected ',' or ']' in port list, found {}",
                            other.describe()
                        ),
                    ));
                }
            }
        }
        // A range written backwards adds nothing, as in Click.
        Ok(PortList {
            ports,
            expandable,
            span: self.span_from(open.span.start),
        })
    }

    fn config_text(&mut self) -> PResult<Option<ConfigText>> {
        let t = self.peek()?;
        if t.tok != Tok::Punct('(') {
            return Ok(None);
        }
        self.next()?;
        let (text, span) = self.lx.lex_config(t.span)?;
        self.prev_end = self.lx.pos();
        Ok(Some(ConfigText { text, span }))
    }

    fn out_ports(&mut self) -> PResult<Option<PortList>> {
        if self.peek()?.tok == Tok::Punct('[') {
            Ok(Some(self.ports()?))
        } else {
            Ok(None)
        }
    }

    fn endpoint(&mut self, first_in_chain: bool, first_in_group: bool) -> PResult<Endpoint> {
        let start = self.peek()?.span.start;
        let mut in_ports = if self.peek()?.tok == Tok::Punct('[') {
            Some(self.ports()?)
        } else {
            None
        };
        let t = self.peek()?;
        let element = match &t.tok {
            Tok::Ident(name) => {
                self.next()?;
                let name = Ident {
                    name: name.clone(),
                    span: t.span,
                };
                let class = if self.peek()?.tok == Tok::TwoColon {
                    let cc = self.next()?;
                    let c = self.next()?;
                    match c.tok {
                        Tok::Ident(cls) => Some(ClassExpr::Name(Ident {
                            name: cls,
                            span: c.span,
                        })),
                        Tok::Punct('{') => {
                            Some(ClassExpr::Compound(Box::new(self.compound(c.span)?)))
                        }
                        other => {
                            return Err(err(
                                c.span,
                                format!(
                                    "missing element type in declaration: expected class name or '{{' after '::', found {}",
                                    other.describe()
                                ),
                            )
                            .with_note(format!("'::' is at {}", cc.span.start)));
                        }
                    }
                } else {
                    None
                };
                let config = self.config_text()?;
                ElementExpr::Named {
                    name,
                    class,
                    config,
                }
            }
            Tok::Punct('{') => {
                self.next()?;
                let def = Box::new(self.compound(t.span)?);
                let config = self.config_text()?;
                ElementExpr::Compound { def, config }
            }
            Tok::Punct('(') => {
                self.next()?;
                self.enter(t.span, "element group")?;
                let body = self.stmts(Ctx::Group)?;
                let close = self.next()?;
                if close.tok != Tok::Punct(')') {
                    return Err(err(
                        t.span,
                        "unterminated element group: expected ')' to match '('",
                    ));
                }
                self.depth -= 1;
                ElementExpr::Group {
                    body,
                    span: self.span_from(t.span.start),
                }
            }
            other => {
                let is_arrow = matches!(other, Tok::Arrow | Tok::TwoArrow);
                let has_in = in_ports.is_some();
                let implicit = self.nested()
                    && if is_arrow {
                        first_in_chain && (has_in || first_in_group)
                    } else if *other == Tok::Punct(',') {
                        has_in
                    } else if *other != Tok::TwoColon {
                        !first_in_chain && (has_in || first_in_group)
                    } else {
                        false
                    };
                if !implicit {
                    let what = if first_in_chain && first_in_group {
                        "expected element name or class".to_string()
                    } else if first_in_group {
                        "expected element after '->'".to_string()
                    } else {
                        "expected element after ','".to_string()
                    };
                    return Err(err(
                        t.span,
                        format!("syntax error: {what}, found {}", other.describe()),
                    ));
                }
                let span = match &in_ports {
                    Some(p) => p.span,
                    None => self.lx.span(t.span.start, t.span.start),
                };
                let out_ports = if first_in_chain {
                    in_ports.take()
                } else {
                    None
                };
                return Ok(Endpoint {
                    in_ports,
                    element: ElementExpr::Implicit { span },
                    out_ports,
                    span,
                });
            }
        };
        let out_ports = self.out_ports()?;
        Ok(Endpoint {
            in_ports,
            element,
            out_ports,
            span: self.span_from(start),
        })
    }
}

#[cfg(test)]
mod tests;
