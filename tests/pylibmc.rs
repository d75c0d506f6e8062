//! pylibmc and Django over our libmemcached (issue 6, items 1–3).
//!
//! `scripts/pylibmc-env.sh` prepares (cached under the target dir) a
//! `make install` prefix of the freshly built library and a venv of Debian's
//! `/usr/bin/python3` with pylibmc 1.6.3 built from its PyPI sdist against that
//! prefix (with an rpath), pytest, Django 4.2 and django-pylibmc 0.6.1. Then:
//!
//! * the source build links and loads our library and reports 1.1.4;
//! * pylibmc's own suite (the sdist's `tests/` plus the module doctests of
//!   `src/pylibmc/`, with our `tests/python/conftest.py`) runs in TCP and
//!   unix-socket modes, for the source build and for Debian's prebuilt
//!   `python3-pylibmc` with only `LD_LIBRARY_PATH` pointing at our library; an
//!   oracle run over Debian's own libmemcached proves the harness (46/46);
//! * our extra tests (`tests/python/test_extra.py`: binary protocol, ketama over
//!   three servers, every `hash=`, `TooBig`, `get_stats`, namespaces) run for
//!   both builds, and once over Debian's library as the oracle;
//! * `Client.hash()` matches the golden server-index vectors (run in an empty
//!   network namespace, since those use 10.0.0.x addresses);
//! * Django's cache API through django-pylibmc with the hosted-memcache
//!   configuration on two servers, and what happens when one of them dies.
//!
//! A test skips (printing why) only when something `.ci/run` installs is
//! missing; anything else that goes wrong fails. Every child runs with a time
//! limit.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{Memcached, fresh_dir, lib_dir, repo_root, run_bounded};

/// Limit for preparing the venv (first run downloads and compiles).
const SETUP_LIMIT: Duration = Duration::from_secs(900);
/// Limit for one pytest run of the suite (it takes ~5 s, mostly sleeps).
const SUITE_LIMIT: Duration = Duration::from_secs(180);
/// Items of the sdist suite: 41 tests in `tests/` + 5 module doctests.
const SUITE_ITEMS: usize = 46;
/// Items of tests/python/test_extra.py.
const EXTRA_ITEMS: usize = 17;
/// Suite tests that fail over our library because of an intentional
/// difference from 1.1.4 (README, "Intentional differences"), with the reason.
/// The suite test asserts that exactly these fail, so an entry must go when
/// the library changes.
const KNOWN_SUITE_FAILURES: &[(&str, &str)] = &[];

/// Golden `Client.hash()` vectors (pylibmc-facts.md §6, observed with 1.1.4):
/// server index for key0..key19 over 10.0.0.1, 10.0.0.2, 10.0.0.3 (weight 2).
const GOLDEN_HASH: &[(&str, &str)] = &[
    ("default", "22222221110100000111"),
    ("ketama", "10222212222011200022"),
    ("ketama_weighted", "10220200021022001221"),
    ("consistent", "10222212222011200022"),
    ("md5", "20222022211211222220"),
    ("crc", "21012210011112101011"),
    ("fnv1_32", "01122001201002022102"),
    ("fnv1a_32", "02101021211201201220"),
    ("fnv1_64", "12200112012110100210"),
    ("fnv1a_64", "11111111112222222222"),
    ("murmur", "12121121002022022121"),
    ("jenkins", "21100010211102102012"),
];

/// What pylibmc-env.sh prepared.
struct PyEnv {
    /// The `make install` prefix of our library.
    prefix: PathBuf,
    /// The venv's python (with pylibmc built from the sdist).
    python: PathBuf,
    /// The unpacked pylibmc 1.6.3 sdist.
    sdist: PathBuf,
}

impl PyEnv {
    /// The library file the source build must load (through its rpath).
    fn installed_lib(&self) -> PathBuf {
        self.prefix.join("lib/libmemcached.so.11.0.0")
    }
}

/// Which pylibmc runs, and over which libmemcached.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Build {
    /// Built from the sdist against our installed prefix (rpath).
    Source,
    /// Debian's python3-pylibmc with `LD_LIBRARY_PATH` = our staged library.
    Debian,
    /// Debian's python3-pylibmc over Debian's own libmemcached: the oracle.
    DebianOracle,
}

/// Something `.ci/run` installs that is missing here, if any.
fn missing_for_source_build() -> Option<String> {
    let files = [
        ("/usr/bin/python3", "python3"),
        ("/usr/include/zlib.h", "zlib1g-dev"),
        ("/usr/include/sasl/sasl.h", "libsasl2-dev"),
        ("/usr/bin/make", "make"),
        ("/usr/bin/gcc", "gcc"),
        ("/usr/bin/memcached", "memcached"),
    ];
    for (file, package) in files {
        if !Path::new(file).exists() {
            return Some(format!("{file} is missing (apt package {package})"));
        }
    }
    let probe = run_bounded(
        Command::new("/usr/bin/python3").args([
            "-c",
            "import ensurepip, venv, sysconfig, os; \
             assert os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h'))",
        ]),
        Duration::from_secs(30),
    );
    if !probe.success() {
        return Some(format!(
            "/usr/bin/python3 lacks venv/ensurepip or Python.h (apt packages python3-venv, \
             python3-pip, python3-dev): {}",
            probe.describe()
        ));
    }
    None
}

/// Prepares the venv once per test process; `None` (after printing why) when
/// a prerequisite is missing.
fn py_env() -> Option<&'static PyEnv> {
    static ENV: OnceLock<Result<PyEnv, String>> = OnceLock::new();
    let env = ENV.get_or_init(|| {
        if let Some(missing) = missing_for_source_build() {
            return Err(missing);
        }
        let target = common::tmp_dir()
            .parent()
            .expect("the tmp dir lives in the target dir")
            .to_path_buf();
        let script = repo_root().join("scripts/pylibmc-env.sh");
        let start = Instant::now();
        let run = run_bounded(
            Command::new("bash")
                .arg(&script)
                .arg(&target)
                .arg(lib_dir()),
            SETUP_LIMIT,
        );
        assert!(
            run.success(),
            "{} failed: {}",
            script.display(),
            run.describe()
        );
        eprintln!(
            "pylibmc-env.sh took {:.1} s\n{}",
            start.elapsed().as_secs_f64(),
            run.stderr
        );
        let vars: BTreeMap<&str, &str> = run
            .stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .collect();
        let get = |k: &str| PathBuf::from(vars.get(k).unwrap_or_else(|| panic!("no {k}= line")));
        Ok(PyEnv {
            prefix: get("prefix"),
            python: get("python"),
            sdist: get("sdist"),
        })
    });
    match env {
        Ok(env) => Some(env),
        Err(why) => {
            eprintln!("SKIP: {why}");
            None
        }
    }
}

/// Debian's prebuilt `_pylibmc`, if python3-pylibmc and python3-pytest are
/// installed (both by .ci/run).
fn debian_pylibmc_ready() -> bool {
    if !common::have_debian_pylibmc() {
        eprintln!("SKIP: Debian's python3-pylibmc is not installed");
        return false;
    }
    if !Path::new("/usr/lib/python3/dist-packages/pytest").is_dir() {
        eprintln!("SKIP: Debian's python3-pytest is not installed");
        return false;
    }
    true
}

/// The interpreter and environment for running `build`, and the library file
/// it must load.
fn python_for(build: Build, env: &PyEnv) -> (Command, PathBuf) {
    let (python, ld_path, expect) = match build {
        Build::Source => (env.python.clone(), None, env.installed_lib()),
        Build::Debian => (
            PathBuf::from("/usr/bin/python3"),
            Some(lib_dir()),
            lib_dir().join("libmemcached.so.11.0.0"),
        ),
        Build::DebianOracle => (
            PathBuf::from("/usr/bin/python3"),
            None,
            common::debian_lib_dir().join("libmemcached.so.11"),
        ),
    };
    let mut cmd = Command::new(python);
    for var in ["PYTHONPATH", "PYTHONHOME", "LD_LIBRARY_PATH", "LD_PRELOAD"] {
        cmd.env_remove(var);
    }
    cmd.env("PYTHONDONTWRITEBYTECODE", "1");
    if let Some(dir) = ld_path {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    let expect = expect.canonicalize().unwrap_or(expect);
    cmd.env("PYLIBMC_EXPECT_LIB", &expect);
    (cmd, expect)
}

/// pytest's outcome: counts per word ("passed", "failed", ...) from the
/// closing line, and the node ids of failures and errors.
#[derive(Debug, Default)]
struct Outcome {
    counts: BTreeMap<String, usize>,
    failed: Vec<String>,
}

fn parse_pytest(stdout: &str) -> Outcome {
    let mut outcome = Outcome::default();
    // "===== 1 failed, 45 passed in 4.74s =====" (the last such line).
    if let Some(line) = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('=') && l.contains(" in ") && l.trim_end().ends_with('='))
    {
        let body = line.trim_matches(|c| c == '=' || c == ' ');
        let body = body.rsplit_once(" in ").map_or(body, |(b, _)| b);
        for part in body.split(", ") {
            if let Some((n, word)) = part.split_once(' ')
                && let Ok(n) = n.parse()
            {
                outcome.counts.insert(word.to_string(), n);
            }
        }
    }
    for line in stdout.lines() {
        for tag in ["FAILED ", "ERROR "] {
            if let Some(rest) = line.strip_prefix(tag) {
                let id = rest.split(" - ").next().unwrap_or(rest).trim();
                outcome.failed.push(id.to_string());
            }
        }
    }
    outcome
}

/// The TCP/unix server setup of one suite run.
enum Mode {
    Tcp,
    Unix,
}

/// Copies the sdist's `tests/` and `src/pylibmc/` with our conftest into a
/// fresh directory. The one edit: the `pylibmc/__init__.py` doctest creates
/// `Client(["10.0.0.1"])` and reads its behaviors, which connects there;
/// that address becomes 127.0.0.1 so the run stays on loopback.
fn suite_dir(env: &PyEnv, name: &str) -> PathBuf {
    let dir = fresh_dir(name);
    let cp = run_bounded(
        Command::new("cp")
            .arg("-r")
            .arg(env.sdist.join("tests"))
            .arg(env.sdist.join("src"))
            .arg(repo_root().join("tests/python/conftest.py"))
            .arg(&dir),
        Duration::from_secs(30),
    );
    assert!(cp.success(), "copy the suite: {}", cp.describe());
    for entry in std::fs::read_dir(dir.join("src")).expect("src") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n != "pylibmc") {
            let _ = std::fs::remove_file(&path);
        }
    }
    let init = dir.join("src/pylibmc/__init__.py");
    let text = std::fs::read_to_string(&init).expect("read __init__.py");
    let from = r#"pylibmc.Client(["10.0.0.1"], binary=True)"#;
    assert!(
        text.contains(from),
        "the __init__ doctest changed: {from} not found"
    );
    std::fs::write(
        &init,
        text.replace(from, r#"pylibmc.Client(["127.0.0.1"], binary=True)"#),
    )
    .expect("write __init__.py");
    dir
}

/// Runs pylibmc's suite for `build` in `mode` and checks the outcome.
fn run_suite(build: Build, mode: Mode) {
    let Some(env) = py_env() else { return };
    if build != Build::Source && !debian_pylibmc_ready() {
        return;
    }
    let tag = format!("{build:?}-{}", matches!(mode, Mode::Unix) as u8);
    let dir = suite_dir(env, &format!("suite-{tag}"));
    // The autoconf tests always need TCP; in unix mode they use this server.
    let tcp = Memcached::start();
    let unix = match mode {
        Mode::Unix => Some(Memcached::start_unix(dir.join("mc.sock"))),
        Mode::Tcp => None,
    };
    let (mut cmd, expect) = python_for(build, env);
    cmd.current_dir(&dir)
        .args(["-m", "pytest", "-p", "no:cacheprovider", "-rfEs"])
        .args(["--doctest-modules", "src", "tests"])
        .env("PYLIBMC_AUTOCONF_HOST", "127.0.0.1")
        .env("PYLIBMC_AUTOCONF_PORT", tcp.port.to_string());
    match &unix {
        Some(server) => cmd
            .env("MEMCACHED_TYPE", "unix")
            .env("MEMCACHED_HOST", server.server_string())
            .env("MEMCACHED_PORT", "0"),
        None => cmd
            .env("MEMCACHED_TYPE", "tcp")
            .env("MEMCACHED_HOST", "127.0.0.1")
            .env("MEMCACHED_PORT", tcp.port.to_string()),
    };
    let start = Instant::now();
    let run = run_bounded(&mut cmd, SUITE_LIMIT);
    let elapsed = start.elapsed().as_secs_f64();
    let outcome = parse_pytest(&run.stdout);
    eprintln!("suite {tag}: {:?} in {elapsed:.1} s", outcome.counts);
    assert!(
        run.stdout
            .contains(&format!("libmemcached loaded: ['{}']", expect.display())),
        "{tag}: the conftest did not report {} as the loaded library:\n{}",
        expect.display(),
        run.describe()
    );
    let known: Vec<&str> = if build == Build::DebianOracle {
        Vec::new()
    } else {
        KNOWN_SUITE_FAILURES.iter().map(|(id, _)| *id).collect()
    };
    let mut failed = outcome.failed.clone();
    failed.sort();
    let mut want_failed: Vec<String> = known.iter().map(|s| s.to_string()).collect();
    want_failed.sort();
    assert_eq!(
        failed,
        want_failed,
        "{tag}: unexpected failures (known: {KNOWN_SUITE_FAILURES:?})\n{}",
        run.describe()
    );
    let passed = outcome.counts.get("passed").copied().unwrap_or(0);
    assert_eq!(
        (passed, outcome.counts.len()),
        (
            SUITE_ITEMS - known.len(),
            1 + usize::from(!known.is_empty())
        ),
        "{tag}: expected {} passed and nothing skipped: {:?}\n{}",
        SUITE_ITEMS - known.len(),
        outcome.counts,
        run.describe()
    );
    for (id, why) in KNOWN_SUITE_FAILURES {
        if !known.is_empty() {
            eprintln!("{tag}: known failure {id}: {why}");
        }
    }
}

#[test]
fn source_build_links_our_installed_library() {
    let Some(env) = py_env() else { return };
    let (mut cmd, expect) = python_for(Build::Source, env);
    cmd.args([
        "-c",
        "import _pylibmc, pylibmc\n\
         print('ext', _pylibmc.__file__)\n\
         print('build_info', pylibmc.build_info())\n\
         print('version', _pylibmc.libmemcached_version, hex(_pylibmc.libmemcached_version_hex))\n\
         maps = sorted({l.split()[5] for l in open('/proc/self/maps') \
                        if len(l.split()) >= 6 and 'libmemcached' in l.split()[5]})\n\
         print('maps', maps)\n",
    ]);
    let run = run_bounded(&mut cmd, Duration::from_secs(60));
    assert!(run.success(), "probe: {}", run.describe());
    let out = &run.stdout;
    assert!(
        out.contains(
            "build_info pylibmc 1.6.3 for libmemcached 1.1.4 (compression=True, sasl=True)"
        ),
        "{out}"
    );
    assert!(out.contains("version 1.1.4 0x1001004"), "{out}");
    assert!(
        out.contains(&format!("maps ['{}']", expect.display())),
        "expected only {} mapped:\n{out}",
        expect.display()
    );
    let ext = out
        .lines()
        .find_map(|l| l.strip_prefix("ext "))
        .expect("ext line");
    let site = Path::new(ext);
    assert!(
        site.starts_with(env.python.parent().unwrap().parent().unwrap()),
        "_pylibmc must come from the venv: {ext}"
    );
    // RUNPATH names the prefix; ldd (no environment) resolves there.
    let readelf = run_bounded(
        Command::new("readelf").arg("-d").arg(ext),
        Duration::from_secs(30),
    );
    let runpath = format!("[{}]", env.prefix.join("lib").display());
    assert!(
        readelf
            .stdout
            .lines()
            .any(|l| l.contains("RUNPATH") && l.contains(&runpath)),
        "RUNPATH {runpath} missing:\n{}",
        readelf.stdout
    );
    let ldd = run_bounded(
        Command::new("ldd").arg(ext).env_remove("LD_LIBRARY_PATH"),
        Duration::from_secs(30),
    );
    let want = format!(
        "libmemcached.so.11 => {}",
        env.prefix.join("lib/libmemcached.so.11").display()
    );
    assert!(ldd.stdout.contains(&want), "ldd: {}", ldd.describe());
}

#[test]
fn source_build_suite_tcp() {
    run_suite(Build::Source, Mode::Tcp);
}

#[test]
fn source_build_suite_unix() {
    run_suite(Build::Source, Mode::Unix);
}

#[test]
fn debian_build_suite_tcp() {
    run_suite(Build::Debian, Mode::Tcp);
}

#[test]
fn debian_build_suite_unix() {
    run_suite(Build::Debian, Mode::Unix);
}

/// The harness itself, over Debian's libmemcached: 46/46 in unix mode (the
/// mode our conftest changes most).
#[test]
fn oracle_suite_unix_over_debian_library() {
    if !common::have_debian_lib() {
        eprintln!("SKIP: Debian's libmemcached-dev is not installed");
        return;
    }
    run_suite(Build::DebianOracle, Mode::Unix);
}

/// Runs tests/python/test_extra.py for `build` against three fresh servers.
fn run_extra(build: Build) {
    let Some(env) = py_env() else { return };
    if build != Build::Source && !debian_pylibmc_ready() {
        return;
    }
    let servers: Vec<Memcached> = (0..3)
        .map(|_| Memcached::start_with(&["-I", "1m"]))
        .collect();
    let list: Vec<String> = servers.iter().map(Memcached::addr).collect();
    let dir = fresh_dir(&format!("extra-{build:?}"));
    for file in ["conftest.py", "test_extra.py"] {
        std::fs::copy(repo_root().join("tests/python").join(file), dir.join(file))
            .unwrap_or_else(|e| panic!("copy {file}: {e}"));
    }
    let (mut cmd, expect) = python_for(build, env);
    cmd.current_dir(&dir)
        .args([
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-rfEs",
            "test_extra.py",
        ])
        .env("EXTRA_SERVERS", list.join(","));
    if build == Build::DebianOracle {
        cmd.env("EXTRA_ORACLE", "debian");
    }
    let start = Instant::now();
    let run = run_bounded(&mut cmd, SUITE_LIMIT);
    let outcome = parse_pytest(&run.stdout);
    eprintln!(
        "extra {build:?}: {:?} in {:.1} s",
        outcome.counts,
        start.elapsed().as_secs_f64()
    );
    assert!(
        run.stdout
            .contains(&format!("libmemcached loaded: ['{}']", expect.display())),
        "{build:?}: wrong library loaded:\n{}",
        run.describe()
    );
    assert!(
        outcome.failed.is_empty()
            && outcome.counts.get("passed") == Some(&EXTRA_ITEMS)
            && outcome.counts.len() == 1,
        "{build:?}: expected {EXTRA_ITEMS} passed: {outcome:?}\n{}",
        run.describe()
    );
}

#[test]
fn extra_tests_source_build() {
    run_extra(Build::Source);
}

#[test]
fn extra_tests_debian_build() {
    run_extra(Build::Debian);
}

/// The extra tests describe 1.1.4: they pass over Debian's library too
/// (where `hash=hsieh` is refused).
#[test]
fn extra_tests_oracle_over_debian_library() {
    if !common::have_debian_lib() {
        eprintln!("SKIP: Debian's libmemcached-dev is not installed");
        return;
    }
    run_extra(Build::DebianOracle);
}

/// `Client.hash()` server indexes per setting, from hash_vectors.py run in an
/// empty network namespace.
fn hash_vectors(build: Build, env: &PyEnv) -> BTreeMap<String, String> {
    let (inner, _) = python_for(build, env);
    let mut cmd = Command::new("unshare");
    cmd.arg("-n").arg(inner.get_program());
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.arg(repo_root().join("tests/python/hash_vectors.py"));
    let run = run_bounded(&mut cmd, Duration::from_secs(60));
    assert!(
        run.success(),
        "hash_vectors.py for {build:?} (needs `unshare -n`, i.e. root or user namespaces): {}",
        run.describe()
    );
    run.stdout
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn client_hash_matches_golden_vectors() {
    let Some(env) = py_env() else { return };
    let mut builds = vec![Build::Source];
    if debian_pylibmc_ready() {
        builds.push(Build::Debian);
        if common::have_debian_lib() {
            builds.push(Build::DebianOracle);
        }
    }
    let mut hsieh = Vec::new();
    for build in builds {
        let got = hash_vectors(build, env);
        for (name, want) in GOLDEN_HASH {
            assert_eq!(
                got.get(*name).map(String::as_str),
                Some(*want),
                "{build:?}: Client.hash() with {name}: {got:?}"
            );
        }
        let h = got.get("hsieh").cloned().unwrap_or_default();
        if build == Build::DebianOracle {
            assert!(
                h.contains("returned 38 for behavior 'hash' = 7"),
                "Debian refuses hsieh: {h}"
            );
        } else {
            assert!(
                h.len() == 20 && h.bytes().all(|b| (b'0'..=b'2').contains(&b)),
                "{build:?}: hsieh works on ours: {h}"
            );
            hsieh.push(h);
        }
    }
    hsieh.dedup();
    assert_eq!(hsieh.len(), 1, "hsieh differs between builds: {hsieh:?}");
}

/// The Django check script, run with the venv's python.
fn django_command(env: &PyEnv, servers: &[&Memcached], over_debian: bool) -> (Command, PathBuf) {
    let (mut cmd, mut expect) = python_for(Build::Source, env);
    if over_debian {
        // LD_LIBRARY_PATH wins over the RUNPATH: the source build then loads
        // Debian's libmemcached, the oracle.
        cmd.env("LD_LIBRARY_PATH", common::debian_lib_dir());
        expect = common::debian_lib_dir()
            .join("libmemcached.so.11")
            .canonicalize()
            .expect("Debian's libmemcached.so.11");
        cmd.env("PYLIBMC_EXPECT_LIB", &expect);
    }
    let dir = repo_root().join("tests/python/django_check");
    let list: Vec<String> = servers.iter().map(|s| s.addr()).collect();
    cmd.current_dir(&dir)
        .env("PYTHONPATH", &dir)
        .env("DJANGO_SETTINGS_MODULE", "settings")
        .env("DJANGO_MEMCACHED_SERVERS", list.join(","))
        .arg(dir.join("check.py"));
    (cmd, expect)
}

#[test]
fn django_cache_api() {
    let Some(env) = py_env() else { return };
    let mut libraries = vec![false];
    if common::have_debian_lib() {
        libraries.push(true);
    }
    for over_debian in libraries {
        let a = Memcached::start();
        let b = Memcached::start();
        let (mut cmd, expect) = django_command(env, &[&a, &b], over_debian);
        let run = run_bounded(cmd.arg("api"), Duration::from_secs(120));
        let what = if over_debian { "Debian's" } else { "our" };
        assert!(
            run.success() && run.stdout.contains("django api: all checks passed"),
            "Django over {what} library: {}",
            run.describe()
        );
        assert!(
            run.stdout
                .contains(&format!("libmemcached loaded: ['{}']", expect.display())),
            "{}",
            run.describe()
        );
    }
}

/// Runs `check.py failover` and plays the harness side: kills the second
/// server when asked, restarts it when asked. Returns the check's output.
fn django_failover_run(window_secs: u32) -> Option<common::Bounded> {
    let env = py_env()?;
    let a = Memcached::start();
    let mut b = Memcached::start();
    let sigdir = fresh_dir("django-failover");
    let (mut cmd, _) = django_command(env, &[&a, &b], false);
    cmd.arg("failover")
        .env("DJANGO_CHECK_SIGNAL_DIR", &sigdir)
        .env("DJANGO_FAILOVER_WINDOW", window_secs.to_string());
    let limit = Duration::from_secs(u64::from(window_secs) + 90);
    let child = std::thread::spawn(move || run_bounded(&mut cmd, limit));
    let deadline = Instant::now() + limit + Duration::from_secs(10);
    let mut killed = false;
    let mut restarted = false;
    while !child.is_finished() && Instant::now() < deadline {
        if !killed && sigdir.join("kill").exists() {
            b.kill();
            std::fs::write(sigdir.join("killed"), b"").expect("write killed");
            killed = true;
        }
        if killed && !restarted && sigdir.join("restart").exists() {
            b.restart();
            std::fs::write(sigdir.join("restarted"), b"").expect("write restarted");
            restarted = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let run = child.join().expect("failover runner thread");
    drop(a);
    Some(run)
}

/// One server of two dies: every set and get succeeds again within 5 s, the
/// keys on the survivor stay readable, and once the server is back it
/// receives keys again (bounded at 45 s: 1.1.4 takes it back only after
/// dead_timeout, 30 s). For comparison, Debian's 1.1.4 under the same check
/// (failover window raised to 60 s) answers ServerDown for 11.6 s (failure
/// limit 5 × retry_timeout 2 s) and uses the server again 30.6 s after the
/// restart.
#[test]
fn django_failover() {
    let Some(run) = django_failover_run(5) else {
        return;
    };
    assert!(
        run.success() && run.stdout.contains("django failover: all checks passed"),
        "{}",
        run.describe()
    );
    for line in run.stdout.lines() {
        if line.starts_with("failover:")
            || line.starts_with("rejoin:")
            || line.starts_with("requests:")
        {
            eprintln!("{line}");
        }
    }
}
