//! Runs the C programs in `ctests/` against our library and, when Debian's
//! libmemcached is installed, against Debian's too, diffing the outputs.
//! Also checks the C harness itself and the `make install` layout.
//!
//! For each program `ctests/NAME.c` (one `#[test]` each, listed in the
//! `ctests!` invocation below; `every_program_has_a_test` fails when a
//! program is missing from that list):
//!
//! 1. **ours**: compiled with `-I include/` (no header may come from Debian's
//!    `/usr/include/lib{memcached,hashkit}*`), linked against the staged
//!    library with an rpath, run with `HARNESS_EXPECT_LIB=<stage>`;
//! 2. **debian**: compiled against Debian's headers and library, run plainly
//!    (`HARNESS_EXPECT_LIB=/usr/lib`);
//! 3. **debian binary on ours**: the same binary with `LD_LIBRARY_PATH=<stage>`.
//!
//! Every run gets fresh servers and must exit 0 within 60 s, with
//! `LD_BIND_NOW=1` so a missing export fails at load time. Unless the program
//! says `nodiff`, the stdout of runs 1 and 3 must equal run 2's, ignoring
//! lines that start with `#`.
//!
//! Options go in `// ctest: OPTION` lines at the very top of the program, one
//! option per line:
//!
//! * `needs-server`: start one memcached and pass it in `MEMCACHED_SERVERS`;
//! * `servers=N`: start N servers (`MEMCACHED_SERVERS=127.0.0.1:P1,127.0.0.1:P2,...`);
//! * `udp-server`: like `needs-server`, and the server also listens for UDP
//!   on the same port number (`-U PORT`);
//! * `libs=FLAGS`: extra link flags, e.g. `libs=-lhashkit -lmemcachedutil`;
//! * `nodiff`: only require exit status 0, do not compare outputs;
//! * `cflags=FLAGS`: extra compiler flags, e.g. `cflags=-pedantic`;
//! * `compile-only`: a program without `main` (e.g. static assertions):
//!   compile it with `-c` against both sets of headers, link and run nothing.

mod common;

use common::{Bounded, Memcached, have_debian_lib, lib_dir, repo_root, run_bounded};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Time limit for every compiler run and every program run.
const LIMIT: Duration = Duration::from_secs(60);
/// Longest diff shown in a failure message.
const MAX_DIFF_LINES: usize = 150;

/// One `#[test]` per C program; the names are the file stems in `ctests/`.
macro_rules! ctests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run_ctest(stringify!($name));
            }
        )*
        /// The programs that have a test above.
        const LISTED: &[&str] = &[$(stringify!($name)),*];
    };
}

ctests!(
    header_check,
    smoke,
    behaviors,
    returns,
    callbacks,
    hashkit,
    placement,
    servers,
    stats,
    config,
    pool,
    encoding,
    bad_args,
    stress,
    fetch_reuse,
    after_free,
    group_keys,
    buffered,
    mget_execute,
    ownership,
    continuum,
    sequence_finds,
    udp,
    reentry
);

#[test]
fn every_program_has_a_test() {
    let mut found: Vec<String> = std::fs::read_dir(repo_root().join("ctests"))
        .expect("read ctests/")
        .filter_map(|e| {
            let path = e.expect("dir entry").path();
            let stem = path.file_stem()?.to_str()?.to_string();
            (path.extension()? == "c" && stem != "harness").then_some(stem)
        })
        .collect();
    found.sort();
    let missing: Vec<&String> = found
        .iter()
        .filter(|n| !LISTED.contains(&n.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "ctests/{{{}}}.c have no test: add their names to `ctests!(...)` in tests/ctests.rs \
         (program names must be valid Rust identifiers)",
        missing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    for name in LISTED {
        assert!(
            found.iter().any(|f| f == name),
            "ctests/{name}.c is listed but does not exist"
        );
    }
}

/// What a program asks for in its `// ctest:` lines.
#[derive(Debug, Default)]
struct Options {
    servers: usize,
    udp: bool,
    libs: Vec<String>,
    cflags: Vec<String>,
    nodiff: bool,
    compile_only: bool,
}

fn parse_options(source: &str) -> Result<Options, String> {
    let mut opts = Options::default();
    for line in source.lines() {
        let Some(option) = line.strip_prefix("// ctest:") else {
            break;
        };
        let option = option.trim();
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        match (key.trim(), value.trim()) {
            ("needs-server", "") => opts.servers = opts.servers.max(1),
            ("udp-server", "") => {
                opts.servers = opts.servers.max(1);
                opts.udp = true;
            }
            ("servers", n) => {
                opts.servers = n.parse().map_err(|_| format!("bad `servers={n}`"))?;
            }
            ("libs", flags) if !flags.is_empty() => {
                opts.libs
                    .extend(flags.split_whitespace().map(str::to_string));
            }
            ("cflags", flags) if !flags.is_empty() => {
                opts.cflags
                    .extend(flags.split_whitespace().map(str::to_string));
            }
            ("nodiff", "") => opts.nodiff = true,
            ("compile-only", "") => opts.compile_only = true,
            _ => return Err(format!("unknown ctest option `{option}`")),
        }
    }
    Ok(opts)
}

/// Which headers and library a program is built with.
#[derive(Clone, Copy, PartialEq)]
enum Build {
    /// `include/` of this repository and the staged library (with an rpath).
    Ours,
    /// Debian's headers and library.
    Debian,
}

/// Compiles `ctests/NAME.c` + harness.c into `out`; Err holds the diagnostics.
fn compile(name: &str, opts: &Options, build: Build, out: &Path) -> Result<(), String> {
    let root = repo_root();
    let ctests = root.join("ctests");
    let depfile = out.with_extension("d");
    let mut cmd = Command::new("gcc");
    cmd.args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-g"])
        .args(&opts.cflags);
    if build == Build::Ours {
        let include = root.join("include");
        if !include.join("libmemcached-1.0/memcached.h").is_file() {
            return Err(format!(
                "{} has no libmemcached-1.0/memcached.h yet",
                include.display()
            ));
        }
        cmd.arg("-I")
            .arg(include)
            .arg("-MD")
            .arg("-MF")
            .arg(&depfile);
    }
    cmd.arg("-I")
        .arg(&ctests)
        .arg(ctests.join(format!("{name}.c")));
    if opts.compile_only {
        cmd.arg("-c");
    } else {
        cmd.arg(ctests.join("harness.c"));
        if build == Build::Ours {
            let stage = lib_dir();
            cmd.arg(format!("-L{}", stage.display()))
                .arg(format!("-Wl,-rpath,{}", stage.display()));
        }
        cmd.arg("-lmemcached").args(&opts.libs);
    }
    cmd.arg("-o").arg(out);
    let run = run_bounded(&mut cmd, LIMIT);
    if !run.success() {
        let hint = if run.stderr.contains("undefined reference to `main'") {
            "\nhint: a program without main() needs `// ctest: compile-only`"
        } else if run.stderr.contains("undefined reference to") {
            "\nhint: our libmemcached.so.11 does not export a function the program uses"
        } else {
            ""
        };
        return Err(format!("{cmd:?}\n{}{hint}", run.describe()));
    }
    if build == Build::Ours {
        // A header missing from include/ would silently come from /usr/include.
        let deps = std::fs::read_to_string(&depfile).unwrap_or_default();
        let foreign: Vec<&str> = deps
            .split_whitespace()
            .filter(|d| {
                d.starts_with("/usr/include/libmemcached")
                    || d.starts_with("/usr/include/libhashkit")
            })
            .collect();
        if !foreign.is_empty() {
            return Err(format!(
                "the build with include/ used Debian's headers: {foreign:?}"
            ));
        }
    }
    Ok(())
}

/// Runs a compiled program on fresh servers. `ld_path` is set as
/// LD_LIBRARY_PATH; `expect` becomes HARNESS_EXPECT_LIB.
fn run_program(binary: &Path, opts: &Options, ld_path: Option<&Path>, expect: &Path) -> Bounded {
    let args: &[&str] = if opts.udp { &["-U", "{port}"] } else { &[] };
    let servers: Vec<Memcached> = (0..opts.servers)
        .map(|_| Memcached::start_with(args))
        .collect();
    let mut cmd = Command::new(binary);
    cmd.env("HARNESS_EXPECT_LIB", expect)
        .env("LD_BIND_NOW", "1")
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("LD_PRELOAD")
        .env_remove("MEMCACHED_SERVERS");
    if let Some(dir) = ld_path {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    if !servers.is_empty() {
        let list: Vec<String> = servers.iter().map(Memcached::addr).collect();
        cmd.env("MEMCACHED_SERVERS", list.join(","));
    }
    let run = run_bounded(&mut cmd, LIMIT);
    drop(servers);
    run
}

/// Explains a failed run, with a hint for the usual causes.
fn run_failure(what: &str, run: &Bounded) -> String {
    let mut hint = "";
    if run.stderr.contains("undefined symbol") || run.stderr.contains("symbol lookup error") {
        hint = "\nhint: our libmemcached.so.11 does not export a function the program uses";
    } else if run.status.and_then(|s| s.code()) == Some(2) && run.stderr.contains("harness:") {
        hint = "\nhint: the harness refused the run (wrong library loaded or no MEMCACHED_SERVERS)";
    }
    format!("{what}: {}{hint}", run.describe())
}

fn run_ctest(name: &str) {
    let source_path = repo_root().join(format!("ctests/{name}.c"));
    let source = std::fs::read_to_string(&source_path)
        .unwrap_or_else(|e| panic!("read {}: {e}", source_path.display()));
    let opts = parse_options(&source).unwrap_or_else(|e| panic!("{}: {e}", source_path.display()));
    let work = common::fresh_dir(&format!("ctest-{name}"));
    let stage = lib_dir();
    let mut failures = Vec::new();

    if opts.compile_only {
        for (build, what) in [
            (Build::Ours, "include/"),
            (Build::Debian, "Debian's headers"),
        ] {
            if build == Build::Debian && !have_debian_lib() {
                continue;
            }
            if let Err(e) = compile(name, &opts, build, &work.join("object.o")) {
                failures.push(format!("compiling against {what} failed:\n{e}"));
            }
        }
        assert!(
            failures.is_empty(),
            "ctests/{name}.c:\n\n{}",
            failures.join("\n\n")
        );
        return;
    }

    // 1. Our headers, our library.
    let ours_bin = work.join("ours");
    let ours = match compile(name, &opts, Build::Ours, &ours_bin) {
        Ok(()) => {
            let run = run_program(&ours_bin, &opts, None, &stage);
            if !run.success() {
                failures.push(run_failure("built with include/, run on our library", &run));
            }
            Some(run)
        }
        Err(e) => {
            failures.push(format!("compiling with include/ failed:\n{e}"));
            None
        }
    };

    if have_debian_lib() {
        let debian_bin = work.join("debian");
        match compile(name, &opts, Build::Debian, &debian_bin) {
            Err(e) => failures.push(format!("compiling against Debian's headers failed:\n{e}")),
            Ok(()) => {
                // 2. Debian's binary on Debian's library: the reference.
                let reference = run_program(&debian_bin, &opts, None, Path::new("/usr/lib"));
                if !reference.success() {
                    failures.push(run_failure(
                        "Debian's library fails this program, so the program is wrong",
                        &reference,
                    ));
                }
                // 3. The same binary on our library.
                let swapped = run_program(&debian_bin, &opts, Some(&stage), &stage);
                if !swapped.success() {
                    failures.push(run_failure(
                        "built against Debian, run with LD_LIBRARY_PATH=<our lib>",
                        &swapped,
                    ));
                }
                if !opts.nodiff && reference.success() {
                    let compared = [
                        ("Debian's library, + ours; same binary", Some(&swapped)),
                        (
                            "Debian's headers and library, + include/ and ours",
                            ours.as_ref(),
                        ),
                    ];
                    for (what, run) in compared {
                        // A run that printed nothing failed to start: reported above.
                        let Some(run) = run.filter(|r| !r.stdout.is_empty()) else {
                            continue;
                        };
                        if let Some(d) = diff(&reference.stdout, &run.stdout) {
                            failures.push(format!("output differs (- {what}):\n{d}"));
                        }
                    }
                }
            }
        }
    } else {
        eprintln!("note: Debian's libmemcached is not installed; ctests/{name}.c ran on ours only");
    }

    assert!(
        failures.is_empty(),
        "ctests/{name}.c ({} problem(s); binaries kept in {}):\n\n{}",
        failures.len(),
        work.display(),
        failures.join("\n\n")
    );
    // Keep the binaries of failed runs for a closer look; drop the rest.
    let _ = std::fs::remove_dir_all(&work);
}

/// A line diff of two outputs, ignoring lines that start with '#'; `None` when
/// they are equal. Shows each change with up to 3 lines of context.
fn diff(expected: &str, actual: &str) -> Option<String> {
    let keep = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (a, b) = (keep(expected), keep(actual));
    if a == b {
        return None;
    }
    // Longest common subsequence table, from the end (outputs are small).
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', &a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', &a[i]));
            i += 1;
        } else {
            ops.push(('+', &b[j]));
            j += 1;
        }
    }
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let near = |k: usize| changed.iter().any(|&c| c.abs_diff(k) <= 3);
    let mut out = String::new();
    let mut skipped = false;
    let mut shown = 0;
    for (k, (mark, line)) in ops.iter().enumerate() {
        if shown == MAX_DIFF_LINES {
            out.push_str(&format!("... (diff cut at {MAX_DIFF_LINES} lines)\n"));
            break;
        }
        if near(k) {
            shown += 1;
            if skipped {
                out.push_str("@@\n");
                skipped = false;
            }
            out.push_str(&format!("{mark}{line}\n"));
        } else {
            skipped = true;
        }
    }
    Some(out)
}

#[test]
fn diff_reports_changes_and_ignores_comments() {
    assert_eq!(diff("a\n# x\nb\n", "a\n# y\nb\n"), None);
    let d = diff("a\nb\nc\n", "a\nB\nc\n").expect("a difference");
    assert_eq!(d, " a\n-b\n+B\n c\n");
}

#[test]
fn options_are_parsed_and_typos_rejected() {
    let o = parse_options("// ctest: needs-server\n// ctest: libs=-lhashkit -lmemcachedutil\n// ctest: nodiff\nint x;\n// ctest: servers=9\n")
        .expect("valid options");
    assert_eq!((o.servers, o.nodiff), (1, true));
    assert_eq!(o.libs, ["-lhashkit", "-lmemcachedutil"]);
    assert_eq!(
        parse_options("// ctest: servers=3\n")
            .expect("valid")
            .servers,
        3
    );
    assert!(parse_options("// ctest: need-server\n").is_err());
}

/// Builds a program that only runs the harness's library check.
fn build_probe(dir: &Path, link_ours: bool) -> PathBuf {
    let ctests = repo_root().join("ctests");
    let main = dir.join("probe.c");
    std::fs::write(
        &main,
        "#include \"harness.h\"\nint main(void) { harness_check_loaded_library(); return harness_finish(); }\n",
    )
    .expect("write probe.c");
    let bin = dir.join("probe");
    let mut cmd = Command::new("gcc");
    cmd.arg("-I")
        .arg(&ctests)
        .arg(&main)
        .arg(ctests.join("harness.c"))
        .arg("-o")
        .arg(&bin);
    if link_ours {
        let stage = lib_dir();
        cmd.arg(format!("-L{}", stage.display()))
            .arg(format!("-Wl,-rpath,{}", stage.display()));
    }
    // The probe calls nothing in the library: keep the DT_NEEDED anyway.
    cmd.args(["-Wl,--no-as-needed", "-lmemcached", "-lhashkit"]);
    let run = run_bounded(&mut cmd, LIMIT);
    assert!(
        run.success(),
        "building the harness probe failed: {}",
        run.describe()
    );
    bin
}

fn probe(bin: &Path, ld_path: Option<&Path>, expect: &Path) -> Bounded {
    let mut cmd = Command::new(bin);
    cmd.env("HARNESS_EXPECT_LIB", expect)
        .env_remove("LD_LIBRARY_PATH");
    if let Some(dir) = ld_path {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    run_bounded(&mut cmd, LIMIT)
}

/// The library check must accept the right library and refuse a wrong one,
/// or every comparison above could silently test Debian against itself.
#[test]
fn harness_detects_which_library_is_loaded() {
    let dir = common::fresh_dir("harness-probe");
    let stage = lib_dir();
    let nowhere = Path::new("/nonexistent");

    let ours = build_probe(&dir, true);
    let run = probe(&ours, None, &stage);
    assert!(run.success(), "probe on our staged lib: {}", run.describe());
    assert!(run.stderr.contains(&format!(
        "harness: loaded {}/libmemcached.so.11",
        stage.display()
    )));
    assert!(run.stderr.contains(&format!(
        "harness: loaded {}/libhashkit.so.2",
        stage.display()
    )));
    assert_eq!(
        probe(&ours, None, nowhere).status.and_then(|s| s.code()),
        Some(2)
    );

    if have_debian_lib() {
        let debian_dir = dir.join("debian");
        std::fs::create_dir_all(&debian_dir).expect("mkdir");
        let debian = build_probe(&debian_dir, false);
        let run = probe(&debian, None, Path::new("/usr/lib"));
        assert!(run.success(), "probe on Debian's lib: {}", run.describe());
        let run = probe(&debian, None, &stage);
        assert_eq!(
            run.status.and_then(|s| s.code()),
            Some(2),
            "{}",
            run.describe()
        );
        let run = probe(&debian, Some(&stage), &stage);
        assert!(
            run.success(),
            "Debian-built probe with LD_LIBRARY_PATH: {}",
            run.describe()
        );
    }
}

/// `make install` into a DESTDIR: libraries with their links and SONAMEs,
/// the include/ tree and a working pkg-config file.
#[test]
fn make_install_layout() {
    let root = repo_root();
    let dest = common::fresh_dir("install");
    let stage = lib_dir();
    let mut cmd = Command::new("make");
    cmd.current_dir(&root)
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL")
        .args(["-s", "install", "PREFIX=/usr/local"])
        .arg(format!("DESTDIR={}", dest.display()))
        .arg(format!("STAGEDIR={}", stage.display()));
    let run = run_bounded(&mut cmd, LIMIT);
    assert!(run.success(), "make install failed: {}", run.describe());

    let libdir = dest.join("usr/local/lib");
    for (soname, dev) in [
        ("libmemcached.so.11", "libmemcached.so"),
        ("libhashkit.so.2", "libhashkit.so"),
        ("libmemcachedutil.so.2", "libmemcachedutil.so"),
    ] {
        let real = format!("{soname}.0.0");
        let meta = std::fs::symlink_metadata(libdir.join(&real)).expect(&real);
        assert!(meta.is_file(), "{real} is not a regular file");
        for (link, target) in [(soname, real.as_str()), (dev, soname)] {
            let got =
                std::fs::read_link(libdir.join(link)).unwrap_or_else(|e| panic!("{link}: {e}"));
            assert_eq!(got, Path::new(target), "{link} points elsewhere");
        }
        let dynamic = objdump(&libdir.join(&real));
        assert!(
            has_entry(&dynamic, "SONAME", soname),
            "{real}: SONAME is not {soname}:\n{dynamic}"
        );
        let needed = if soname == "libmemcached.so.11" {
            "libsasl2.so.2"
        } else {
            "libmemcached.so.11"
        };
        assert!(
            has_entry(&dynamic, "NEEDED", needed),
            "{real}: no NEEDED {needed}:\n{dynamic}"
        );
    }

    let headers = |base: &Path| {
        let mut files = Vec::new();
        list_files(base, base, &mut files);
        files.sort();
        files
    };
    let wanted = headers(&root.join("include"));
    assert_eq!(
        headers(&dest.join("usr/local/include")),
        wanted,
        "installed headers differ from include/"
    );

    let pc_dir = libdir.join("pkgconfig");
    assert!(pc_dir.join("libmemcached.pc").is_file());
    let pkg = |arg: &str| {
        let run = run_bounded(
            Command::new("pkg-config")
                .env("PKG_CONFIG_PATH", &pc_dir)
                .args([arg, "libmemcached"]),
            LIMIT,
        );
        assert!(run.success(), "pkg-config {arg}: {}", run.describe());
        run.stdout.trim().to_string()
    };
    assert_eq!(pkg("--modversion"), "1.1.4");
    assert!(pkg("--libs").starts_with("-L/usr/local/lib -lmemcached -lmemcachedutil"));
    assert!(
        pkg("--libs").contains("-lsasl2"),
        "Requires: libsasl2 missing"
    );
    assert_eq!(pkg("--cflags"), "-I/usr/local/include");
    let _ = std::fs::remove_dir_all(&dest);
}

fn objdump(file: &Path) -> String {
    let run = run_bounded(Command::new("objdump").arg("-p").arg(file), LIMIT);
    assert!(
        run.success(),
        "objdump -p {}: {}",
        file.display(),
        run.describe()
    );
    run.stdout
}

/// True when `objdump -p` output has a dynamic entry `tag value`.
fn has_entry(dynamic: &str, tag: &str, value: &str) -> bool {
    dynamic
        .lines()
        .any(|l| l.split_whitespace().collect::<Vec<_>>() == [tag, value])
}

/// Non-hidden files under `dir`, relative to `base`.
fn list_files(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        if path.is_dir() {
            list_files(base, &path, out);
        } else {
            out.push(path.strip_prefix(base).expect("under base").to_path_buf());
        }
    }
}

/// Sends one command line and returns the first reply line ("" on timeout).
fn ask(stream: &mut (impl std::io::Read + std::io::Write), command: &str) -> String {
    stream
        .write_all(format!("{command}\r\n").as_bytes())
        .expect("write");
    let mut reply = Vec::new();
    let mut byte = [0u8; 1];
    while !reply.ends_with(b"\r\n") && reply.len() < 4096 {
        match stream.read(&mut byte) {
            Ok(1) => reply.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&reply).trim_end().to_string()
}

fn connect(server: &Memcached) -> std::net::TcpStream {
    let stream = std::net::TcpStream::connect(server.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    stream
}

/// The fixture itself: start, restart on the same port, SIGSTOP/SIGCONT,
/// kill, and the server is gone after drop.
#[test]
fn fixture_server_lifecycle() {
    let mut server = Memcached::start();
    let other = Memcached::start_with(&["-m", "8"]);
    assert_ne!(server.port, other.port);
    let (port, first_pid) = (server.port, server.pid);

    let mut c = connect(&server);
    assert_eq!(ask(&mut c, "set k 0 0 1\r\nx"), "STORED");
    assert!(ask(&mut c, "version").starts_with("VERSION "));

    server.sigstop();
    let mut frozen = connect(&server); // the kernel still accepts
    assert_eq!(ask(&mut frozen, "version"), "", "a stopped server answered");
    server.sigcont();
    assert!(ask(&mut frozen, "version").starts_with("VERSION "));

    server.restart();
    assert_eq!((server.port, server.is_running()), (port, true));
    assert_ne!(server.pid, first_pid);
    let mut c = connect(&server);
    assert_eq!(ask(&mut c, "get k"), "END", "data survived a restart");

    server.kill();
    assert!(!server.is_running());
    assert!(std::net::TcpStream::connect(server.addr()).is_err());
    server.restart();
    server.stop();
    assert!(!server.is_running());

    let pid = other.pid;
    drop(other);
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "memcached {pid} outlived its fixture"
    );
}

#[test]
fn fixture_unix_socket_server() {
    let path = common::fresh_dir("unix").join("memcached.sock");
    let server = Memcached::start_unix(&path);
    assert_eq!(server.server_string(), path.display().to_string());
    let mut s = std::os::unix::net::UnixStream::connect(&path).expect("connect unix socket");
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    assert!(ask(&mut s, "version").starts_with("VERSION "));
    drop(server);
    assert!(!path.exists(), "socket file left behind");
}
