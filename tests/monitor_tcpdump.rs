//! FromTcpdump against a live tcpdump: the packets FromTcpdump makes of
//! tcpdump's text for a capture summarize, field for field, as the
//! capture's own packets do. Skipped (with a message) without tcpdump.

use std::path::PathBuf;
use std::process::Command;

use engine::{Router, RunOptions};

fn captures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/captures")
}

/// The ToIPSummaryDump lines of `source`'s packets for `fields`.
fn summary(source: &str, fields: &str, tag: &str, extra: &str) -> String {
    let out = std::env::temp_dir().join(format!("yard-tcpdump-{}-{tag}.txt", std::process::id()));
    let cfg = format!(
        "{source} -> ToIPSummaryDump({}, FIELDS {fields}); {extra}",
        out.display()
    );
    let router = Router::from_text("t", &cfg, &elements::registry())
        .unwrap_or_else(|e| panic!("{}", e.render()));
    router.run(&RunOptions { threads: 1 });
    let text = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    text
}

fn tcpdump_text(pcap: &str, verbose: bool, tag: &str) -> Option<PathBuf> {
    let mut cmd = Command::new("tcpdump");
    cmd.arg("-tt").arg("-n");
    if verbose {
        cmd.arg("-v");
    }
    let output = cmd.arg("-r").arg(captures().join(pcap)).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let path = std::env::temp_dir().join(format!("yard-tcpdump-{}-{tag}.in", std::process::id()));
    std::fs::write(&path, &output.stdout).ok()?;
    Some(path)
}

#[test]
fn fromtcpdump_agrees_with_the_capture() {
    const TCP: &str =
        "ts src sport dst dport proto len tcp_flags tcp_seq tcp_ack tcp_window tcp_urp tcp_opt";
    const MANY: &str = "ts src sport dst dport proto len ip_id ip_ttl ip_tos ip_fragoff tcp_flags tcp_ack tcp_window tcp_opt icmp_type icmp_code icmp_flowid icmp_seq";
    let cases = [
        ("tcp-flows.pcap", false, TCP),
        ("tcp-flows.pcap", true, TCP),
        ("monitor-flows.pcap", true, MANY),
    ];
    for (pcap, verbose, fields) in cases {
        let tag = format!("{pcap}-{verbose}");
        let Some(text) = tcpdump_text(pcap, verbose, &tag) else {
            eprintln!("skipped: tcpdump is not available");
            return;
        };
        let from_text = summary(
            &format!("FromTcpdump({}, STOP true)", text.display()),
            fields,
            &format!("{tag}-text"),
            "",
        );
        let from_pcap = summary(
            &format!(
                "FromDump({}, STOP true) -> c :: Classifier(12/0800, -) -> CheckIPHeader(14)",
                captures().join(pcap).display()
            ),
            fields,
            &format!("{tag}-pcap"),
            "c[1] -> Discard;",
        );
        let _ = std::fs::remove_file(&text);
        assert_eq!(from_text, from_pcap, "{pcap} (verbose {verbose})");
    }
}
