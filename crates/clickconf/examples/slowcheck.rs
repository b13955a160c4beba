//! Times parsing and flattening of one file (for fuzzer "slow unit"
//! artifacts): `cargo run --release --example slowcheck FILE`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: slowcheck FILE");
        return;
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("cannot read {path}");
        return;
    };
    let t = std::time::Instant::now();
    let mut sm = clickconf::SourceMap::new();
    let c = clickconf::parse(&mut sm, "x", &text);
    eprintln!("parse {:?}", t.elapsed());
    if let Ok(c) = c {
        let classes = [
            "Idle",
            "Counter",
            "Discard",
            "Queue",
            "Print",
            "Tee",
            "Classifier",
            "Paint",
        ];
        let r = clickconf::flatten(&c, &sm, &classes);
        eprintln!("flatten {:?} ok={}", t.elapsed(), r.is_ok());
        if let Err(d) = r {
            for d in d.iter().take(5) {
                eprintln!("{}", d.render(&sm));
            }
        }
    }
}
