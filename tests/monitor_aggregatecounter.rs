//! AggregateCounter's file handlers against Click's: the files in
//! `testdata/golden/monitor-aggregatecounter/click/` were written by Click's
//! userlevel driver running the configuration below with a
//! `DriverManager(wait, write ac.write_text_file …, …)` at the end (the
//! same handler writes, in the same order, as this test makes after the
//! run); the handler values are Click's too.

use std::path::PathBuf;

use engine::{Router, RunOptions};

const CONFIG: &str = "FromDump(@IN@/monitor-flows.pcap, STOP true)
  -> CheckIPHeader(14, CHECKSUM false)
  -> af :: AggregateIPFlows(FRAGMENTS false)
  -> ac :: AggregateCounter(BANNER \"!made by a test\")
  -> fz :: AggregateCounter(AGGREGATE_FREEZE 3, BYTES true);
fz[0] -> Discard;
fz[1] -> nc :: Counter -> Discard;
af[1] -> Discard;";

#[test]
fn files_and_handlers_match_click() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let click = root.join("testdata/golden/monitor-aggregatecounter/click");
    let out = std::env::temp_dir().join(format!("yard-aggcounter-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let text = CONFIG.replace(
        "@IN@",
        &root.join("testdata/captures").display().to_string(),
    );
    let router = Router::from_text("t", &text, &elements::registry())
        .unwrap_or_else(|e| panic!("{}", e.render()));
    router.run(&RunOptions { threads: 1 });
    let o = |f: &str| out.join(f).display().to_string();
    for (handler, value) in [
        ("ac.write_text_file", o("text.txt")),
        ("ac.write_ip_file", o("ip.txt")),
        ("ac.write_pdf_file", o("pdf.txt")),
        ("ac.write_file", o("packed.bin")),
        ("fz.write_text_file", o("frozen.txt")),
        ("ac.counts_pdf", String::new()),
        ("ac.banner", String::new()),
        ("ac.write_text_file", o("reaggregated.txt")),
    ] {
        router
            .write_handler(handler, &value)
            .unwrap_or_else(|e| panic!("{handler}: {e}"));
    }
    for f in [
        "text.txt",
        "ip.txt",
        "pdf.txt",
        "packed.bin",
        "frozen.txt",
        "reaggregated.txt",
    ] {
        let want = std::fs::read(click.join(f)).unwrap();
        let got = std::fs::read(out.join(f)).unwrap();
        assert!(
            want == got,
            "{f} differs:\n{}\n--- Click:\n{}",
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want)
        );
    }
    for (h, want) in [
        ("ac.nagg", "5"),
        ("ac.count", "19"),
        ("fz.nagg", "3"),
        ("fz.count", "635"),
        ("nc.count", "9"),
        ("fz.freeze", "true"),
        ("ac.banner", ""),
    ] {
        assert_eq!(router.read_handler(h).unwrap(), want, "{h}");
    }
    let _ = std::fs::remove_dir_all(&out);
}
