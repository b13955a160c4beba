//! ControlSocket — lets other programs call handlers over a TCP or UNIX socket.
//!
//! ## Synopsis
//! `ControlSocket(TCP, PORT [, READONLY, VERBOSE, LOCALHOST, RETRIES, RETRY_WARNINGS])`
//! `ControlSocket(UNIX, FILENAME [, keywords])`
//!
//! ## Ports
//! None.
//!
//! ## Description
//! Listens on TCP port PORT (`PORT+`: the first free port from PORT on,
//! trying ten) or on the UNIX-domain socket FILENAME, and speaks Click's
//! line protocol `Click::ControlSocket/1.3`: on connecting, the server
//! sends that line; each command is one line (ended by CR, LF or CRLF) of
//! space-separated words; every reply is one or more lines `CODE text`
//! (`CODE-text` for all but the last), ended by CRLF, and for reads
//! followed by `DATA N` and N bytes.
//!
//! Commands: `READ HANDLER [PARAMS]`, `READDATA HANDLER N` (N bytes of
//! parameters follow the line), `READUNTIL HANDLER [TERMINATOR]`
//! (parameters are the lines up to TERMINATOR, default an empty line),
//! `WRITE HANDLER [VALUE]`, `WRITEDATA HANDLER N`, `WRITEUNTIL HANDLER
//! [TERMINATOR]`, `CHECKREAD HANDLER`, `CHECKWRITE HANDLER`, `LLRPC`,
//! `HELP`, `QUIT` (also `GET`, `SET`, `SETDATA`, `CLOSE`). HANDLER is
//! `ELEMENT.NAME`, `N.NAME` (the Nth element, from 1) or a global handler
//! (`version`, `list`; `stop` to write).
//!
//! Codes: 200 OK, 220 OK with warnings, 500 syntax error, 501 unimplemented
//! command, 510 no such element, 511 no such handler, 520 handler error,
//! 521 data too large, 530 permission denied, 590 read handler error.
//!
//! The sockets are non-blocking and polled from the element's task; a bad
//! request gets an error code and changes nothing else.
//!
//! ## Arguments
//! - TYPE: `TCP` or `UNIX`.
//! - PORT: TCP port number or name, or `N+`.
//! - FILENAME: UNIX socket path (removed when the router stops).
//! - READONLY: Boolean; refuse writes. Default false.
//! - VERBOSE: Boolean; print connections opened and closed. Default false.
//! - LOCALHOST: Boolean; a TCP socket listens on 127.0.0.1 only. Default
//!   false.
//! - RETRIES: integer; if the socket cannot be opened, try again once a
//!   second this many times before stopping the router. Default 0 (the
//!   configuration fails).
//! - RETRY_WARNINGS: Boolean; warn at each failed try. Default true.
//!
//! ## Handlers
//! - `port` (read, TCP): the port listened on.
//! - `filename` (read, UNIX): the socket's path.
//!
//! ## Differences from Click
//! LLRPCs are refused (501), as are `PROXY` and `TYPE SOCKET`. Up to 64
//! connections at a time (more are closed on accepting); a command line
//! over 64 KiB or data over 16 MiB is refused (500, 521) and the
//! connection closed, so a client cannot make the router's memory grow.
//! Read handler errors carry the handler's message only.
//!
//! ## Example
//! ```text
//! ControlSocket(TCP, 41930);        // then: echo 'READ c.count' | nc localhost 41930
//! ControlSocket(unix, /tmp/clicksocket);
//! ```

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::Arc;

use clickconf::args::{ArgValue, Args};
use engine::{
    BuildContext, Clock, ConfigError, Element, ElementSpec, HandlerAccess, HandlerError,
    HandlerSpec, InitContext, Output, TaskContext, TaskStatus,
};

use super::{has_global, read_global, write_global};

pub const SPEC: ElementSpec = ElementSpec {
    class: "ControlSocket",
    ports: "0/0",
    processing: "a/a",
    source: include_str!("controlsocket.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read("port", "TCP port listened on"),
        HandlerSpec::read("filename", "UNIX socket path"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

/// The protocol line sent to every new connection.
pub const GREETING: &str = "Click::ControlSocket/1.3\r\n";

const MAX_CONNECTIONS: usize = 64;
const MAX_LINE: usize = 64 * 1024;
const MAX_DATA: usize = 16 * 1024 * 1024;

const OK: u16 = 200;
const SYNTAX: u16 = 500;
const UNIMPLEMENTED: u16 = 501;
const NO_SUCH_ELEMENT: u16 = 510;
const NO_SUCH_HANDLER: u16 = 511;
const HANDLER_ERROR: u16 = 520;
const DATA_TOO_BIG: u16 = 521;
const PERMISSION: u16 = 530;
const UNSPECIFIED: u16 = 590;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Place {
    Tcp { port: u16, plus: bool },
    Unix(String),
}

enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }
}

/// One client connection.
struct Conn {
    stream: Stream,
    id: u64,
    input: Vec<u8>,
    output: Vec<u8>,
    in_closed: bool,
    out_closed: bool,
}

impl Conn {
    fn message(&mut self, code: u16, text: &str, more: bool) {
        let sep = if more { '-' } else { ' ' };
        self.output
            .extend_from_slice(format!("{code}{sep}{}\r\n", printable(text)).as_bytes());
    }
}

/// What happened to one command line.
enum Outcome {
    /// Handled; consumed this many bytes of input.
    Done(usize),
    /// Needs more input than has arrived.
    Wait,
}

pub struct ControlSocket {
    name: String,
    place: Place,
    read_only: bool,
    verbose: bool,
    localhost: bool,
    retries: i64,
    retry_warnings: bool,
    listener: Option<Listener>,
    /// The port or path in force (for `port`/`filename`).
    bound: String,
    conns: Vec<Conn>,
    next_id: u64,
    clock: Arc<dyn Clock>,
    next_retry: u64,
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let kind: String = args.read_mp("TYPE")?;
    let read_only = args.read::<bool>("READONLY")?.unwrap_or(false);
    if args.read::<String>("PROXY")?.is_some() {
        return Err(ConfigError::msg("PROXY is not supported"));
    }
    let verbose = args.read::<bool>("VERBOSE")?.unwrap_or(false);
    let retries = args.read::<i64>("RETRIES")?.unwrap_or(0);
    let retry_warnings = args.read::<bool>("RETRY_WARNINGS")?.unwrap_or(true);
    let localhost = args.read::<bool>("LOCALHOST")?.unwrap_or(false);
    let place = match kind.to_ascii_uppercase().as_str() {
        "TCP" => {
            let text: String = args.read_mp("PORT")?;
            let (num, plus) = match text.strip_suffix('+') {
                Some(n) => (n, true),
                None => (text.as_str(), false),
            };
            let port = u16::parse_arg(num)
                .ok()
                .or_else(|| if plus { None } else { service_port(num) })
                .filter(|&p| !plus || p > 0)
                .ok_or_else(|| ConfigError::msg("PORT requires TCP port"))?;
            Place::Tcp { port, plus }
        }
        "UNIX" => {
            let path: String = args.read_mp("FILENAME")?;
            if path.len() >= 108 {
                return Err(ConfigError::msg("filename too long"));
            }
            Place::Unix(path)
        }
        "SOCKET" => return Err(ConfigError::msg("TYPE SOCKET is not supported")),
        other => return Err(ConfigError::msg(format!("unknown socket type '{other}'"))),
    };
    Ok(Box::new(ControlSocket {
        name: cx.name.clone(),
        bound: match &place {
            Place::Tcp { port, .. } => port.to_string(),
            Place::Unix(p) => p.clone(),
        },
        place,
        read_only,
        verbose,
        localhost,
        retries,
        retry_warnings,
        listener: None,
        conns: Vec::new(),
        next_id: 1,
        clock: cx.clock.clone(),
        next_retry: 0,
    }))
}

/// A few well-known TCP service names, as Click's port argument accepts.
fn service_port(name: &str) -> Option<u16> {
    Some(match name {
        "http" | "www" => 80,
        "https" => 443,
        "ssh" => 22,
        "telnet" => 23,
        "smtp" => 25,
        "ftp" => 21,
        _ => return None,
    })
}

impl ControlSocket {
    /// Opens the listening socket.
    fn open(&mut self) -> Result<(), String> {
        match self.place.clone() {
            Place::Tcp { port, plus } => {
                let ip = if self.localhost {
                    Ipv4Addr::LOCALHOST
                } else {
                    Ipv4Addr::UNSPECIFIED
                };
                let mut p = port;
                let mut tries = 0;
                let listener = loop {
                    match TcpListener::bind(SocketAddrV4::new(ip, p)) {
                        Ok(l) => break l,
                        Err(e) => {
                            if !plus || tries >= 10 || p >= 65534 {
                                return Err(format!("bind: {e}"));
                            }
                            p += 1;
                            tries += 1;
                        }
                    }
                };
                listener
                    .set_nonblocking(true)
                    .map_err(|e| format!("listen: {e}"))?;
                self.bound = listener
                    .local_addr()
                    .map(|a| a.port().to_string())
                    .unwrap_or_else(|_| p.to_string());
                self.listener = Some(Listener::Tcp(listener));
            }
            Place::Unix(path) => {
                let listener = UnixListener::bind(&path).map_err(|e| format!("bind: {e}"))?;
                listener
                    .set_nonblocking(true)
                    .map_err(|e| format!("listen: {e}"))?;
                self.listener = Some(Listener::Unix(listener));
            }
        }
        Ok(())
    }

    /// Accepts waiting connections; returns whether any arrived.
    fn accept(&mut self) -> bool {
        let mut any = false;
        loop {
            let stream = match &self.listener {
                Some(Listener::Tcp(l)) => match l.accept() {
                    Ok((s, addr)) => {
                        if self.verbose {
                            eprintln!(
                                "{}: opened connection {} from {}.{}",
                                self.label(),
                                self.next_id,
                                addr.ip(),
                                addr.port()
                            );
                        }
                        let _ = s.set_nodelay(true);
                        s.set_nonblocking(true).map(|_| Stream::Tcp(s))
                    }
                    Err(_) => break,
                },
                Some(Listener::Unix(l)) => match l.accept() {
                    Ok((s, _)) => {
                        if self.verbose {
                            eprintln!("{}: opened connection {}", self.label(), self.next_id);
                        }
                        s.set_nonblocking(true).map(|_| Stream::Unix(s))
                    }
                    Err(_) => break,
                },
                None => break,
            };
            any = true;
            let Ok(stream) = stream else {
                continue;
            };
            if self.conns.len() >= MAX_CONNECTIONS {
                // Dropping the stream closes it.
                continue;
            }
            let mut conn = Conn {
                stream,
                id: self.next_id,
                input: Vec::new(),
                output: GREETING.as_bytes().to_vec(),
                in_closed: false,
                out_closed: false,
            };
            self.next_id += 1;
            flush(&mut conn);
            self.conns.push(conn);
        }
        any
    }

    fn label(&self) -> String {
        format!("{} :: ControlSocket", self.name)
    }

    /// Reads, answers and writes for every connection; returns whether
    /// anything happened.
    fn serve(&mut self, handlers: &dyn HandlerAccess) -> bool {
        let mut any = false;
        let mut conns = std::mem::take(&mut self.conns);
        for conn in &mut conns {
            if !conn.in_closed {
                let mut buf = [0u8; 4096];
                loop {
                    match conn.stream.read(&mut buf) {
                        Ok(0) => {
                            conn.in_closed = true;
                            any = true;
                            break;
                        }
                        Ok(n) => {
                            any = true;
                            conn.input.extend_from_slice(&buf[..n]);
                            if conn.input.len() > MAX_LINE + MAX_DATA {
                                break;
                            }
                        }
                        Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(_) => {
                            conn.in_closed = true;
                            break;
                        }
                    }
                }
            }
            while !conn.input.is_empty() && !conn.out_closed {
                match self.command(conn, handlers) {
                    Outcome::Done(n) => {
                        conn.input.drain(..n.min(conn.input.len()));
                        any = true;
                    }
                    Outcome::Wait => break,
                }
            }
            flush(conn);
        }
        let before = conns.len();
        conns.retain(|c| {
            let finished =
                (c.in_closed && c.input.is_empty() && c.output.is_empty()) || c.out_closed;
            if finished && self.verbose {
                eprintln!("{}: closed connection {}", self.label(), c.id);
            }
            !finished
        });
        any |= conns.len() != before;
        self.conns = conns;
        any
    }

    /// Handles the first command in a connection's input.
    fn command(&self, conn: &mut Conn, handlers: &dyn HandlerAccess) -> Outcome {
        let Some(eol) = conn.input.iter().position(|&b| b == b'\r' || b == b'\n') else {
            if conn.input.len() > MAX_LINE {
                conn.message(SYNTAX, "Line too long", false);
                conn.in_closed = true;
                return Outcome::Done(conn.input.len());
            }
            if conn.in_closed {
                let n = conn.input.len();
                return self.run_line(conn, n, n, handlers);
            }
            return Outcome::Wait;
        };
        let mut next = eol + 1;
        if conn.input[eol] == b'\r' {
            if eol + 1 == conn.input.len() && !conn.in_closed {
                // A CR may be followed by its LF later.
                return Outcome::Wait;
            }
            if conn.input.get(eol + 1) == Some(&b'\n') {
                next += 1;
            }
        }
        self.run_line(conn, eol, next, handlers)
    }

    /// Runs the command on `input[..eol]`; its data starts at `next`.
    fn run_line(
        &self,
        conn: &mut Conn,
        eol: usize,
        next: usize,
        handlers: &dyn HandlerAccess,
    ) -> Outcome {
        let line = String::from_utf8_lossy(&conn.input[..eol]).into_owned();
        let words: Vec<&str> = line.split_ascii_whitespace().collect();
        let Some(first) = words.first() else {
            return Outcome::Done(next);
        };
        let command = first.to_ascii_uppercase();
        let rest_of = |i: usize| -> String {
            // The text from word `i` to the end, as typed.
            let mut at = 0;
            for (k, w) in words.iter().enumerate() {
                let pos = line[at..].find(w).map(|p| p + at).unwrap_or(at);
                if k == i {
                    return line[pos..].trim_end().to_string();
                }
                at = pos + w.len();
            }
            String::new()
        };
        match command.as_str() {
            "READ" | "GET" | "WRITE" | "SET" => {
                if words.len() < 2 {
                    conn.message(SYNTAX, "Wrong number of arguments", false);
                    return Outcome::Done(next);
                }
                let data = if words.len() > 2 {
                    rest_of(2)
                } else {
                    String::new()
                };
                if matches!(command.as_str(), "READ" | "GET") {
                    self.read_command(conn, words[1], &data, handlers);
                } else {
                    self.write_command(conn, words[1], &data, handlers);
                }
                Outcome::Done(next)
            }
            "READDATA" | "WRITEDATA" | "SETDATA" => {
                if words.len() != 3 {
                    conn.message(SYNTAX, "Wrong number of arguments", false);
                    return Outcome::Done(next);
                }
                let Ok(len) = usize::parse_arg(words[2]) else {
                    conn.message(SYNTAX, &format!("Syntax error in '{command}'"), false);
                    return Outcome::Done(next);
                };
                if len > MAX_DATA {
                    conn.message(
                        DATA_TOO_BIG,
                        &format!("Data too large for '{}'", words[1]),
                        false,
                    );
                    conn.in_closed = true;
                    return Outcome::Done(conn.input.len());
                }
                if conn.input.len() < next + len {
                    if conn.in_closed {
                        conn.message(SYNTAX, "Not enough data", false);
                        return Outcome::Done(conn.input.len());
                    }
                    return Outcome::Wait;
                }
                let data = String::from_utf8_lossy(&conn.input[next..next + len]).into_owned();
                if command == "READDATA" {
                    self.read_command(conn, words[1], &data, handlers);
                } else {
                    self.write_command(conn, words[1], &data, handlers);
                }
                Outcome::Done(next + len)
            }
            "READUNTIL" | "WRITEUNTIL" => {
                if words.len() < 2 {
                    conn.message(SYNTAX, "Wrong number of arguments", false);
                    return Outcome::Done(next);
                }
                let until = if words.len() > 2 {
                    rest_of(2)
                } else {
                    String::new()
                };
                let mut at = next;
                let end = loop {
                    let rel = conn.input[at..]
                        .iter()
                        .position(|&b| b == b'\n' || b == b'\r');
                    let Some(rel) = rel else {
                        if conn.in_closed {
                            conn.message(SYNTAX, "Not enough data", false);
                            return Outcome::Done(conn.input.len());
                        }
                        if conn.input.len() - next > MAX_DATA {
                            conn.message(DATA_TOO_BIG, "Data too large", false);
                            conn.in_closed = true;
                            return Outcome::Done(conn.input.len());
                        }
                        return Outcome::Wait;
                    };
                    let line_end = at + rel;
                    let text = String::from_utf8_lossy(&conn.input[at..line_end]);
                    let mut after = line_end + 1;
                    if conn.input[line_end] == b'\r' && conn.input.get(line_end + 1) == Some(&b'\n')
                    {
                        after += 1;
                    }
                    if text.trim_end() == until {
                        break (at, after);
                    }
                    at = after;
                };
                let data = String::from_utf8_lossy(&conn.input[next..end.0]).into_owned();
                if command == "READUNTIL" {
                    self.read_command(conn, words[1], &data, handlers);
                } else {
                    self.write_command(conn, words[1], &data, handlers);
                }
                Outcome::Done(end.1)
            }
            "CHECKREAD" | "CHECKWRITE" => {
                if words.len() != 2 {
                    conn.message(SYNTAX, "Wrong number of arguments", false);
                } else {
                    self.check_command(conn, words[1], command == "CHECKWRITE", handlers);
                }
                Outcome::Done(next)
            }
            "LLRPC" => {
                if words.len() != 2 && words.len() != 3 {
                    conn.message(SYNTAX, "Wrong number of arguments", false);
                } else {
                    conn.message(
                        UNIMPLEMENTED,
                        &format!("Cannot call LLRPC '{}' remotely", words[1]),
                        false,
                    );
                }
                Outcome::Done(next)
            }
            "QUIT" | "CLOSE" => {
                if words.len() != 1 {
                    conn.message(SYNTAX, "Bad command syntax", false);
                }
                conn.message(OK, "Goodbye!", false);
                conn.in_closed = true;
                Outcome::Done(conn.input.len())
            }
            "HELP" => {
                let lines = [
                    "Commands supported:",
                    "READ handler [arg...]   call read handler, return DATA",
                    "READDATA handler len    call read handler with len data bytes, return DATA",
                    "READUNTIL handler term  call read handler, take data until term, return DATA",
                    "WRITE handler [arg...]  call write handler",
                    "WRITEDATA handler len   call write handler, pass len data bytes",
                    "WRITEUNTIL handler term call write handler, take data until term",
                    "CHECKREAD handler       check if read handler is valid",
                    "CHECKWRITE handler      check if write handler is valid",
                    "LLRPC elt#number [len]  call LLRPC, pass len data bytes, return DATA",
                    "QUIT                    close connection",
                ];
                for (i, l) in lines.iter().enumerate() {
                    conn.message(OK, l, i + 1 < lines.len());
                }
                Outcome::Done(next)
            }
            _ => {
                conn.message(
                    UNIMPLEMENTED,
                    &format!("Command '{command}' unimplemented"),
                    false,
                );
                Outcome::Done(next)
            }
        }
    }

    /// Resolves a handler name: `Ok(None)` for a global handler, else the
    /// element's name and the handler's. Errors are reported on `conn`.
    fn parse_handler<'a>(
        &self,
        conn: &mut Conn,
        full: &'a str,
        handlers: &dyn HandlerAccess,
    ) -> Option<(Option<String>, &'a str)> {
        let canonical = match full.split_once('.') {
            Some(("", h)) | Some(("0", h)) => h,
            _ => full,
        };
        let Some((element, handler)) = canonical.split_once('.') else {
            if has_global(canonical, false) || has_global(canonical, true) {
                return Some((None, canonical));
            }
            conn.message(
                NO_SUCH_HANDLER,
                &format!("No handler named '{full}'"),
                false,
            );
            return None;
        };
        let names = handlers.element_names();
        let resolved = if names.iter().any(|n| n == element) {
            Some(element.to_string())
        } else {
            usize::parse_arg(element)
                .ok()
                .filter(|&n| n >= 1)
                .and_then(|n| names.get(n - 1).cloned())
        };
        let Some(resolved) = resolved else {
            conn.message(
                NO_SUCH_ELEMENT,
                &format!("No element named '{element}'"),
                false,
            );
            return None;
        };
        let exists = self.has_handler(&resolved, handler, false, handlers)
            || self.has_handler(&resolved, handler, true, handlers);
        if !exists {
            conn.message(
                NO_SUCH_HANDLER,
                &format!("No handler named '{full}'"),
                false,
            );
            return None;
        }
        Some((Some(resolved), handler))
    }

    fn has_handler(
        &self,
        element: &str,
        handler: &str,
        write: bool,
        handlers: &dyn HandlerAccess,
    ) -> bool {
        if element == self.name {
            return !write && self.own_handler(handler).is_some();
        }
        handlers.has_handler(element, handler, write) == Some(true)
    }

    /// This element's own readable handlers (it is running, so the router
    /// cannot call them for it).
    fn own_handler(&self, handler: &str) -> Option<String> {
        match (handler, &self.place) {
            ("port", Place::Tcp { .. }) | ("filename", Place::Unix(_)) => Some(self.bound.clone()),
            ("class", _) => Some("ControlSocket".into()),
            ("name", _) => Some(self.name.clone()),
            _ => None,
        }
    }

    fn read_command(&self, conn: &mut Conn, full: &str, param: &str, handlers: &dyn HandlerAccess) {
        let Some((element, handler)) = self.parse_handler(conn, full, handlers) else {
            return;
        };
        let result = match &element {
            None => {
                if !has_global(handler, false) {
                    conn.message(PERMISSION, &format!("Handler '{full}' write-only"), false);
                    return;
                }
                read_global(handler, handlers)
                    .ok_or_else(|| HandlerError::NoSuchHandler(full.into()))
            }
            Some(e) => {
                if !self.has_handler(e, handler, false, handlers) {
                    conn.message(PERMISSION, &format!("Handler '{full}' write-only"), false);
                    return;
                }
                if *e == self.name {
                    self.own_handler(handler)
                        .ok_or_else(|| HandlerError::NoSuchHandler(full.into()))
                } else {
                    handlers.read_with(&format!("{e}.{handler}"), param)
                }
            }
        };
        match result {
            Ok(data) => {
                conn.message(OK, &format!("Read handler '{full}' OK"), false);
                conn.output
                    .extend_from_slice(format!("DATA {}\r\n", data.len()).as_bytes());
                conn.output.extend_from_slice(data.as_bytes());
            }
            Err(e) => error_messages(
                conn,
                UNSPECIFIED,
                &format!("Read handler '{full}' error"),
                &e,
            ),
        }
    }

    fn write_command(&self, conn: &mut Conn, full: &str, data: &str, handlers: &dyn HandlerAccess) {
        let Some((element, handler)) = self.parse_handler(conn, full, handlers) else {
            return;
        };
        let writable = match &element {
            None => has_global(handler, true),
            Some(e) => self.has_handler(e, handler, true, handlers),
        };
        if !writable {
            conn.message(PERMISSION, &format!("Handler '{full}' read-only"), false);
            return;
        }
        if self.read_only {
            conn.message(
                PERMISSION,
                &format!("Permission denied for '{full}'"),
                false,
            );
            return;
        }
        let result = match &element {
            None => write_global(handler, data, handlers)
                .unwrap_or_else(|| Err(HandlerError::NoSuchHandler(full.into()))),
            Some(e) => handlers.write(&format!("{e}.{handler}"), data),
        };
        match result {
            Ok(()) => conn.message(OK, &format!("Write handler '{full}' OK"), false),
            Err(e) => error_messages(
                conn,
                HANDLER_ERROR,
                &format!("Write handler '{full}' error"),
                &e,
            ),
        }
    }

    fn check_command(
        &self,
        conn: &mut Conn,
        full: &str,
        write: bool,
        handlers: &dyn HandlerAccess,
    ) {
        let Some((element, handler)) = self.parse_handler(conn, full, handlers) else {
            return;
        };
        let ok = match &element {
            None => has_global(handler, write),
            Some(e) => self.has_handler(e, handler, write, handlers),
        };
        if write && self.read_only && ok {
            conn.message(
                PERMISSION,
                &format!("Permission denied for '{full}'"),
                false,
            );
        } else if ok {
            let what = if write { "Write" } else { "Read" };
            conn.message(OK, &format!("{what} handler '{full}' OK"), false);
        } else {
            let what = if write { "writable" } else { "readable" };
            conn.message(
                NO_SUCH_HANDLER,
                &format!("Handler '{full}' not {what}"),
                false,
            );
        }
    }

    fn close_all(&mut self) {
        for conn in &mut self.conns {
            flush(conn);
        }
        self.conns.clear();
        if let Some(Listener::Unix(_)) = self.listener.take()
            && let Place::Unix(path) = &self.place
        {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A failed handler call: the summary line, then the handler's messages.
fn error_messages(conn: &mut Conn, code: u16, summary: &str, e: &HandlerError) {
    let text = e.to_string();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        conn.message(code, summary, false);
        return;
    }
    conn.message(code, &format!("{summary}:"), true);
    for (i, l) in lines.iter().enumerate() {
        conn.message(code, l, i + 1 < lines.len());
    }
}

/// Writes what a connection has waiting, as far as the socket takes it.
fn flush(conn: &mut Conn) {
    while !conn.output.is_empty() && !conn.out_closed {
        match conn.stream.write(&conn.output) {
            Ok(0) => {
                conn.out_closed = true;
            }
            Ok(n) => {
                conn.output.drain(..n);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(_) => conn.out_closed = true,
        }
    }
    if conn.out_closed {
        conn.output.clear();
    }
}

/// Message text with control characters shown as `^X`, as Click's
/// `String::printable`.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{0}'..='\u{1f}' => {
                out.push('^');
                out.push(char::from(c as u8 + 64));
            }
            '\u{7f}' => out.push_str("^?"),
            c => out.push(c),
        }
    }
    out
}

impl Element for ControlSocket {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        if let Err(e) = self.open() {
            if self.retries <= 0 {
                return Err(ConfigError::msg(e));
            }
            if self.retry_warnings {
                eprintln!(
                    "{}: warning: {e} ({} tries left)",
                    self.label(),
                    self.retries
                );
            }
            self.next_retry = self.clock.monotonic_ns() + 1_000_000_000;
        }
        cx.schedule_task();
        Ok(())
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, _out: &mut Output) -> TaskStatus {
        if self.listener.is_none() {
            let now = cx.clock().monotonic_ns();
            if now < self.next_retry {
                return TaskStatus::Idle(Some(self.next_retry));
            }
            self.retries -= 1;
            match self.open() {
                Ok(()) => {}
                Err(e) => {
                    if self.retries <= 0 {
                        eprintln!("{}: {e}", self.label());
                        cx.stop_router();
                        return TaskStatus::Done;
                    }
                    if self.retry_warnings {
                        eprintln!(
                            "{}: warning: {e} ({} tries left)",
                            self.label(),
                            self.retries
                        );
                    }
                    self.next_retry = now + 1_000_000_000;
                    return TaskStatus::Idle(Some(self.next_retry));
                }
            }
        }
        let accepted = self.accept();
        let served = self.serve(cx.handlers());
        if accepted || served {
            TaskStatus::Worked
        } else {
            TaskStatus::Idle(None)
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        self.own_handler(name)
            .filter(|_| matches!(name, "port" | "filename"))
            .ok_or_else(|| HandlerError::NoSuchHandler(name.to_string()))
    }

    fn finish(&mut self) {
        self.close_all();
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Drop for ControlSocket {
    fn drop(&mut self) {
        self.close_all();
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use crate::standard::null::harness::Harness;

    /// Steps the router until `s` has sent something ending in CRLF (or
    /// the DATA that follows), returning it.
    fn exchange(h: &Harness, s: &mut TcpStream, send: &[u8]) -> String {
        s.write_all(send).unwrap();
        let mut st = h.router.stepper();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        for _ in 0..200 {
            st.step();
            match s.read(&mut buf) {
                Ok(n) if n > 0 => got.extend_from_slice(&buf[..n]),
                _ => {}
            }
            let t = String::from_utf8_lossy(&got);
            if let Some(i) = t.find("\r\nDATA ") {
                let rest = &t[i + 7..];
                if let Some(j) = rest.find("\r\n") {
                    let n: usize = rest[..j].parse().unwrap();
                    if rest.len() >= j + 2 + n {
                        break;
                    }
                }
            } else if t.ends_with("\r\n") && !t.lines().last().unwrap_or("").contains('-') {
                break;
            }
        }
        String::from_utf8_lossy(&got).into_owned()
    }

    #[test]
    fn serves_handlers_over_tcp() {
        let h = Harness::new(
            "c :: Counter; Idle -> c -> Discard; cs :: ControlSocket(TCP, 0, LOCALHOST true)",
        );
        let port: u16 = h.read("cs.port").parse().unwrap();
        assert_ne!(port, 0);
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
        assert_eq!(exchange(&h, &mut s, b""), "Click::ControlSocket/1.3\r\n");
        assert_eq!(
            exchange(&h, &mut s, b"READ c.count\n"),
            "200 Read handler 'c.count' OK\r\nDATA 1\r\n0"
        );
        assert_eq!(
            exchange(&h, &mut s, b"READ cs.port\n"),
            format!(
                "200 Read handler 'cs.port' OK\r\nDATA {}\r\n{port}",
                port.to_string().len()
            )
        );
        // A command split across writes waits for its end.
        s.write_all(b"WRITE c.re").unwrap();
        h.router.stepper().step();
        assert_eq!(
            exchange(&h, &mut s, b"set\r\n"),
            "200 Write handler 'c.reset' OK\r\n"
        );
        assert_eq!(exchange(&h, &mut s, b"WRITEDATA c.reset 99\r\nshort"), "");
        drop(s);
        // Another connection is unaffected by the first one's unfinished
        // command.
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
        exchange(&h, &mut s, b"");
        assert!(exchange(&h, &mut s, b"HELP\n").starts_with("200-Commands supported:"));
        assert_eq!(exchange(&h, &mut s, b"QUIT\n"), "200 Goodbye!\r\n");
    }

    #[test]
    fn read_only_sockets_refuse_writes() {
        let path = std::env::temp_dir().join(format!("yard-cs-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let h = Harness::new(&format!(
            "c :: Counter; Idle -> c -> Discard; cs :: ControlSocket(unix, {}, READONLY true)",
            path.display()
        ));
        assert_eq!(h.read("cs.filename"), path.display().to_string());
        let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
        let mut st = h.router.stepper();
        s.write_all(b"WRITE c.reset\nCHECKWRITE c.reset\nWRITE stop\n")
            .unwrap();
        let mut got = String::new();
        let mut buf = [0u8; 1024];
        for _ in 0..100 {
            st.step();
            if let Ok(n) = s.read(&mut buf) {
                got.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
            if got.matches("\r\n").count() >= 4 {
                break;
            }
        }
        assert_eq!(
            got,
            "Click::ControlSocket/1.3\r\n530 Permission denied for 'c.reset'\r\n\
             530 Permission denied for 'c.reset'\r\n530 Permission denied for 'stop'\r\n"
        );
        assert!(!h.stopped());
        drop(h);
        assert!(!path.exists(), "the socket file is removed");
    }

    #[test]
    fn bad_arguments_are_refused() {
        for (config, message) in [
            ("ControlSocket(FOO, 1)", "unknown socket type"),
            ("ControlSocket(TCP, notaport)", "PORT requires TCP port"),
            ("ControlSocket(TCP, 0+)", "PORT requires TCP port"),
            ("ControlSocket(TCP, 1, PROXY x)", "PROXY is not supported"),
            ("ControlSocket(SOCKET, 3)", "not supported"),
            ("ControlSocket(TCP)", "PORT"),
        ] {
            match Harness::try_new(config) {
                Ok(_) => panic!("{config}: builds"),
                Err(e) => assert!(e.contains(message), "{config}: {e}"),
            }
        }
    }
}
