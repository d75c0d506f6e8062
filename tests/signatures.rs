//! The signature check: cbindgen writes a C prototype for every function
//! the crate exports; compiling those prototypes after our headers in
//! `include/` fails on any parameter or return type that differs.
//! It also checks that every export is declared by the headers (or is one
//! of our documented additions).

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn generate_prototypes(out: &Path) -> String {
    let root = common::repo_root();
    let mut config = cbindgen::Config {
        language: cbindgen::Language::C,
        usize_is_size_t: true,
        no_includes: true,
        ..Default::default()
    };
    config.export.item_types = vec![cbindgen::ItemType::Functions];
    config.style = cbindgen::Style::Type;
    // Raw integer aliases for C enums we read (never trusted as Rust enums).
    config.export.rename.insert(
        "memcached_return_raw".to_owned(),
        "memcached_return_t".to_owned(),
    );
    config
        .export
        .rename
        .insert("timespec".to_owned(), "struct timespec".to_owned());
    // Exports are written through the `ffi_fn!` macro, so cbindgen must
    // read the macro-expanded crate (`-Zunpretty=expanded`, allowed on a
    // stable toolchain through RUSTC_BOOTSTRAP for this one check).
    config.parse.expand.crates = vec!["libmemcached-rs".to_owned()];
    config.parse.expand.default_features = true;
    // SAFETY: this binary has one test and sets the variable before any
    // thread reads the environment; it only affects the cargo child.
    unsafe { std::env::set_var("RUSTC_BOOTSTRAP", "1") };
    config.function.must_use = None;
    let bindings = cbindgen::Builder::new()
        .with_crate(&root)
        .with_config(config)
        .generate()
        .expect("cbindgen could not read the crate");
    bindings.write_to_file(out);
    std::fs::read_to_string(out).expect("prototypes written")
}

#[test]
fn exports_match_the_headers() {
    let dir = common::fresh_dir("signatures");
    let protos = dir.join("prototypes.h");
    let text = generate_prototypes(&protos);
    let count = text.matches(");").count();
    assert!(count > 50, "cbindgen found only {count} exports");

    let unit = dir.join("check.c");
    std::fs::write(
        &unit,
        format!(
            "#include <libmemcached/memcached.h>\n#include <libmemcached/util.h>\n\
             #include <libhashkit-1.0/hashkit.h>\n#include <libmemcached-rs/tls.h>\n\
             #include \"{}\"\nint main(void) {{ return 0; }}\n",
            protos.display()
        ),
    )
    .unwrap();
    let include = common::repo_root().join("include");
    let out = Command::new("gcc")
        .args([
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-Wno-unused-parameter",
            "-fsyntax-only",
            "-I",
        ])
        .arg(&include)
        .arg(&unit)
        .output()
        .expect("gcc runs");
    assert!(
        out.status.success(),
        "prototypes of our exports conflict with include/:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Every export is a declared libmemcached function.
    // The 1.1.4 API plus our documented additions (TLS).
    let mut declared: BTreeSet<String> = BTreeSet::new();
    for list in [".exports-expected.txt", ".exports-extra.txt"] {
        let text = std::fs::read_to_string(include.join(list)).unwrap();
        declared.extend(text.lines().map(str::to_owned));
    }
    let exported: BTreeSet<String> = text
        .lines()
        .filter_map(|l| {
            let open = l.find('(')?;
            if !l.ends_with(");") && !l.trim_end().ends_with(',') && !l.contains('(') {
                return None;
            }
            let head = &l[..open];
            let name = head.rsplit([' ', '*']).next()?;
            (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .then(|| name.to_owned())
        })
        .filter(|n| {
            n.starts_with("memcached")
                || n.starts_with("libmemcached")
                || n.starts_with("hashkit")
                || n.starts_with("libhashkit")
        })
        .collect();
    let extra: Vec<&String> = exported.difference(&declared).collect();
    assert!(
        extra.is_empty(),
        "exports not declared by the 1.1.4 API: {extra:?}"
    );

    // cbindgen saw every function the built library exports.
    let so = common::lib_dir().join("libmemcached.so.11");
    let nm = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&so)
        .output()
        .expect("nm runs");
    let in_library: BTreeSet<String> = String::from_utf8_lossy(&nm.stdout)
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let (_, kind, name) = (parts.next()?, parts.next()?, parts.next()?);
            (kind == "T").then(|| name.to_owned())
        })
        .filter(|n| declared.contains(n))
        .collect();
    let unseen: Vec<&String> = in_library.difference(&exported).collect();
    assert!(
        unseen.is_empty(),
        "exports cbindgen did not check: {unseen:?}"
    );
}

/// `scripts/check-headers.sh`: every prototype, enum value, macro and
/// struct layout of our headers against Debian's (skips without them).
#[test]
fn headers_match_debians() {
    let script = common::repo_root().join("scripts/check-headers.sh");
    let out = Command::new("sh").arg(&script).output().expect("sh runs");
    assert!(
        out.status.success(),
        "check-headers.sh failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
