//! `yard verify` on the networks in `testdata/verify/`: each case states
//! the verdicts the acceptance list asks for.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `yard verify DIR --json [--query Q]`: exit code and one JSON
/// object per query.
fn verify(dir: &str, query: Option<&str>) -> (i32, Vec<serde_json::Value>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yard"));
    cmd.arg("verify")
        .arg(root().join("testdata/verify").join(dir))
        .arg("--json");
    if let Some(q) = query {
        cmd.arg("--query").arg(q);
    }
    let out = cmd.output().expect("yard runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let reports = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        reports,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn verdict(r: &serde_json::Value) -> &str {
    r["verdict"].as_str().expect("verdict is a string")
}

#[test]
fn pass_through_is_reachable_with_every_field_unchanged() {
    let (code, r, _) = verify("passthrough", None);
    assert_eq!(code, 0);
    assert_eq!(verdict(&r[0]), "REACHABLE");
    assert_eq!(r[0]["paths"].as_array().unwrap().len(), 1);
    assert_eq!(verdict(&r[1]), "INVARIANT-HOLDS");
}

#[test]
fn classifier_reaches_only_web_traffic() {
    let (code, r, _) = verify("classifier", None);
    assert_eq!(code, 0);
    assert_eq!(verdict(&r[0]), "REACHABLE-IF");
    let cond = r[0]["condition"].as_str().unwrap();
    assert!(
        cond.contains("ip.proto = 6") && cond.contains("dport = 80"),
        "{cond}"
    );
    assert_eq!(verdict(&r[1]), "UNREACHABLE");
    assert!(r[1]["at"].as_str().unwrap().starts_with("mb:"));
    assert_eq!(r[1]["witness"]["ip.proto"], "17");
}

#[test]
fn nat_connects_and_rewrites_only_the_source() {
    let (code, r, _) = verify("nat", None);
    assert_eq!(code, 0);
    assert_eq!(verdict(&r[0]), "CONNECTED");
    // At the server, the source is the NAT's and the port in its range.
    let fields = &r[1]["paths"][0]["fields"];
    assert_eq!(fields["ip.src"]["value"], "192.0.2.1");
    assert_eq!(fields["sport"]["constraint"], "sport >= 1024");
    assert_eq!(verdict(&r[2]), "INVARIANT-VIOLATED");
    assert_eq!(r[2]["condition"], "ip.src");
    assert!(r[2]["witness"].is_object());
    assert_eq!(verdict(&r[3]), "INVARIANT-HOLDS");
}

#[test]
fn replies_around_the_nat_do_not_connect() {
    let (code, r, _) = verify("nat-bypass", None);
    assert_eq!(code, 0);
    assert_eq!(verdict(&r[0]), "NOT-CONNECTED");
    assert!(r[0]["at"].as_str().unwrap().starts_with("client:"));
    assert!(r[0]["witness"].is_object() && !r[0]["history"].as_array().unwrap().is_empty());
}

#[test]
fn one_header_stripped_too_many_is_a_memory_violation() {
    let (code, r, _) = verify("memsafe", None);
    assert_eq!(code, 0);
    assert_eq!(verdict(&r[0]), "MEMSAFE-VIOLATION");
    assert!(r[0]["paths"].as_array().unwrap().is_empty());
    assert!(r[0]["reason"].as_str().unwrap().contains("IPv4"));
}

#[test]
fn bad_input_is_an_error_with_its_place() {
    let (code, _, err) = verify("nat", Some("reach client:out:0 => server:in:0"));
    assert_eq!(code, 2);
    assert!(err.contains("--query:1:"), "{err}");
    let (code, _, err) = verify("nat", Some("teleport client:out:0"));
    assert_eq!(code, 2);
    assert!(err.contains("unknown query 'teleport'"), "{err}");
    let (code, _, err) = verify("nat", Some("reach nobox:out:0 -> server:in:0"));
    assert_eq!(code, 2);
    assert!(err.contains("no box named 'nobox'"), "{err}");
    let (code, _, err) = verify("bad-links", None);
    assert_eq!(code, 2);
    assert!(err.contains("links:2:"), "{err}");
    let (code, _, err) = verify("bad-links-port", None);
    assert_eq!(code, 2);
    assert!(err.contains("links:2:1: 'out' has no output 3"), "{err}");
    let (code, _, err) = verify("bad-links-box", None);
    assert_eq!(code, 2);
    assert!(
        err.contains("links:2:17: no box named 'middlebox'"),
        "{err}"
    );
    let (code, _, err) = verify("bad-click", None);
    assert_eq!(code, 2);
    assert!(err.contains("broken.click:2:"), "{err}");
}

#[test]
fn enterprise_proxy_needs_to_rewrite_the_source_too() {
    // Seed 3.1.5: the reply skips a destination-only proxy and meets the
    // firewall with no state for it.
    let (_, r, _) = verify("enterprise", None);
    assert_eq!(verdict(&r[0]), "NOT-CONNECTED");
    assert_eq!(r[0]["at"], "fw:rw:1");
    assert!(r[0]["reason"].as_str().unwrap().contains("state mismatch"));
    let (_, r, _) = verify("enterprise-snat", None);
    assert_eq!(verdict(&r[0]), "CONNECTED");
    let notes = r[0]["paths"][0]["notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| {
        n.as_str()
            .unwrap()
            .starts_with("fw/rw: passed on stored state")
    }));
}

#[test]
fn tunnel_exit_must_not_be_the_blocked_address() {
    // Seed 3.1.2.
    let (_, r, _) = verify("tunnel", None);
    assert_eq!(verdict(&r[0]), "REACHABLE-IF");
    assert_eq!(r[0]["condition"], "T2 != 8.8.8.8");
    assert_eq!(verdict(&r[1]), "INVARIANT-HOLDS");
    assert_eq!(verdict(&r[2]), "UNREACHABLE");
    assert_eq!(r[2]["witness"]["T2"], "8.8.8.8");
}

#[test]
fn loops_are_told_apart() {
    let (_, r, _) = verify("loop-infinite", None);
    assert_eq!(verdict(&r[0]), "LOOP-INFINITE");
    assert!(!r[0]["cycles"][0].as_array().unwrap().is_empty());
    let (_, r, _) = verify("loop-ttl", None);
    assert_eq!(verdict(&r[0]), "LOOP-FINITE");
    assert!(
        r[0]["condition"]
            .as_str()
            .unwrap()
            .ends_with("at most 254 passes")
    );
    let (_, r, _) = verify("loop-nat", None);
    assert_eq!(verdict(&r[0]), "NO-LOOP");
}

#[test]
fn mobile_is_reached_only_through_its_own_connection() {
    // Seed 3.1.5, cellular: the NAT has no mapping for an outside server.
    let (_, r, _) = verify("cellular", None);
    assert_eq!(verdict(&r[0]), "UNREACHABLE");
    assert_eq!(r[0]["at"], "nat:rw:1");
    // Through a push proxy the mobile connected to, the request arrives,
    // passing the firewall on the state its connection left.
    let (_, r, _) = verify("cellular-push", None);
    assert_eq!(verdict(&r[0]), "REACHABLE");
    let path = &r[0]["paths"][0];
    let notes: Vec<&str> = path["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .rev()
            .take(2)
            .any(|n| n.starts_with("fw/rw: passed on stored state")),
        "{notes:?}"
    );
    // The outer source is the proxy (the mobile's original destination);
    // the server's own address is only inside.
    assert_eq!(path["fields"]["ip.src"]["value"], "ip.dst");
    assert_eq!(path["fields"]["ip.src#2"]["value"], "request.ip.src");
}

#[test]
fn every_bundled_configuration_loads_as_a_box() {
    // The application configurations are what operators will verify: each
    // must build its models, and only the classes listed here may be left
    // without one (they are reported, not passed through).
    let allowed: [&str; 0] = [];
    let dir = std::env::temp_dir().join(format!("yard-verify-configs-{}", std::process::id()));
    for entry in std::fs::read_dir(root().join("configs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "click") {
            continue;
        }
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        std::fs::write(dir.join("queries"), "loops\n").unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_yard"))
            .arg("verify")
            .arg(&dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{}: {stderr}", path.display());
        if let Some(list) = stderr.split("flows reaching them stop): ").nth(1) {
            for item in list.trim().split(", ") {
                assert!(
                    allowed.iter().any(|a| item.ends_with(&format!("({a})"))),
                    "{}: {item} has no model",
                    path.display()
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tunnels_and_tags_give_back_what_they_carry() {
    for dir in ["gre", "vlan"] {
        let (_, r, _) = verify(dir, None);
        assert_eq!(verdict(&r[0]), "REACHABLE", "{dir}");
        assert_eq!(verdict(&r[1]), "INVARIANT-HOLDS", "{dir}");
    }
    // The exit takes the entry's key: nothing is rejected.
    let (_, r, _) = verify("gre", Some("reach client:out:0 -> exit:bad:0"));
    assert_eq!(verdict(&r[0]), "UNREACHABLE");
}

#[test]
fn basic_nat_keeps_ports() {
    let (_, r, _) = verify("addrnat", None);
    assert_eq!(verdict(&r[0]), "CONNECTED");
    assert_eq!(verdict(&r[1]), "INVARIANT-HOLDS");
    assert_eq!(verdict(&r[2]), "INVARIANT-VIOLATED");
}

#[test]
fn pings_through_a_ping_nat_come_back_with_their_identifier() {
    let (_, r, _) = verify("ping", None);
    assert_eq!(verdict(&r[0]), "REACHABLE-IF");
    assert_eq!(
        r[0]["condition"],
        "ip.frag & 0x1fff = 0x0 and ip.proto = 1 and sport in 2048-2303"
    );
    assert_eq!(verdict(&r[1]), "INVARIANT-HOLDS");
}

#[test]
fn icmp_errors_come_back_through_the_nat_translated() {
    let (_, r, _) = verify("nat-icmp", None);
    assert_eq!(verdict(&r[0]), "REACHABLE-IF");
    let fields = &r[0]["paths"][0]["fields"];
    // Addressed to the client, quoting the client's own packet.
    assert_eq!(fields["ip.dst"]["value"], "ip.src");
    assert_eq!(fields["ip.src#2"]["value"], "ip.src");
    assert_eq!(fields["sport#2"]["value"], "sport");
}

#[test]
fn stored_bytes_land_in_their_fields() {
    let (_, r, _) = verify("storedata", None);
    assert_eq!(verdict(&r[0]), "INVARIANT-VIOLATED");
    assert_eq!(verdict(&r[1]), "INVARIANT-HOLDS");
    let fields = &r[2]["paths"][0]["fields"];
    assert_eq!(fields["dport"]["value"], "0");
    assert_eq!(fields["ip.tos"]["constraint"], "ip.tos & 0x3 = 0x0");
}

/// The value of the witness's `…delta` entry (an ISN randomiser's offset).
fn witness_delta(r: &serde_json::Value) -> u64 {
    let witness = r["witness"].as_object().expect("a witness");
    let (_, v) = witness
        .iter()
        .find(|(k, _)| k.ends_with(".delta"))
        .unwrap_or_else(|| panic!("no delta in {witness:?}"));
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn isn_randomiser_on_both_legs_connects_for_every_offset() {
    // Acceptance item 9: the client's ack check needs seq + Δ − Δ to
    // cancel, for every Δ the randomiser may pick.
    let (code, r, _) = verify("isn", None);
    assert_eq!(code, 0);
    assert_eq!(verdict(&r[0]), "CONNECTED");
    let fields = &r[0]["paths"][0]["fields"];
    assert_eq!(fields["tcp.seq"]["value"], "tcp.seq + fw/isn.delta + 1");
    // The server does see shifted sequence numbers.
    assert_eq!(verdict(&r[1]), "INVARIANT-VIOLATED");
    assert_eq!(r[1]["condition"], "tcp.seq");
    // SACK blocks come back with the acknowledgment.
    assert_eq!(verdict(&r[2]), "INVARIANT-HOLDS");
    let notes = r[2]["paths"].as_array().unwrap().iter().flat_map(|p| {
        p["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
    });
    assert!(
        notes
            .collect::<Vec<_>>()
            .iter()
            .any(|n| n.starts_with("fw/isn: acknowledgment translated back")),
        "the TCP path came back through the randomiser's input 1 with state"
    );
}

#[test]
fn replies_around_the_isn_randomiser_do_not_connect() {
    let (code, r, _) = verify("isn-bypass", None);
    assert_eq!(code, 0);
    assert_eq!(verdict(&r[0]), "NOT-CONNECTED");
    assert_eq!(r[0]["at"], "client:in:0");
    assert!(r[0]["reason"].as_str().unwrap().contains("ack"));
    assert_ne!(witness_delta(&r[0]), 0);
}

#[test]
fn sack_blocks_left_untranslated_break_the_sack_invariant() {
    let (code, r, _) = verify("isn-nosack", None);
    assert_eq!(code, 0);
    // The acknowledgment alone is right, so the connection opens ...
    assert_eq!(verdict(&r[0]), "CONNECTED");
    // ... and only the SACK invariant finds the mistake.
    assert_eq!(verdict(&r[1]), "INVARIANT-VIOLATED");
    assert_eq!(r[1]["condition"], "tcp.sack - tcp.ack");
    assert_eq!(r[1]["at"], "client:in:0");
    assert_ne!(witness_delta(&r[1]), 0);
}

#[test]
fn generated_networks_give_exact_answers() {
    // The shapes `yard verify --bench` times, small: the answers, not the
    // times, are checked here.
    use verify::bench::{measure_big_router, measure_chain, measure_tree};
    let registry = elements::registry();
    let models = elements::symbolic::models();
    let kinds: Vec<String> = [
        "IPRewriter(pattern 192.0.2.{k} 1024-65535 - - 0 1, drop)",
        "IPRewriter(keep 0 1, drop)",
        "TCPSeqRewriter",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (m, _) = measure_chain(30, &kinds, &registry, &models).unwrap();
    assert_eq!(m.verdict, "CONNECTED");
    let (m, per_leaf) = measure_tree(5, &registry, &models).unwrap();
    assert_eq!(m.verdict, "one path per leaf");
    assert_eq!(per_leaf.len(), 32);
    let (m, per_port) = measure_big_router(5000, 16, &registry, &models).unwrap();
    assert_eq!(m.verdict, "one path per port", "{per_port:?}");
}

#[test]
fn offsets_after_a_udp_header_count_eight_bytes() {
    let (_, r, _) = verify("udptunnel", None);
    assert_eq!(verdict(&r[0]), "REACHABLE");
}
