//! Build script: gives the cdylib the SONAME `libmemcached.so.11` and keeps
//! `DT_NEEDED libsasl2.so.2`, because consumers compiled with the SASL-enabled
//! header (pylibmc) call `sasl_client_init`/`sasl_done` and resolve them
//! through our library's dependencies.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libmemcached.so.11");
    println!("cargo:rustc-cdylib-link-arg=-Wl,--no-as-needed");
    println!("cargo:rustc-cdylib-link-arg=-l:libsasl2.so.2");
    println!("cargo:rustc-cdylib-link-arg=-Wl,--as-needed");
}
