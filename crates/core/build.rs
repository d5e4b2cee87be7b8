//! Embeds every AWS-managed policy in data/managed-policies/ (one JSON file each) into the crate.

use std::io::Write;

fn main() {
    let dir = std::path::Path::new("data/managed-policies");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("data/managed-policies exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("managed_policies.rs");
    let mut f = std::fs::File::create(out).expect("create generated file");
    writeln!(f, "pub static EMBEDDED: &[&str] = &[").unwrap();
    for n in names {
        writeln!(f, "    include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/data/managed-policies/{n}\")),")
            .unwrap();
    }
    writeln!(f, "];").unwrap();
}
