//! libhashkit (`hashkit_*`, `libhashkit_*`) and the hash-related
//! `memcached_*` exports.
//!
//! A `hashkit_st` is a genuine libhashkit object: its `base_hash` and
//! `distribution_hash` slots hold either one of our per-algorithm functions
//! (see `BUILTINS`) or the caller's custom function, so C code may call
//! `kit->base_hash.function` directly, and `hashkit_get_function` recognises
//! ours by address. The `hashkit_st` embedded in a `memcached_st` mirrors the
//! handle's `client.placement.hasher` / `client.placement.dist_hasher`: the
//! setters here change the embedded kit with libhashkit's exact semantics
//! and derive the core hashers from it; [`sync_kit`] (part of every mirror
//! refresh) goes the other way after a core change
//! (`memcached_behavior_set(HASH)` and friends, whose rules are the core's).
//!
//! `hashkit_key`/`hashkit_encrypt`/`hashkit_decrypt` reproduce 1.1.4's
//! OpenSSL build: AES-256-CBC with PKCS#7 padding, the IV from
//! `EVP_BytesToKey(aes-256-cbc, sha256, no salt, key, 5 rounds)` and, as in
//! 1.1.4, the caller's key bytes themselves as the AES key. 1.1.4 reads 32
//! bytes from the key pointer even when the key is shorter; we pad short
//! keys with zero bytes instead (so only keys of 32 bytes or more give the
//! same ciphertext as Debian's library). Keys live in a registry here; the
//! `_key` field only names one, so a stale or garbage `_key` is never freed
//! or used.

use core::ffi::{c_char, c_void};
use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::core::distribution::distribution_name;
use crate::core::encoding::EncodingKey;
use crate::core::error::{Error, ReturnCode};
use crate::core::hash::{self, HashAlgorithm, HashSetting, KeyHasher, algorithm_name, digest};
use crate::ffi::guard::{RawCtx, bytes, bytes_mut, c_mut, c_ref};
use crate::ffi::handle::{HandleRef, handle, sync_mirror};
use crate::ffi::memcached::static_cstr;
use crate::ffi::types::*;

/// `hashkit_return_t` values.
const HASHKIT_SUCCESS: hashkit_return_t = 0;
const HASHKIT_FAILURE: hashkit_return_t = 1;
const HASHKIT_INVALID_HASH: hashkit_return_t = 3;
const HASHKIT_INVALID_ARGUMENT: hashkit_return_t = 4;

/// `MEMCACHED_HASH_MAX`, what the getters give for a NULL handle.
const HASH_MAX: u32 = 12;
/// `MEMCACHED_DISTRIBUTION_CONSISTENT_MAX`.
const DISTRIBUTION_MAX: u32 = 7;

/// The C type of a hash function slot.
type RawHashFn = unsafe extern "C" fn(*const c_char, usize, *mut c_void) -> u32;

macro_rules! builtin_fns {
    ($($name:ident => $alg:ident),* $(,)?) => {
        $(
            #[doc = concat!("The `", stringify!($alg), "` hash as a hashkit function slot.")]
            #[inline(never)]
            unsafe extern "C" fn $name(key: *const c_char, len: usize, _ctx: *mut c_void) -> u32 {
                let k = bytes(key, len);
                crate::ffi::guard::catch(|| k.map_or(0, |k| digest(HashAlgorithm::$alg, k)))
            }
        )*
        /// Our function for each built-in algorithm.
        const BUILTINS: &[(HashAlgorithm, RawHashFn)] = &[$((HashAlgorithm::$alg, $name as RawHashFn)),*];
    };
}

builtin_fns! {
    hk_one_at_a_time => Default,
    hk_md5 => Md5,
    hk_crc32 => Crc,
    hk_fnv1_64 => Fnv1_64,
    hk_fnv1a_64 => Fnv1a_64,
    hk_fnv1_32 => Fnv1_32,
    hk_fnv1a_32 => Fnv1a_32,
    hk_hsieh => Hsieh,
    hk_murmur => Murmur,
    hk_jenkins => Jenkins,
    hk_murmur3 => Murmur3,
}

/// Our slot function for a built-in algorithm (`None` for `Custom`).
fn builtin_fn(alg: HashAlgorithm) -> Option<RawHashFn> {
    BUILTINS.iter().find(|(a, _)| *a == alg).map(|(_, f)| *f)
}

/// The algorithm of a slot function: ours by address, else `Custom`
/// (NULL included, as in 1.1.4).
fn algorithm_of(f: hashkit_hash_fn) -> HashAlgorithm {
    let Some(f) = f else {
        return HashAlgorithm::Custom;
    };
    BUILTINS
        .iter()
        .find(|(_, b)| *b as usize == f as usize)
        .map_or(HashAlgorithm::Custom, |(a, _)| *a)
}

/// A default slot: one-at-a-time, no context.
fn default_slot() -> hashkit_function_st {
    hashkit_function_st {
        function: builtin_fn(HashAlgorithm::Default),
        context: core::ptr::null_mut(),
    }
}

/// libhashkit's `_set_function` on one slot, value for value: CUSTOM is
/// refused and leaves the slot alone, MAX resets the function to
/// one-at-a-time but reports INVALID_HASH, and values above MAX succeed
/// with only the context cleared.
fn set_slot(slot: &mut hashkit_function_st, alg: u32) -> hashkit_return_t {
    // The rule is the core's; a scratch hasher tells what it decided.
    match KeyHasher::default().set_algorithm(alg) {
        HashSetting::Invalid => return HASHKIT_INVALID_ARGUMENT,
        HashSetting::ResetToDefault => {
            slot.function = builtin_fn(HashAlgorithm::Default);
            return HASHKIT_INVALID_HASH;
        }
        HashSetting::Set => {
            if let Some(a) = HashAlgorithm::from_u32(alg) {
                slot.function = builtin_fn(a);
            }
        }
    }
    slot.context = core::ptr::null_mut();
    HASHKIT_SUCCESS
}

/// The core hasher equivalent to a slot. A custom C function becomes a
/// closure that calls it with its context; a NULL function hashes to 0.
fn hasher_of(slot: &hashkit_function_st) -> KeyHasher {
    let Some(f) = slot.function else {
        return KeyHasher::Custom(Arc::new(|_: &[u8]| 0));
    };
    match algorithm_of(Some(f)) {
        HashAlgorithm::Custom => {
            let ctx = RawCtx(slot.context);
            KeyHasher::Custom(Arc::new(move |key: &[u8]| {
                let c: RawCtx = ctx;
                // SAFETY: the caller installed `f` as a hash function taking
                // (key, length, context); `key` is valid for its length.
                unsafe { f(key.as_ptr().cast(), key.len(), c.0) }
            }))
        }
        alg => KeyHasher::Builtin(alg),
    }
}

/// Point a slot at the given core hasher when it is built-in and the slot
/// holds something else. A custom hasher leaves the slot alone: only
/// [`memcached_set_hashkit`] creates one, and it writes the slot itself.
fn sync_slot(slot: &mut hashkit_function_st, hasher: &KeyHasher) {
    if let KeyHasher::Builtin(alg) = hasher
        && algorithm_of(slot.function) != *alg
    {
        slot.function = builtin_fn(*alg);
        slot.context = core::ptr::null_mut();
    }
}

/// The hashkit a new handle starts with: one-at-a-time for keys and
/// distribution, base and distribution hash marked the same.
pub fn init_handle_hashkit(hk: &mut hashkit_st) {
    hk.base_hash = default_slot();
    hk.distribution_hash = default_slot();
    hk.flags |= 1;
    hk.options &= !1;
    hk._key = core::ptr::null_mut();
}

/// Make the hashkit embedded in a handle match the core's hashes (part
/// of [`crate::ffi::handle::sync_mirror`]).
pub fn sync_kit(kit: &mut hashkit_st, hasher: &KeyHasher, dist_hasher: &KeyHasher) {
    sync_slot(&mut kit.base_hash, hasher);
    sync_slot(&mut kit.distribution_hash, dist_hasher);
}

/// Set the handle's hashers and encoding key from its embedded kit (after
/// the caller replaced the kit: `memcached_set_hashkit`,
/// `memcached_set_encoding_key`). The kit's `_key` names a copy of the
/// client's key.
pub fn hashers_from_kit(h: &mut HandleRef) {
    let kit = &h.mirror().hashkit;
    let (hasher, dist_hasher, key) = (
        hasher_of(&kit.base_hash),
        hasher_of(&kit.distribution_hash),
        kit_key(kit),
    );
    h.client.placement.hasher = hasher;
    h.client.placement.dist_hasher = dist_hasher;
    h.client.encoding = key;
}

// ----- encryption keys and strings ----------------------------------------

/// An installed `hashkit_key` (the cipher lives in the core).
type KitKey = EncodingKey;

/// Live keys, by the id stored in `hashkit_st._key`.
static KEYS: Mutex<Option<HashMap<usize, KitKey>>> = Mutex::new(None);
/// The next key id (never 0, so `_key` NULL means "no key").
static NEXT_KEY: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

fn store_key(key: KitKey) -> *mut c_void {
    let id = NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    KEYS.lock().get_or_insert_with(HashMap::new).insert(id, key);
    id as *mut c_void
}

fn find_key(id: *mut c_void) -> Option<KitKey> {
    KEYS.lock().as_ref()?.get(&(id as usize)).cloned()
}

fn drop_key(id: *mut c_void) {
    if let Some(map) = KEYS.lock().as_mut() {
        map.remove(&(id as usize));
    }
}

/// A copy of a key under a new id (NULL for NULL or an unknown id).
fn clone_key(id: *mut c_void) -> *mut c_void {
    find_key(id).map_or(core::ptr::null_mut(), store_key)
}

/// `hashkit_string_st`: bytes owned by the caller until `hashkit_string_free`.
#[allow(non_camel_case_types)]
pub struct hashkit_string_st {
    /// The bytes plus a NUL terminator (not counted in the length).
    data: Vec<u8>,
}

fn new_string(mut data: Vec<u8>) -> *mut hashkit_string_st {
    data.push(0);
    Box::into_raw(Box::new(hashkit_string_st { data }))
}

/// Install an encryption key in a kit (`hashkit_key`); false when `key` is
/// `None` (the old key is dropped either way).
pub fn kit_set_key(kit: &mut hashkit_st, key: Option<&[u8]>) -> bool {
    drop_key(kit._key);
    kit._key = key.map_or(core::ptr::null_mut(), |k| store_key(EncodingKey::new(k)));
    !kit._key.is_null()
}

/// Encrypt with a kit's key; `None` without a key.
pub fn kit_encrypt(kit: &hashkit_st, data: &[u8]) -> Option<Vec<u8>> {
    Some(find_key(kit._key)?.encrypt(data))
}

/// Decrypt with a kit's key; `None` without a key or for bad input.
pub fn kit_decrypt(kit: &hashkit_st, data: &[u8]) -> Option<Vec<u8>> {
    find_key(kit._key)?.decrypt(data)
}

/// The key of a kit (the embedded kit of a handle mirrors the client's).
pub fn kit_key(kit: &hashkit_st) -> Option<EncodingKey> {
    find_key(kit._key)
}

/// `hashkit_clone` into initialised storage (keeps `dst.options`): copy
/// the slots and flags, and give `dst` its own copy of `src`'s key.
pub fn kit_copy(dst: &mut hashkit_st, src: &hashkit_st) {
    dst.base_hash = src.base_hash;
    dst.distribution_hash = src.distribution_hash;
    dst.flags = src.flags;
    drop_key(dst._key);
    dst._key = clone_key(src._key);
}

/// Release what a kit owns (its key), as `hashkit_free` does, without
/// freeing the kit itself; for the kit embedded in a `memcached_st`.
pub fn kit_release(kit: &mut hashkit_st) {
    drop_key(kit._key);
    kit._key = core::ptr::null_mut();
}

// ----- hashkit_* ------------------------------------------------------------

/// `hashkit_create`: initialise caller storage, or calloc a kit.
fn kit_create(ptr: *mut hashkit_st) -> *mut hashkit_st {
    let (p, allocated) = if ptr.is_null() {
        // SAFETY: libc calloc, checked below.
        let p = unsafe { libc::calloc(1, core::mem::size_of::<hashkit_st>()) }.cast::<hashkit_st>();
        if p.is_null() {
            return p;
        }
        (p, true)
    } else {
        (ptr, false)
    };
    // Caller storage of sizeof(hashkit_st): every field is plain data, so
    // whatever it holds is a value to overwrite.
    let Some(kit) = c_mut(p) else { return p };
    if allocated {
        kit.options |= 1;
    } else {
        kit.options &= !1;
    }
    kit.base_hash = default_slot();
    kit.distribution_hash = default_slot();
    kit.flags |= 1;
    kit._key = core::ptr::null_mut();
    p
}

ffi_fn! {
    /// `hashkit_create`: initialise caller storage, or calloc a kit.
    fn hashkit_create(ptr: *mut hashkit_st) -> *mut hashkit_st;
    nonnull()
    {
        kit_create(ptr)
    }
}

ffi_fn! {
    /// `hashkit_clone`: copy `src` into `dst` (or a new kit); a NULL `src`
    /// gives a fresh kit.
    fn hashkit_clone(dst: *mut hashkit_st, src: *const hashkit_st) -> *mut hashkit_st;
    nonnull()
    {
        let p = kit_create(dst);
        if let (Some(d), Some(s)) = (c_mut(p), c_ref(src)) {
            kit_copy(d, s);
        }
        p
    }
}

ffi_fn! {
    /// `hashkit_free`: drop the key; free the kit when we allocated it.
    fn hashkit_free(ptr: *mut hashkit_st);
    nonnull(ptr)
    {
        let Some(kit) = c_mut(ptr) else { return };
        kit_release(kit);
        if kit.options & 1 != 0 {
            // SAFETY: allocated by hashkit_create with libc calloc.
            unsafe { libc::free(ptr.cast()) };
        }
    }
}

ffi_fn! {
    /// `hashkit_compare`: same functions, contexts and base/distribution flag.
    fn hashkit_compare(first: *const hashkit_st, second: *const hashkit_st) -> bool;
    nonnull(first, second)
    {
        let (Some(a), Some(b)) = (c_ref(first), c_ref(second)) else { return false };
        let same = |x: &hashkit_function_st, y: &hashkit_function_st| {
            x.function.map(|f| f as usize) == y.function.map(|f| f as usize) && x.context == y.context
        };
        same(&a.base_hash, &b.base_hash)
            && same(&a.distribution_hash, &b.distribution_hash)
            && (a.flags & 1) == (b.flags & 1)
    }
}

ffi_fn! {
    /// `hashkit_set_function`.
    fn hashkit_set_function(ptr: *mut hashkit_st, alg: hashkit_hash_algorithm_t) -> hashkit_return_t;
    nonnull()
    {
        c_mut(ptr).map_or(HASHKIT_INVALID_ARGUMENT, |k| set_slot(&mut k.base_hash, alg))
    }
}

ffi_fn! {
    /// `hashkit_set_distribution_function`.
    fn hashkit_set_distribution_function(ptr: *mut hashkit_st, alg: hashkit_hash_algorithm_t) -> hashkit_return_t;
    nonnull()
    {
        c_mut(ptr).map_or(HASHKIT_INVALID_ARGUMENT, |k| set_slot(&mut k.distribution_hash, alg))
    }
}

/// `_set_custom_function` of libhashkit.
fn set_custom(
    slot: &mut hashkit_function_st,
    f: hashkit_hash_fn,
    ctx: *mut c_void,
) -> hashkit_return_t {
    if f.is_none() {
        return HASHKIT_FAILURE;
    }
    slot.function = f;
    slot.context = ctx;
    HASHKIT_SUCCESS
}

ffi_fn! {
    /// `hashkit_set_custom_function`.
    fn hashkit_set_custom_function(ptr: *mut hashkit_st, f: hashkit_hash_fn, ctx: *mut c_void) -> hashkit_return_t;
    nonnull()
    {
        c_mut(ptr).map_or(HASHKIT_INVALID_ARGUMENT, |k| set_custom(&mut k.base_hash, f, ctx))
    }
}

ffi_fn! {
    /// `hashkit_set_custom_distribution_function`.
    fn hashkit_set_custom_distribution_function(
        ptr: *mut hashkit_st,
        f: hashkit_hash_fn,
        ctx: *mut c_void,
    ) -> hashkit_return_t;
    nonnull()
    {
        c_mut(ptr).map_or(HASHKIT_INVALID_ARGUMENT, |k| set_custom(&mut k.distribution_hash, f, ctx))
    }
}

ffi_fn! {
    /// `hashkit_get_function`: DEFAULT for NULL, CUSTOM for a foreign function.
    fn hashkit_get_function(ptr: *const hashkit_st) -> hashkit_hash_algorithm_t;
    nonnull(ptr)
    {
        c_ref(ptr).map_or(HashAlgorithm::Default, |k| algorithm_of(k.base_hash.function)) as u32
    }
}

ffi_fn! {
    /// `hashkit_get_distribution_function`.
    fn hashkit_get_distribution_function(ptr: *const hashkit_st) -> hashkit_hash_algorithm_t;
    nonnull(ptr)
    {
        c_ref(ptr).map_or(HashAlgorithm::Default, |k| algorithm_of(k.distribution_hash.function)) as u32
    }
}

ffi_fn! {
    /// `hashkit_digest`: the kit's base hash of the key (0 for a NULL kit
    /// or function, where 1.1.4 crashes).
    fn hashkit_digest(ptr: *const hashkit_st, key: *const c_char, len: usize) -> u32;
    nonnull(ptr)
    {
        c_ref(ptr).map_or(0, |k| hasher_of(&k.base_hash).hash(bytes(key, len).unwrap_or_default()))
    }
}

ffi_fn! {
    /// `hashkit_strerror`: libhashkit's texts.
    fn hashkit_strerror(ptr: *mut hashkit_st, rc: hashkit_return_t) -> *const c_char;
    nonnull()
    {
        let _ = ptr;
        match rc {
            0 => c"SUCCESS".as_ptr(),
            1 => c"FAILURE".as_ptr(),
            2 => c"MEMORY ALLOCATION FAILURE".as_ptr(),
            3 => c"INVALID hashkit_hash_algorithm_t".as_ptr(),
            4 => c"INVALID ARGUMENT".as_ptr(),
            _ => c"INVALID hashkit_return_t".as_ptr(),
        }
    }
}

ffi_fn! {
    /// `hashkit_key`: install an AES key (false for a NULL key).
    fn hashkit_key(ptr: *mut hashkit_st, key: *const c_char, len: usize) -> bool;
    nonnull(ptr)
    {
        let k = if key.is_null() { None } else { bytes(key, len) };
        c_mut(ptr).is_some_and(|kit| kit_set_key(kit, k))
    }
}

ffi_fn! {
    /// `hashkit_encrypt`: NULL without a key.
    fn hashkit_encrypt(ptr: *mut hashkit_st, source: *const c_char, len: usize) -> *mut hashkit_string_st;
    nonnull(ptr)
    {
        let Some(data) = bytes(source, len) else { return core::ptr::null_mut() };
        c_ref(ptr).and_then(|kit| kit_encrypt(kit, data)).map_or(core::ptr::null_mut(), new_string)
    }
}

ffi_fn! {
    /// `hashkit_decrypt`: NULL without a key or for bad ciphertext.
    fn hashkit_decrypt(ptr: *mut hashkit_st, source: *const c_char, len: usize) -> *mut hashkit_string_st;
    nonnull(ptr)
    {
        let Some(data) = bytes(source, len) else { return core::ptr::null_mut() };
        c_ref(ptr).and_then(|kit| kit_decrypt(kit, data)).map_or(core::ptr::null_mut(), new_string)
    }
}

ffi_fn! {
    /// `hashkit_string_free`.
    fn hashkit_string_free(ptr: *mut hashkit_string_st);
    nonnull(ptr)
    {
        // SAFETY: made by `new_string` and not freed before, per the caller.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

ffi_fn! {
    /// `hashkit_string_length`.
    fn hashkit_string_length(ptr: *const hashkit_string_st) -> usize;
    nonnull(ptr)
    {
        // SAFETY: a live string from `new_string`.
        unsafe { (*ptr).data.len() - 1 }
    }
}

ffi_fn! {
    /// `hashkit_string_c_str`: the bytes (NUL-terminated here).
    fn hashkit_string_c_str(ptr: *const hashkit_string_st) -> *const c_char;
    nonnull(ptr)
    {
        // SAFETY: a live string from `new_string`.
        unsafe { (*ptr).data.as_ptr().cast() }
    }
}

// ----- libhashkit_* -----------------------------------------------------------

macro_rules! named_hashes {
    ($($name:ident => $alg:ident),* $(,)?) => {$(
        ffi_fn! {
            #[doc = concat!("`", stringify!($name), "`.")]
            fn $name(key: *const c_char, len: usize) -> u32;
            nonnull()
            {
                bytes(key, len).map_or(0, |k| digest(HashAlgorithm::$alg, k))
            }
        }
    )*};
}

named_hashes! {
    libhashkit_one_at_a_time => Default,
    libhashkit_fnv1_64 => Fnv1_64,
    libhashkit_fnv1a_64 => Fnv1a_64,
    libhashkit_fnv1_32 => Fnv1_32,
    libhashkit_fnv1a_32 => Fnv1a_32,
    libhashkit_crc32 => Crc,
    libhashkit_hsieh => Hsieh,
    libhashkit_murmur => Murmur,
    libhashkit_murmur3 => Murmur3,
    libhashkit_jenkins => Jenkins,
    libhashkit_md5 => Md5,
}

ffi_fn! {
    /// `libhashkit_md5_signature`: the 16-byte digest into `result`.
    fn libhashkit_md5_signature(key: *const u8, len: usize, result: *mut u8);
    nonnull(result)
    {
        let Some(k) = bytes(key.cast(), len) else { return };
        if let Some(out) = bytes_mut(result.cast(), 16) {
            out.copy_from_slice(&hash::md5_signature(k));
        }
    }
}

/// `libhashkit_digest` for a raw algorithm value: 1 for CUSTOM and above.
fn raw_digest(key: *const c_char, len: usize, alg: u32) -> u32 {
    let Some(k) = bytes(key, len) else {
        return 0;
    };
    HashAlgorithm::from_u32(alg).map_or(1, |a| digest(a, k))
}

ffi_fn! {
    /// `libhashkit_digest`.
    fn libhashkit_digest(key: *const c_char, len: usize, alg: hashkit_hash_algorithm_t) -> u32;
    nonnull()
    {
        raw_digest(key, len, alg)
    }
}

ffi_fn! {
    /// `libhashkit_has_algorithm`: true for every algorithm up to CUSTOM
    /// (Hsieh included, unlike Debian's build).
    fn libhashkit_has_algorithm(alg: hashkit_hash_algorithm_t) -> bool;
    nonnull()
    {
        HashAlgorithm::from_u32(alg).is_some_and(hash::has_algorithm)
    }
}

ffi_fn! {
    /// `libhashkit_string_hash`.
    fn libhashkit_string_hash(alg: hashkit_hash_algorithm_t) -> *const c_char;
    nonnull()
    {
        static_cstr(algorithm_name(alg))
    }
}

// ----- memcached_* --------------------------------------------------------------

ffi_fn! {
    /// `memcached_generate_hash_value`: `libhashkit_digest`.
    fn memcached_generate_hash_value(key: *const c_char, len: usize, alg: memcached_hash_t) -> u32;
    nonnull()
    {
        raw_digest(key, len, alg)
    }
}

ffi_fn! {
    /// `memcached_generate_hash`: the server index of a key, without the
    /// auto-eject rebuild. UINT32_MAX for a NULL handle; 0 without servers
    /// (where 1.1.4 crashes).
    fn memcached_generate_hash(ptr: *const memcached_st, key: *const c_char, len: usize) -> u32;
    nonnull()
    {
        let Some(mut h) = handle(ptr) else { return u32::MAX };
        if h.client.servers.len() == 1 {
            return 0;
        }
        let Some(k) = bytes(key, len) else { return 0 };
        h.client.server_index_no_rebuild(k).map_or(0, |i| i as u32)
    }
}

ffi_fn! {
    /// `memcached_get_hashkit`: the kit embedded in the handle (a view of
    /// the handle's hashes, kept current by every change).
    fn memcached_get_hashkit(ptr: *const memcached_st) -> *const hashkit_st;
    nonnull(ptr)
    {
        match handle(ptr) {
            Some(mut h) => &raw const h.mirror().hashkit,
            None => core::ptr::null(),
        }
    }
}

ffi_fn! {
    /// `memcached_set_hashkit`: copy a kit's functions (and key) into the
    /// handle; a NULL kit restores the defaults. The continuum is not
    /// rebuilt, as in 1.1.4.
    fn memcached_set_hashkit(ptr: *mut memcached_st, kit: *mut hashkit_st) -> memcached_return_t;
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        let own = &mut h.mirror().hashkit;
        match c_ref(kit) {
            None => {
                kit_release(own);
                init_handle_hashkit(own);
            }
            Some(k) if !core::ptr::eq(k, own) => kit_copy(own, k),
            Some(_) => {}
        }
        hashers_from_kit(&mut h);
        ReturnCode::Success
    }
}

/// Set the handle's key or distribution hash (the core's rule), then
/// refresh the kit that mirrors it.
pub fn set_handle_hash(ptr: *mut memcached_st, alg: u64, distribution: bool) -> ReturnCode {
    let Some(mut h) = handle(ptr) else {
        return ReturnCode::InvalidArguments;
    };
    let r = if distribution {
        h.client.set_distribution_hash(alg)
    } else {
        h.client.set_key_hash(alg)
    };
    sync_mirror(&mut h);
    match r {
        Ok(()) => ReturnCode::Success,
        Err(e) => h.client.fail(e),
    }
}

ffi_fn! {
    /// `memcached_behavior_set_key_hash`.
    fn memcached_behavior_set_key_hash(ptr: *mut memcached_st, alg: memcached_hash_t) -> memcached_return_t;
    nonnull(ptr)
    {
        set_handle_hash(ptr, alg.into(), false)
    }
}

ffi_fn! {
    /// `memcached_behavior_set_distribution_hash`.
    fn memcached_behavior_set_distribution_hash(ptr: *mut memcached_st, alg: memcached_hash_t) -> memcached_return_t;
    nonnull(ptr)
    {
        set_handle_hash(ptr, alg.into(), true)
    }
}

/// The key hash of a handle (MAX for NULL).
fn key_hash_of(ptr: *const memcached_st) -> memcached_hash_t {
    handle(ptr).map_or(HASH_MAX, |h| h.client.placement.hasher.algorithm() as u32)
}

ffi_fn! {
    /// `memcached_behavior_get_key_hash`.
    fn memcached_behavior_get_key_hash(ptr: *mut memcached_st) -> memcached_hash_t;
    nonnull()
    {
        key_hash_of(ptr)
    }
}

ffi_fn! {
    /// `memcached_behavior_get_distribution_hash`: the KEY hash, as 1.1.4
    /// returns (`memcached_behavior_get(KETAMA_HASH)` gives the other one).
    fn memcached_behavior_get_distribution_hash(ptr: *mut memcached_st) -> memcached_hash_t;
    nonnull()
    {
        key_hash_of(ptr)
    }
}

ffi_fn! {
    /// `memcached_behavior_set_distribution`: rebuilds the continuum.
    fn memcached_behavior_set_distribution(
        ptr: *mut memcached_st,
        d: memcached_server_distribution_t,
    ) -> memcached_return_t;
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return ReturnCode::InvalidArguments };
        let rc = match h.client.set_distribution(u64::from(d)) {
            Ok(()) => ReturnCode::Success,
            Err(_) => h.client.fail(Error::with_message(
                ReturnCode::InvalidArguments,
                "Invalid memcached_server_distribution_t",
            )),
        };
        sync_mirror(&mut h);
        rc
    }
}

ffi_fn! {
    /// `memcached_behavior_get_distribution` (CONSISTENT_MAX for NULL).
    fn memcached_behavior_get_distribution(ptr: *mut memcached_st) -> memcached_server_distribution_t;
    nonnull()
    {
        handle(ptr).map_or(DISTRIBUTION_MAX, |h| h.client.placement.distribution as u32)
    }
}

ffi_fn! {
    /// `memcached_autoeject`: with auto-eject, bring servers whose retry
    /// time has passed back into the continuum.
    fn memcached_autoeject(ptr: *mut memcached_st);
    nonnull(ptr)
    {
        let Some(mut h) = handle(ptr) else { return };
        h.client.maybe_rebuild_for_eject();
        sync_mirror(&mut h);
    }
}

ffi_fn! {
    /// `libmemcached_string_hash`.
    fn libmemcached_string_hash(alg: memcached_hash_t) -> *const c_char;
    nonnull()
    {
        static_cstr(algorithm_name(alg))
    }
}

ffi_fn! {
    /// `libmemcached_string_distribution`.
    fn libmemcached_string_distribution(d: memcached_server_distribution_t) -> *const c_char;
    nonnull()
    {
        static_cstr(distribution_name(d))
    }
}

ffi_fn! {
    /// `libmemcached_string_behavior`.
    fn libmemcached_string_behavior(flag: memcached_behavior_t) -> *const c_char;
    nonnull()
    {
        static_cstr(crate::core::behavior::name(flag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_libhashkit() {
        let mut s = default_slot();
        assert_eq!(set_slot(&mut s, 1), HASHKIT_SUCCESS);
        assert_eq!(algorithm_of(s.function), HashAlgorithm::Md5);
        assert_eq!(set_slot(&mut s, 11), HASHKIT_INVALID_ARGUMENT);
        assert_eq!(algorithm_of(s.function), HashAlgorithm::Md5);
        assert_eq!(set_slot(&mut s, 13), HASHKIT_SUCCESS);
        assert_eq!(algorithm_of(s.function), HashAlgorithm::Md5);
        assert_eq!(set_slot(&mut s, 12), HASHKIT_INVALID_HASH);
        assert_eq!(algorithm_of(s.function), HashAlgorithm::Default);
        for (alg, _) in BUILTINS {
            assert_eq!(set_slot(&mut s, *alg as u32), HASHKIT_SUCCESS);
            assert_eq!(algorithm_of(s.function), *alg);
            assert_eq!(hasher_of(&s).algorithm(), *alg);
        }
        assert_eq!(algorithm_of(None), HashAlgorithm::Custom);
    }
}
