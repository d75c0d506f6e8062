//! The unsafe surface stays small and audited: the core crate forbids
//! `unsafe`, the C-ABI crate has at most `MAX_BLOCKS` `unsafe` blocks, and
//! every one has a `// SAFETY:` comment just above it (or on its line).

use std::path::{Path, PathBuf};

/// The ceiling for `unsafe` blocks in the C-ABI crate (src/).
const MAX_BLOCKS: usize = 120;
/// How many lines above an `unsafe` block its `// SAFETY:` comment may start
/// (a comment of a few lines, or a statement split over a few lines).
const SAFETY_WINDOW: usize = 6;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(file, line)` of every `unsafe {` outside comments, and whether a
/// `// SAFETY:` comment precedes it.
fn unsafe_blocks(root: &Path) -> Vec<(String, usize, bool)> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    files.sort();
    let mut found = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable source");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let n = code.matches("unsafe {").count();
            if n == 0 {
                continue;
            }
            let from = i.saturating_sub(SAFETY_WINDOW);
            let documented = lines[from..=i].iter().any(|l| l.contains("// SAFETY:"));
            for _ in 0..n {
                found.push((f.display().to_string(), i + 1, documented));
            }
        }
    }
    found
}

#[test]
fn the_c_abi_has_few_documented_unsafe_blocks() {
    let blocks = unsafe_blocks(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let undocumented: Vec<_> = blocks.iter().filter(|b| !b.2).collect();
    assert!(
        undocumented.is_empty(),
        "unsafe blocks without a // SAFETY: comment: {undocumented:?}"
    );
    assert!(
        blocks.len() <= MAX_BLOCKS,
        "{} unsafe blocks in src/ (at most {MAX_BLOCKS})",
        blocks.len()
    );
    assert!(
        blocks.len() > 10,
        "the scan found the C ABI's unsafe blocks"
    );
}

#[test]
fn the_core_forbids_unsafe() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("core/src");
    let lib = std::fs::read_to_string(root.join("lib.rs")).expect("core/src/lib.rs");
    assert!(lib.contains("#![forbid(unsafe_code)]"));
    assert!(unsafe_blocks(&root).is_empty());
}
