//! The command line as a user meets it: exit codes, messages, output.

use std::process::{Command, Output};

fn yard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yard"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .expect("run yard")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_prints_handlers_like_click() {
    let out = yard(&[
        "run",
        "-e",
        "InfiniteSource(LIMIT 5, STOP true) -> c :: Counter -> Discard",
        "-h",
        "c.count",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "5\n");
    let out = yard(&[
        "run",
        "-e",
        "InfiniteSource(LIMIT 5, STOP true) -> c :: Counter -> d :: Discard",
        "-h",
        "c.count",
        "-h",
        "d.count",
    ]);
    assert_eq!(text(&out.stdout), "c.count:\n5\n\nd.count:\n5\n\n");
}

#[test]
fn run_with_stats_accounts_for_packets() {
    let out = yard(&[
        "run",
        "-e",
        "InfiniteSource(LIMIT 300, STOP true) -> Queue(100) -> Unqueue -> Discard",
        "--stats",
        "-j",
        "1",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Queue@2"), "{stdout}");
    assert!(stdout.contains("full="), "{stdout}");
    // Every packet the source made is either discarded or dropped by the
    // full queue.
    let numbers = |name: &str| -> Vec<u64> {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name}: {stdout}"));
        line.split_whitespace()
            .skip(2)
            .take(3)
            .map(|n| n.parse().unwrap())
            .collect()
    };
    let queue = numbers("Queue@2");
    let discard = numbers("Discard@4");
    assert_eq!(queue[0], 300);
    assert_eq!(queue[1] + queue[2], 300);
    assert_eq!(discard[2], queue[1]);
}

#[test]
fn check_reports_errors_with_position_and_suggestion() {
    let out = yard(&["check", "-e", "InfiniteSource -> Cuonter -> Discard"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("<expr>:1:19: error:"), "{stderr}");
    assert!(stderr.contains("'Cuonter'"), "{stderr}");
    assert!(stderr.contains("^^^^^^^"), "{stderr}");
    assert!(stderr.contains("did you mean 'Counter'?"), "{stderr}");
}

#[test]
fn check_accepts_a_good_configuration() {
    let out = yard(&["check", "-e", "InfiniteSource -> Counter -> Discard"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("configuration OK: 3 elements"));
}

#[test]
fn check_names_the_file() {
    let dir = std::env::temp_dir().join(format!("yard-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.click");
    std::fs::write(
        &file,
        "// a comment\nsrc :: InfiniteSource;\nsrc -> Counter -> q :: Queue;\nq[1] -> Discard;\n",
    )
    .unwrap();
    let out = yard(&["check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("bad.click:4:"), "{stderr}");
    assert!(stderr.contains("has no output 1"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn graph_is_dot() {
    let out = yard(&[
        "graph",
        "-e",
        "a :: InfiniteSource -> b :: Counter -> Discard",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dot = text(&out.stdout);
    assert!(dot.starts_with("digraph"), "{dot}");
    assert!(dot.contains("Counter"), "{dot}");
}

#[test]
fn doc_prints_the_header() {
    let out = yard(&["doc", "Queue"]);
    assert!(out.status.success());
    let doc = text(&out.stdout);
    assert!(doc.starts_with("Queue — "), "{doc}");
    assert!(doc.contains("## Handlers"), "{doc}");
    let out = yard(&["doc", "Qeueu"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Queue"));
}

#[test]
fn missing_file_is_a_clear_error() {
    let out = yard(&["run", "/nonexistent/config.click"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("/nonexistent/config.click"));
}

#[test]
fn check_opens_no_devices_or_files() {
    let out = yard(&["check", "configs/bridge.click"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = yard(&["check", "-e", "FromDump(/nonexistent.pcap) -> Discard"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Running it is another matter.
    let out = yard(&["run", "-e", "FromDump(/nonexistent.pcap) -> Discard"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("/nonexistent.pcap"));
}

#[test]
fn replace_runs_a_device_configuration_on_a_capture() {
    let out = yard(&[
        "run",
        "configs/ethermirror.click",
        "--replace",
        "in0=FromDump(testdata/captures/mixed.pcap, STOP true)",
        "--replace",
        "out0=Discard",
        "-h",
        "c.count",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "52\n");
    let out = yard(&[
        "check",
        "configs/ethermirror.click",
        "--replace",
        "nope=Idle",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("element 'nope', which the configuration does not have"),
        "{}",
        text(&out.stderr)
    );
    let out = yard(&["check", "configs/wire.click", "--replace", "in0"]);
    assert_eq!(out.status.code(), Some(2), "clap rejects the syntax");
}

/// Runs `yard click ARGS` and, if Click's driver is installed, `click ARGS`;
/// returns (ours, Click's).
fn both(args: &[&str]) -> (Output, Option<Output>) {
    let mut a = vec!["click"];
    a.extend_from_slice(args);
    let ours = yard(&a);
    let click = std::env::var("CLICK")
        .ok()
        .or_else(|| Some("/work/peers/click/bin/click".to_string()))
        .filter(|p| std::path::Path::new(p).exists())
        .map(|p| Command::new(p).args(args).output().expect("run click"));
    (ours, click)
}

#[test]
fn yard_click_behaves_like_click() {
    let cases: &[(&[&str], Option<i32>, &str)] = &[
        (
            &[
                "-e",
                "InfiniteSource(LIMIT $N, STOP true) -> c :: Counter -> d :: Discard",
                "-h",
                "c.count",
                "-h",
                "d.count",
                "N=3",
            ],
            Some(0),
            "c.count:\n3\n\nd.count:\n3\n\n",
        ),
        (
            &[
                "-e",
                "define($N 9); InfiniteSource(LIMIT $N, STOP true) -> c :: Counter -> Discard",
                "-h",
                "c.count",
                "N=4",
            ],
            Some(0),
            "4\n",
        ),
        (
            &[
                "-e",
                "InfiniteSource(LIMIT 3, STOP true) -> c :: Counter -> Discard",
                "-x",
                "c.count",
            ],
            Some(3),
            "",
        ),
        (&["-e", "Idle -> Nope -> Discard"], Some(1), ""),
    ];
    for (args, code, stdout) in cases {
        let (ours, click) = both(args);
        assert_eq!(
            ours.status.code(),
            *code,
            "{args:?}: {}",
            text(&ours.stderr)
        );
        assert_eq!(text(&ours.stdout), *stdout, "{args:?}");
        if let Some(click) = click {
            assert_eq!(
                ours.status.code(),
                click.status.code(),
                "{args:?} exit vs Click"
            );
            assert_eq!(
                text(&ours.stdout),
                text(&click.stdout),
                "{args:?} output vs Click"
            );
        }
    }
    let flat = std::env::temp_dir().join(format!("yard-click-o-{}.click", std::process::id()));
    let out = yard(&[
        "click",
        "-e",
        "InfiniteSource(LIMIT 2, STOP true) -> c :: Counter -> Discard",
        "-o",
        &flat.display().to_string(),
    ]);
    assert!(out.status.success());
    let written = std::fs::read_to_string(&flat).expect("-o wrote the file");
    let _ = std::fs::remove_file(&flat);
    let again = yard(&["click", "-e", &written, "-h", "c.count"]);
    assert_eq!(
        text(&again.stdout),
        "2\n",
        "the flattened text runs the same"
    );
}
