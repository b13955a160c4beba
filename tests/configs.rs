//! Every bundled configuration in `configs/` builds; those that need no
//! network device also run to completion from the repository's root.

use engine::{Router, RunOptions};

#[test]
fn bundled_configurations_build_and_run() {
    let root = switchyard::golden::repo_root();
    let mut files: Vec<_> = std::fs::read_dir(root.join("configs"))
        .expect("configs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "click"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let registry = elements::registry();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read config");
        if text.contains("FromDevice") || text.contains("ToDevice") {
            // Needs root and real interfaces: tests/veth_bridge.rs runs one.
            continue;
        }
        // Relative capture paths are relative to the repository's root.
        let text = text.replace("testdata/", &format!("{}/testdata/", root.display()));
        let router = Router::from_text(&file.display().to_string(), &text, &registry)
            .unwrap_or_else(|e| panic!("{}", e.render()));
        router.run(&RunOptions::default());
    }
}
