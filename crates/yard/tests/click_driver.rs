//! `yard click` against Click's own userlevel driver: the same invocations
//! must give the same standard output and exit status. Every case states
//! the expected result, so the test checks ours even where Click is not
//! installed; where `/work/peers/click/bin/click` (or `$CLICK`) exists the
//! same invocation is run with it too and must agree.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn yard_click() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yard"));
    c.arg("click");
    c
}

/// Click's driver, if installed.
fn click() -> Option<Command> {
    let path = std::env::var_os("CLICK")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/peers/click/bin/click"));
    path.is_file().then(|| Command::new(path))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs with a time limit, killing the process after it.
fn run_limited(mut cmd: Command, args: &[&str]) -> Output {
    let mut child = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the driver");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{args:?}: did not finish in 20 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Checks one invocation: our stdout and status, and Click's if present.
fn case(args: &[&str], stdout: &str, status: i32) {
    let ours = run_limited(yard_click(), args);
    assert_eq!(
        (text(&ours.stdout).as_str(), ours.status.code()),
        (stdout, Some(status)),
        "yard click {args:?}; stderr:\n{}",
        text(&ours.stderr)
    );
    if let Some(c) = click() {
        let theirs = run_limited(c, args);
        assert_eq!(
            (text(&theirs.stdout).as_str(), theirs.status.code()),
            (stdout, Some(status)),
            "click {args:?} disagrees; stderr:\n{}",
            text(&theirs.stderr)
        );
    }
}

/// Checks that our standard error says `needle`.
fn stderr_says(args: &[&str], needle: &str) {
    let ours = run_limited(yard_click(), args);
    let err = text(&ours.stderr);
    assert!(
        err.contains(needle),
        "{args:?}: stderr lacks {needle:?}:\n{err}"
    );
}

#[test]
fn handlers_and_exit_handlers() {
    let src = "InfiniteSource(LIMIT 5, STOP true) -> c :: Counter -> d :: Discard";
    case(&["-e", src, "-h", "c.count"], "5\n", 0);
    case(
        &["-e", src, "-h", "c.count", "-h", "d.count"],
        "c.count:\n5\n\nd.count:\n5\n\n",
        0,
    );
    case(&["-e", src, "-x", "c.count"], "", 5);
    case(&["-e", src, "-h", "c.count", "-x", "c.count"], "5\n", 5);
    // Class names and patterns expand, with headers.
    case(
        &[
            "-q",
            "-e",
            "Idle -> c :: Counter -> Discard",
            "-h",
            "Counter.count",
            "-h",
            "Dis*.count",
        ],
        "c.count:\n0\n\nDiscard@3.count:\n0\n\n",
        0,
    );
    case(
        &[
            "-q",
            "-e",
            "Idle -> c :: Counter -> Discard",
            "-h",
            "Zz*.count",
        ],
        "",
        1,
    );
    stderr_says(
        &[
            "-q",
            "-e",
            "Idle -> c :: Counter -> Discard",
            "-h",
            "Zz*.count",
        ],
        "no element matching 'Zz*'",
    );
    case(
        &[
            "-q",
            "-e",
            "Idle -> c :: Counter -> Discard",
            "-h",
            "c.reset",
        ],
        "",
        1,
    );
    stderr_says(
        &[
            "-q",
            "-e",
            "Idle -> c :: Counter -> Discard",
            "-h",
            "c.nope",
        ],
        "no 'c.nope' handler",
    );
    // An empty value prints nothing, not even a newline.
    case(
        &[
            "-q",
            "-e",
            "Idle -> c :: Counter -> Discard",
            "-h",
            "c.config",
            "-h",
            "c.count",
        ],
        "c.config:\n\nc.count:\n0\n\n",
        0,
    );
    // Global handlers.
    case(
        &[
            "-q",
            "-e",
            "Idle -> c :: Counter -> Discard",
            "-h",
            "version",
            "-h",
            "list",
        ],
        "version:\n2.1\n\nlist:\n3\nIdle@1\nc\nDiscard@3\n\n",
        0,
    );
    // Exit handlers: integers, Booleans, errors.
    case(
        &["-q", "-e", "i :: Idle -> Discard", "-x", "i.name"],
        "",
        255,
    );
    case(
        &["-q", "-e", "i :: Idle -> Discard", "-x", "i.nope"],
        "",
        255,
    );
    case(
        &[
            "-q",
            "-e",
            "e :: Script(TYPE PASSIVE, export ok false)",
            "-x",
            "e.ok",
        ],
        "",
        1,
    );
    case(
        &[
            "-q",
            "-e",
            "e :: Script(TYPE PASSIVE, export ok true)",
            "-x",
            "e.ok",
        ],
        "",
        0,
    );
}

#[test]
fn command_line_errors_and_parameters() {
    case(&["--bogus"], "", 1);
    stderr_says(&["--bogus"], "unrecognized option '--bogus'");
    case(&["-e", "Idle -> Discard", "-f", "x.click"], "", 1);
    stderr_says(
        &["-e", "Idle -> Discard", "-f", "x.click"],
        "router configuration specified twice",
    );
    case(&["/nonexistent/conf.click"], "", 1);
    stderr_says(
        &["/nonexistent/conf.click"],
        "/nonexistent/conf.click: No such file or directory",
    );
    case(&["-e", "Foo -> Discard"], "", 1);
    stderr_says(&["-e", "Foo -> Discard"], "config:1: ");
    case(&["-e", "InfiniteSource -> Counter(5) -> Discard"], "", 1);
    stderr_says(
        &["-e", "InfiniteSource -> Counter(5) -> Discard"],
        "Router could not be initialized!",
    );
    case(&["-q", "-e", ""], "", 0);
    case(&["-e", ""], "", 0);
    stderr_says(&["-e", ""], "configuration has no elements, exiting");
    // PARAM=VALUE defines $PARAM and overrides the configuration's define.
    case(&["-e", "Script(print $X, stop)", "X=2"], "2\n", 0);
    case(
        &["-e", "define($X 1); Script(print $X, stop)", "X=2"],
        "2\n",
        0,
    );
    case(&["-e", "define($X 1); Script(print $X, stop)"], "1\n", 0);
    case(&["-e", "Script(print $X, stop)"], "$X\n", 0);
    // Long options abbreviate; short options take attached values.
    case(
        &[
            "--expr",
            "InfiniteSource(LIMIT 3, STOP true) -> c :: Counter -> Discard",
            "-hc.count",
        ],
        "3\n",
        0,
    );
    // -o writes a flat configuration that runs again.
    let dir = std::env::temp_dir().join(format!("yard-click-o-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let flat = dir.join("flat.click");
    let out = run_limited(
        yard_click(),
        &[
            "-q",
            "-e",
            "elementclass C { input -> Counter -> output }; InfiniteSource(LIMIT 2, STOP true) -> c :: C -> Discard",
            "-o",
            flat.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let again = run_limited(
        yard_click(),
        &[flat.to_str().unwrap(), "-h", "c/Counter@1.count"],
    );
    assert_eq!(text(&again.stdout), "2\n", "{}", text(&again.stderr));
    let _ = std::fs::remove_dir_all(&dir);
    // --help and --version answer and exit 0.
    let help = run_limited(yard_click(), &["--help"]);
    assert!(text(&help.stdout).contains("--exit-handler"));
    assert_eq!(help.status.code(), Some(0));
    assert_eq!(run_limited(yard_click(), &["-v"]).status.code(), Some(0));
}

#[test]
fn scripts_print_like_click() {
    case(
        &[
            "-e",
            "Script(set x 0, label l, print $x, set x $(add $x 1), goto l $(lt $x 3), print $(div 10 4) $(sprintf %03d 7), stop)",
        ],
        "0\n1\n2\n2.5 007\n",
        0,
    );
    case(
        &[
            "-e",
            "s :: Script(TYPE PASSIVE, return $(add $1 $2)); Script(print $(s.run 3 4), print $(s.run 1 1), stop)",
        ],
        "7\n2\n",
        0,
    );
    // A DriverManager waits for both sources' stop requests.
    case(
        &[
            "-e",
            "InfiniteSource(LIMIT 5, STOP true) -> c1 :: Counter -> Discard; \
             InfiniteSource(LIMIT 700, STOP true) -> c2 :: Counter -> Discard; \
             DriverManager(pause, print \"one\", pause, print c1.count, print c2.count, stop)",
            "-h",
            "c2.count",
        ],
        "one\n5\n700\n700\n",
        0,
    );
    // A script's errors go to standard error; printing goes on.
    case(
        &["-e", "Script(print $(nope.count), print \"after\", stop)"],
        "$(nope.count)after\n",
        0,
    );
    stderr_says(
        &["-e", "Script(print $(nope.count), print \"after\", stop)"],
        "no element named 'nope'",
    );
    // `read` prints to standard error.
    stderr_says(
        &[
            "-e",
            "c :: Counter; Idle -> c -> Discard; Script(read c.count, stop)",
        ],
        "c.count:\n0\n",
    );
    // Configuration errors in scripts are configuration errors.
    case(&["-e", "Script(frobnicate)"], "", 1);
    case(&["-e", "Script(goto nowhere)"], "", 1);
    case(&["-e", "DriverManager(stop); DriverManager(stop)"], "", 1);
}

#[test]
fn simulated_time_jumps_to_timers() {
    let started = Instant::now();
    case(
        &[
            "--simtime",
            "-e",
            "Script(set i 0, label l, wait 10, set i $(add $i 1), goto l $(lt $i 100), print $i, stop)",
        ],
        "100\n",
        0,
    );
    // 1000 simulated seconds took (much) less than a real second.
    assert!(started.elapsed() < Duration::from_secs(10));
    let out = run_limited(
        yard_click(),
        &[
            "--simtime",
            "-e",
            "DriverManager(print $(now), wait 3600, print $(now), stop)",
        ],
    );
    assert_eq!(
        text(&out.stdout),
        "1000000000.000000000\n1000003600.000000000\n",
        "{}",
        text(&out.stderr)
    );
    let out = run_limited(
        yard_click(),
        &[
            "--simtime",
            "-e",
            "RatedSource(LIMIT 50, RATE 10, STOP true) -> c :: Counter -> Discard",
            "-h",
            "c.count",
        ],
    );
    assert_eq!(text(&out.stdout), "50\n", "{}", text(&out.stderr));
}

#[test]
fn time_prints_cpu_and_real_time() {
    let out = run_limited(
        yard_click(),
        &["-t", "-e", "InfiniteSource(LIMIT 5, STOP true) -> Discard"],
    );
    let stdout = text(&out.stdout);
    // `0.001u 0.000s 0:00.00`, as Click prints it.
    let words: Vec<&str> = stdout.split_whitespace().collect();
    assert_eq!(words.len(), 3, "{stdout}");
    assert!(
        words[0].ends_with('u') && words[1].ends_with('s'),
        "{stdout}"
    );
    assert!(words[2].contains(':'), "{stdout}");
}

/// A running driver with a control socket, killed on drop.
struct Driver {
    child: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a driver listening on TCP port `base+` and returns it with the
/// port it bound (printed by a script).
fn start_tcp(mut cmd: Command, base: u16) -> (Driver, u16, BufReader<std::process::ChildStdout>) {
    let config = "c :: Counter; Idle -> c -> Discard; \
                  s :: Script(TYPE PASSIVE, error oops); \
                  Script(print $(click_driver@@ControlSocket.port))";
    let mut child = cmd
        .args(["-p", &format!("{base}+"), "-e", config, "-h", "c.count"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the driver");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("port line");
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("port: {line:?}"));
    (Driver { child }, port, stdout)
}

/// Sends each command and collects every reply, waiting until a reply is
/// complete (its last line has a space after the code, and the DATA that
/// follows has arrived).
fn transcript<S: Read + Write>(s: &mut S, commands: &[&[u8]]) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    read_reply(s, &mut buf);
    out.push(text(&std::mem::take(&mut buf)));
    for c in commands {
        s.write_all(c).unwrap();
        read_reply(s, &mut buf);
        out.push(format!(
            "{} => {}",
            text(c).trim_end(),
            text(&std::mem::take(&mut buf))
        ));
    }
    out
}

fn reply_complete(b: &[u8]) -> bool {
    let t = text(b);
    if t.starts_with("Click::ControlSocket/") {
        return t.ends_with("\r\n");
    }
    let Some(end) = t.rfind("\r\n") else {
        return false;
    };
    // Find the last status line.
    let lines: Vec<&str> = t.split("\r\n").collect();
    for (i, l) in lines.iter().enumerate() {
        if l.len() >= 4 && l.as_bytes()[3] == b' ' && l[..3].bytes().all(|c| c.is_ascii_digit()) {
            // A final status line: complete unless DATA follows.
            match lines.get(i + 1) {
                Some(d) if d.starts_with("DATA ") => {
                    let n: usize = d[5..].parse().unwrap_or(0);
                    let header = lines[..=i + 1].iter().map(|x| x.len() + 2).sum::<usize>();
                    return t.len() >= header + n;
                }
                _ => return end + 2 == t.len(),
            }
        }
    }
    false
}

fn read_reply<S: Read>(s: &mut S, buf: &mut Vec<u8>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut chunk = [0u8; 4096];
    while !reply_complete(buf) {
        assert!(
            Instant::now() < deadline,
            "no complete reply: {:?}",
            text(buf)
        );
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("read: {e}"),
        }
    }
}

const COMMANDS: &[&[u8]] = &[
    b"READ c.count\r\n",
    b"READ c.nope\n",
    b"READ x.count\n",
    b"READ c.reset\n",
    b"WRITE c.count 5\n",
    b"WRITE c.reset\n",
    b"WRITE s.run\n",
    b"READ s.run\n",
    b"CHECKREAD c.count\n",
    b"CHECKREAD c.reset\n",
    b"CHECKWRITE c.reset\n",
    b"CHECKWRITE c.count\n",
    b"CHECKREAD nope\n",
    b"READ version\n",
    b"READ 1.name\n",
    b"READ\n",
    b"bogus x\n",
    b"LLRPC c#1\n",
    b"READDATA s.add 3\r\n1 2",
    b"WRITEDATA c.reset 0\r\n",
    b"READ s.add 1 2\n",
    b"READ list\n",
    b"CHECKREAD\n",
];

fn tcp_transcript(port: u16) -> Vec<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    transcript(&mut s, COMMANDS)
}

fn port_base() -> u16 {
    20000 + (std::process::id() % 20000) as u16
}

#[test]
fn control_socket_speaks_clicks_protocol() {
    let (mut ours, port, mut stdout) = start_tcp(yard_click(), port_base());
    let got = tcp_transcript(port);
    let expected_start = [
        "Click::ControlSocket/1.3\r\n",
        "READ c.count => 200 Read handler 'c.count' OK\r\nDATA 1\r\n0",
        "READ c.nope => 511 No handler named 'c.nope'\r\n",
        "READ x.count => 510 No element named 'x'\r\n",
        "READ c.reset => 530 Handler 'c.reset' write-only\r\n",
        "WRITE c.count 5 => 530 Handler 'c.count' read-only\r\n",
        "WRITE c.reset => 200 Write handler 'c.reset' OK\r\n",
        "WRITE s.run => 520-Write handler 's.run' error:\r\n520 oops\r\n",
        "READ s.run => 590-Read handler 's.run' error:\r\n590 oops\r\n",
    ];
    assert_eq!(&got[..expected_start.len()], &expected_start[..]);
    assert!(
        got.iter()
            .any(|l| l == "bogus x => 501 Command 'BOGUS' unimplemented\r\n")
    );
    assert!(
        got.iter()
            .any(|l| l == "READ s.add 1 2 => 200 Read handler 's.add' OK\r\nDATA 1\r\n3")
    );

    // A bad client changes nothing: garbage, a half line, a huge line, and
    // a connection closed mid-command; the router still answers.
    for junk in [
        &b"\x00\xff\xfe garbage\r\n"[..],
        b"READ c.co",
        b"READDATA c.count 99\r\nab",
    ] {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(junk).unwrap();
    }
    {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let big = vec![b'x'; 100_000];
        let _ = s.write_all(&big);
        s.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut banner = Vec::new();
        read_reply(&mut s, &mut banner);
        // The banner and the reply may come in one read or two.
        let mut buf = Vec::new();
        if !text(&banner).contains("500") {
            read_reply(&mut s, &mut buf);
        }
        buf.splice(0..0, banner);
        assert!(text(&buf).contains("500 Line too long"), "{}", text(&buf));
    }
    let again = tcp_transcript(port);
    assert_eq!(
        again[1],
        "READ c.count => 200 Read handler 'c.count' OK\r\nDATA 1\r\n0"
    );

    // Click answers the same commands the same way.
    if let Some(c) = click() {
        let (_theirs, their_port, _) = start_tcp(c, port_base() + 100);
        let theirs = tcp_transcript(their_port);
        assert_eq!(got, theirs, "ours vs Click's transcript");
    }

    // Writing the global stop handler stops the router; -h runs after.
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let t = transcript(&mut s, &[b"WRITE stop\n"]);
    assert_eq!(t[1], "WRITE stop => 200 Write handler 'stop' OK\r\n");
    let status = ours.child.wait().expect("exits");
    assert!(status.success());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "0\n");
}

#[test]
fn control_socket_on_a_unix_socket() {
    let path = std::env::temp_dir().join(format!("yard-click-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let child = yard_click()
        .args([
            "-u",
            path.to_str().unwrap(),
            "-e",
            "c :: Counter; InfiniteSource(LIMIT 4) -> c -> Discard",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let mut driver = Driver { child };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut s = loop {
        match UnixStream::connect(&path) {
            Ok(s) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("connect: {e}"),
        }
    };
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let t = transcript(
        &mut s,
        &[
            b"READ c.count\n",
            b"READ click_driver@@ControlSocket.filename\n",
            b"QUIT\n",
        ],
    );
    assert_eq!(
        t[1],
        "READ c.count => 200 Read handler 'c.count' OK\r\nDATA 1\r\n4"
    );
    let p = path.to_str().unwrap();
    assert_eq!(
        t[2],
        format!(
            "READ click_driver@@ControlSocket.filename => 200 Read handler 'click_driver@@ControlSocket.filename' OK\r\nDATA {}\r\n{p}",
            p.len()
        )
    );
    assert_eq!(t[3], "QUIT => 200 Goodbye!\r\n");
    // SIGTERM stops the driver, which removes the socket.
    // SAFETY: kill(2) with a child's pid and SIGTERM.
    unsafe {
        libc::kill(driver.child.id() as i32, libc::SIGTERM);
    }
    let status = driver.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(!path.exists(), "socket file left behind");
}
