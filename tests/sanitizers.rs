//! The C programs of `ctests/` under valgrind memcheck and AddressSanitizer,
//! against our library (issue 8, item 4).
//!
//! * **valgrind**: a representative subset of the programs (the slow
//!   `placement` is left out: about 100 s under memcheck), built exactly as
//!   tests/ctests.rs builds them against `include/` and the staged library,
//!   each run under `valgrind --error-exitcode=99 --leak-check=full
//!   --errors-for-leak-kinds=definite` with one log file per process (the
//!   `bad_args` program forks a child per call). A run passes when it exits
//!   0 and every log says `ERROR SUMMARY: 0 errors`: no invalid read, write
//!   or free anywhere (our Rust code is checked too, it is not instrumented
//!   but memcheck watches every instruction) and 0 bytes definitely lost.
//!   "Possibly lost" blocks are not errors: the library interns a few
//!   strings for the life of the process. No suppression file is needed so
//!   far; a valgrind that is not installed skips these tests with a message.
//! * **AddressSanitizer**: every program, compiled with `-fsanitize=address
//!   -fno-omit-frame-pointer`. Only the C side is instrumented, but ASan's
//!   allocator serves every malloc/free of the process, so freeing memory we
//!   hand out, double frees, reading past a buffer we return and leaks of
//!   what we allocate (LeakSanitizer) are all reported. A run passes when it
//!   exits 0 and prints no sanitizer report.
//!
//! Negative controls (tests that cannot fail are defects): a small canary
//! program leaks a handle, frees a `memcached_get` value twice or reads past
//! its end, and each tool must report exactly that.
//!
//! Every compiler and program run is bounded by [`LIMIT`].

mod common;

use common::{Bounded, Memcached, lib_dir, repo_root, run_bounded};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Time limit for each compiler run and each program run (memcheck slows a
/// program down 20-50 times; `hashkit` takes about 55 s on 2 shared cores).
const LIMIT: Duration = Duration::from_secs(300);
/// The exit status valgrind and the sanitizers use when they found errors.
const TOOL_EXIT: i32 = 99;
/// How many lines of a tool's report a failure message shows.
const MAX_REPORT_LINES: usize = 120;

/// Which checker a program is built for and run under.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Tool {
    Valgrind,
    Asan,
}

/// One `#[test]` per program run under valgrind.
macro_rules! valgrind_tests {
    ($($test:ident => $program:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                run_checked($program, Tool::Valgrind);
            }
        )*
    };
}

valgrind_tests!(
    valgrind_smoke => "smoke",
    valgrind_returns => "returns",
    valgrind_callbacks => "callbacks",
    valgrind_reentry => "reentry",
    valgrind_servers => "servers",
    valgrind_stats => "stats",
    valgrind_hashkit => "hashkit",
    valgrind_config => "config",
    valgrind_pool => "pool",
    valgrind_encoding => "encoding",
    valgrind_bad_args => "bad_args",
    valgrind_behaviors => "behaviors",
    valgrind_stress => "stress",
    valgrind_fetch_reuse => "fetch_reuse",
    valgrind_after_free => "after_free",
    valgrind_ownership => "ownership",
    valgrind_buffered => "buffered",
    valgrind_group_keys => "group_keys",
    valgrind_udp => "udp",
);

/// Extra environment of valgrind runs: memcheck runs threads one at a time,
/// so ctests/stress.c does 6,400 commands per protocol instead of 16,000.
const VALGRIND_ENV: &[(&str, &str)] = &[("STRESS_OPS", "6400")];

/// Every program of ctests/ (but compile-only ones) built with ASan. One test
/// that finds the programs itself, so a new program is covered at once.
#[test]
fn asan_every_program() {
    if !have_asan() {
        eprintln!("note: gcc cannot link -fsanitize=address here; ASan runs skipped");
        return;
    }
    let mut failures = Vec::new();
    let mut ran = Vec::new();
    for name in programs() {
        let opts = options(&name);
        if opts.compile_only {
            continue;
        }
        let started = Instant::now();
        if let Err(e) = check(&name, &opts, Tool::Asan) {
            failures.push(e);
        }
        ran.push(format!("{name} {:.1}s", started.elapsed().as_secs_f64()));
    }
    eprintln!("asan runs: {}", ran.join(", "));
    assert!(
        ran.len() >= 10,
        "only {} programs found in ctests/",
        ran.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The canary is clean when it behaves, and memcheck reports its definite
/// leak and its double free.
#[test]
fn valgrind_reports_leaks_and_double_frees() {
    if !have_valgrind() {
        eprintln!("note: valgrind is not installed; valgrind runs skipped");
        return;
    }
    canary_is_caught(
        Tool::Valgrind,
        &[
            ("leak", "definitely lost in loss record"),
            ("double-free", "Invalid free()"),
            ("overflow", "Invalid read of size 1"),
        ],
    );
}

/// The canary run under `tool` is clean when it behaves, and each bad
/// `mode` ends with the tool's exit code and a report containing `wanted`.
fn canary_is_caught(tool: Tool, cases: &[(&str, &str)]) {
    let canary = Canary::build(tool);
    let run = canary.run("clean");
    assert!(
        run.exit == Some(0) && run.errors.is_empty(),
        "clean canary: {}",
        run.text
    );
    for &(mode, wanted) in cases {
        let run = canary.run(mode);
        assert_eq!(run.exit, Some(TOOL_EXIT), "canary {mode}: {}", run.text);
        assert!(
            run.text.contains(wanted),
            "canary {mode}: no `{wanted}` in:\n{}",
            run.text
        );
    }
}

/// Same for ASan: clean canary, then a leak (LeakSanitizer), a double free
/// and an overflow of a value our library returned.
#[test]
fn asan_reports_leaks_double_frees_and_overflows() {
    if !have_asan() {
        eprintln!("note: gcc cannot link -fsanitize=address here; ASan runs skipped");
        return;
    }
    canary_is_caught(
        Tool::Asan,
        &[
            ("leak", "ERROR: LeakSanitizer: detected memory leaks"),
            (
                "double-free",
                "ERROR: AddressSanitizer: attempting double-free",
            ),
            ("overflow", "ERROR: AddressSanitizer: heap-buffer-overflow"),
        ],
    );
}

#[test]
fn reports_are_summarised() {
    let log = "==1== Memcheck\n==1== Invalid read of size 8\n==1==    at 0x1: f (a.rs:1)\n\
               ==1== \n==1== ERROR SUMMARY: 1 errors from 1 contexts (suppressed: 0 from 0)\n";
    assert_eq!(error_count(log), Some(1));
    assert_eq!(
        error_count("==2== ERROR SUMMARY: 0 errors from 0 contexts"),
        Some(0)
    );
    assert_eq!(error_count("no summary"), None);
    assert!(asan_report("==3==ERROR: AddressSanitizer: heap-use-after-free").is_some());
    assert!(asan_report("harness: loaded x\n").is_none());
}

/// The `// ctest:` options this runner needs (see tests/ctests.rs for the
/// full syntax; options it does not need are accepted and ignored).
#[derive(Default, Debug)]
struct Options {
    servers: usize,
    udp: bool,
    libs: Vec<String>,
    cflags: Vec<String>,
    compile_only: bool,
}

fn options(name: &str) -> Options {
    let path = repo_root().join(format!("ctests/{name}.c"));
    let source =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut opts = Options::default();
    for line in source.lines() {
        let Some(option) = line.strip_prefix("// ctest:") else {
            break;
        };
        let option = option.trim();
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        let words = || value.split_whitespace().map(str::to_string);
        match key.trim() {
            "needs-server" => opts.servers = opts.servers.max(1),
            "udp-server" => {
                opts.servers = opts.servers.max(1);
                opts.udp = true;
            }
            "servers" => {
                opts.servers = value
                    .trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("{}: bad `{option}`", path.display()));
            }
            "libs" => opts.libs.extend(words()),
            "cflags" => opts.cflags.extend(words()),
            "compile-only" => opts.compile_only = true,
            _ => {}
        }
    }
    opts
}

/// The programs of ctests/ (file stems), sorted.
fn programs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("ctests"))
        .expect("read ctests/")
        .filter_map(|e| {
            let path = e.expect("dir entry").path();
            let stem = path.file_stem()?.to_str()?.to_string();
            (path.extension()? == "c" && stem != "harness").then_some(stem)
        })
        .collect();
    names.sort();
    names
}

fn have_valgrind() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// True when gcc can link an ASan program (libasan installed).
fn have_asan() -> bool {
    let dir = common::fresh_dir("asan-probe");
    let src = dir.join("probe.c");
    std::fs::write(&src, "int main(void) { return 0; }\n").expect("write probe.c");
    let ok = run_bounded(
        Command::new("gcc")
            .arg("-fsanitize=address")
            .arg(&src)
            .arg("-o")
            .arg(dir.join("probe")),
        LIMIT,
    )
    .success();
    let _ = std::fs::remove_dir_all(&dir);
    ok
}

/// gcc with the flags of `tool`, the include/ tree and the staged library.
fn gcc(tool: Tool) -> Command {
    let stage = lib_dir();
    let mut cmd = Command::new("gcc");
    cmd.args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-g"]);
    if tool == Tool::Asan {
        cmd.args(["-fsanitize=address", "-fno-omit-frame-pointer"]);
    }
    cmd.arg("-I")
        .arg(repo_root().join("include"))
        .arg(format!("-L{}", stage.display()))
        .arg(format!("-Wl,-rpath,{}", stage.display()));
    cmd
}

/// The environment of every checked run: our staged library, bound eagerly,
/// with the sanitizers set to exit with [`TOOL_EXIT`].
fn checked_command(tool: Tool, binary: &Path, logs: &Path) -> Command {
    let mut cmd = match tool {
        Tool::Valgrind => {
            let mut cmd = Command::new("valgrind");
            cmd.arg(format!("--error-exitcode={TOOL_EXIT}"))
                .args([
                    "--leak-check=full",
                    "--errors-for-leak-kinds=definite",
                    "--show-leak-kinds=definite",
                    "--num-callers=30",
                ])
                .arg(format!("--log-file={}/vg.%p.log", logs.display()))
                .arg(binary)
                .envs(VALGRIND_ENV.iter().copied());
            cmd
        }
        Tool::Asan => {
            let mut cmd = Command::new(binary);
            let common = format!("exitcode={TOOL_EXIT}:detect_leaks=1:halt_on_error=1");
            cmd.env("ASAN_OPTIONS", &common)
                .env("LSAN_OPTIONS", format!("exitcode={TOOL_EXIT}"));
            cmd
        }
    };
    let stage = lib_dir();
    cmd.env("HARNESS_EXPECT_LIB", &stage)
        .env("LD_BIND_NOW", "1")
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("LD_PRELOAD")
        .env_remove("MEMCACHED_SERVERS");
    cmd
}

/// Builds `ctests/NAME.c` for `tool`, runs it on fresh servers under the
/// tool; panics with the tool's report when anything was found.
fn run_checked(name: &str, tool: Tool) {
    if tool == Tool::Valgrind && !have_valgrind() {
        eprintln!(
            "note: valgrind is not installed; ctests/{name}.c not checked (.ci/run installs it)"
        );
        return;
    }
    let opts = options(name);
    assert!(!opts.compile_only, "ctests/{name}.c has no main()");
    let started = Instant::now();
    if let Err(e) = check(name, &opts, tool) {
        panic!("{e}");
    }
    eprintln!(
        "{tool:?} ctests/{name}.c: clean in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

fn check(name: &str, opts: &Options, tool: Tool) -> Result<(), String> {
    let ctests = repo_root().join("ctests");
    let work = common::fresh_dir(&format!("{tool:?}-{name}").to_lowercase());
    let binary = work.join(name);
    let mut cc = gcc(tool);
    cc.args(&opts.cflags)
        .arg("-I")
        .arg(&ctests)
        .arg(ctests.join(format!("{name}.c")))
        .arg(ctests.join("harness.c"))
        .arg("-lmemcached")
        .args(&opts.libs)
        .arg("-o")
        .arg(&binary);
    let built = run_bounded(&mut cc, LIMIT);
    if !built.success() {
        return Err(format!(
            "ctests/{name}.c: building for {tool:?} failed: {cc:?}\n{}",
            built.describe()
        ));
    }

    let args: &[&str] = if opts.udp { &["-U", "{port}"] } else { &[] };
    let servers: Vec<Memcached> = (0..opts.servers)
        .map(|_| Memcached::start_with(args))
        .collect();
    let mut cmd = checked_command(tool, &binary, &work);
    if !servers.is_empty() {
        let list: Vec<String> = servers.iter().map(Memcached::addr).collect();
        cmd.env("MEMCACHED_SERVERS", list.join(","));
    }
    let run = run_bounded(&mut cmd, LIMIT);
    drop(servers);

    let report = match tool {
        Tool::Valgrind => valgrind_report(&work),
        Tool::Asan => asan_report(&run.stderr),
    };
    if run.success() && report.is_none() {
        let _ = std::fs::remove_dir_all(&work);
        return Ok(());
    }
    Err(format!(
        "ctests/{name}.c under {tool:?} (binary and logs kept in {}): {}\n{}",
        work.display(),
        status(&run),
        report.unwrap_or_else(|| run.describe())
    ))
}

fn status(run: &Bounded) -> String {
    match run.status.and_then(|s| s.code()) {
        Some(TOOL_EXIT) => format!("exit status {TOOL_EXIT}: the tool found errors"),
        Some(0) => "exit status 0".to_string(),
        Some(n) => format!("exit status {n} (1: a check of the program failed)"),
        None if run.status.is_some() => "killed by a signal".to_string(),
        None => format!("killed after {LIMIT:?}"),
    }
}

/// The `N` of the last "ERROR SUMMARY: N errors" line of a memcheck log.
fn error_count(log: &str) -> Option<u64> {
    log.lines()
        .rev()
        .find_map(|l| l.split("ERROR SUMMARY: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.replace(',', "").parse().ok())
}

/// The logs of `dir` (one per process) that report errors, or lack a
/// summary (a process that died inside valgrind), capped in length.
fn valgrind_report(dir: &Path) -> Option<String> {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("vg."))
        })
        .collect();
    logs.sort();
    if logs.is_empty() {
        return Some("valgrind wrote no log".to_string());
    }
    let mut out = String::new();
    for path in logs {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if error_count(&text) == Some(0) {
            continue;
        }
        out.push_str(&format!("--- {} ---\n", path.display()));
        for line in text.lines().take(MAX_REPORT_LINES) {
            out.push_str(line);
            out.push('\n');
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The sanitizer reports in a run's stderr, if any.
fn asan_report(stderr: &str) -> Option<String> {
    let start = stderr.find("ERROR: AddressSanitizer").or_else(|| {
        stderr
            .find("ERROR: LeakSanitizer")
            .or_else(|| stderr.find("AddressSanitizer:DEADLYSIGNAL"))
    })?;
    let from = stderr[..start].rfind('\n').map_or(0, |i| i + 1);
    Some(
        stderr[from..]
            .lines()
            .take(MAX_REPORT_LINES)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// A C program that misuses memory we hand out, on request.
struct Canary {
    tool: Tool,
    binary: PathBuf,
    dir: PathBuf,
    server: Memcached,
}

/// The outcome of one canary run.
struct CanaryRun {
    exit: Option<i32>,
    /// The tool's report (empty when clean).
    errors: String,
    /// Everything: status, output and logs.
    text: String,
}

const CANARY_C: &str = r#"
#include <libmemcached/memcached.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Overwrites the dead stack frames, so no stale copy of a pointer keeps a
 * leaked block "reachable" for the leak checkers' conservative scan. */
static void __attribute__((noinline)) clobber_stack(void) {
    volatile char buf[16384];
    memset((char *)buf, 0, sizeof buf);
}

/* Handles that nothing points to any more: definitely lost. The stack is
 * cleared before each one, or bytes a handle never writes (padding, the
 * payload of an empty Option) could copy the previous handle's address
 * from a dead stack slot and chain every leaked handle to a live one. */
static void __attribute__((noinline)) leak_handles(void) {
    for (int i = 0; i < 8; i++) {
        clobber_stack();
        volatile memcached_st *m = memcached(NULL, 0);
        (void)m;
    }
}

/* argv[1]: clean, leak, double-free or overflow. */
int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "clean";
    if (strcmp(mode, "leak") == 0) {
        leak_handles();
        clobber_stack();
        return 0;
    }
    memcached_st *m = memcached(NULL, 0);
    if (m == NULL) return 2;
    memcached_server_list_st list = memcached_servers_parse(getenv("MEMCACHED_SERVERS"));
    memcached_return_t rc = memcached_server_push(m, list);
    memcached_server_list_free(list);
    if (rc != MEMCACHED_SUCCESS) return 3;
    if (memcached_set(m, "canary", 6, "value", 5, 0, 0) != MEMCACHED_SUCCESS) return 4;
    size_t len = 0;
    uint32_t flags = 0;
    char *v = memcached_get(m, "canary", 6, &len, &flags, &rc);
    if (v == NULL || len != 5) return 5;
    if (strcmp(mode, "double-free") == 0) {
        free(v);
    } else if (strcmp(mode, "overflow") == 0) {
        /* The first byte past the block (both tools report the size asked for). */
        volatile char past = v[malloc_usable_size(v)];
        (void)past;
    }
    free(v);
    memcached_free(m);
    return 0;
}
"#;

impl Canary {
    fn build(tool: Tool) -> Canary {
        let dir = common::fresh_dir(&format!("canary-{tool:?}").to_lowercase());
        let src = dir.join("canary.c");
        std::fs::write(&src, CANARY_C).expect("write canary.c");
        let binary = dir.join("canary");
        let mut cc = gcc(tool);
        cc.arg(&src).arg("-lmemcached").arg("-o").arg(&binary);
        let built = run_bounded(&mut cc, LIMIT);
        assert!(built.success(), "canary: {cc:?}\n{}", built.describe());
        Canary {
            tool,
            binary,
            dir,
            server: Memcached::start(),
        }
    }

    fn run(&self, mode: &str) -> CanaryRun {
        let logs = self.dir.join(mode);
        let _ = std::fs::remove_dir_all(&logs);
        std::fs::create_dir_all(&logs).expect("mkdir");
        let mut cmd = checked_command(self.tool, &self.binary, &logs);
        cmd.arg(mode).env("MEMCACHED_SERVERS", self.server.addr());
        let run = run_bounded(&mut cmd, LIMIT);
        let errors = match self.tool {
            Tool::Valgrind => valgrind_report(&logs),
            Tool::Asan => asan_report(&run.stderr),
        }
        .unwrap_or_default();
        let exit = run.status.and_then(|s| s.code());
        let text = format!("{}\n{errors}", run.describe());
        CanaryRun { exit, errors, text }
    }
}
