//! libmemcachedutil's handle pool, as 1.1.4 implements it
//! (`libmemcachedutil/pool.cc`), for any kind of member: the C ABI's members
//! are `memcached_st` clones of a master handle.
//!
//! - A pool makes `initial` members up front and more on demand, up to `max`.
//! - [`Pool::fetch`] hands out the member returned last (a stack), else a new
//!   one while fewer than `max` exist, else waits: not at all ([`Wait::Now`]:
//!   NOTFOUND), or until `time(NULL) + secs` plus `nanos` (the clock's whole
//!   seconds, as 1.1.4's `pthread_cond_timedwait` deadline), re-arming after
//!   every wake-up that finds the pool still empty.
//! - [`Pool::release`] takes a member back (a member already idle is refused:
//!   it would be discarded twice); one made before the last
//!   [`Pool::reconfigure`] is replaced by a fresh one. Waiters are woken when
//!   the first member comes back to a pool that has made all `max`.
//! - [`Pool::reconfigure`] changes the master, then every idle member
//!   (replacing one that refuses), and bumps the pool's version so members
//!   out at the time are replaced when they come back.
//!
//! Where 1.1.4 overruns its array (more members released than the pool
//! holds) the extra members are simply kept.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::{Condvar, Mutex};

/// What a pool does with its members.
pub trait Members {
    /// A member (a handle: copied freely, compared by identity).
    type Member: Copy + Eq;
    /// A new member (a clone of the master), `None` when none can be made.
    fn make(&mut self) -> Option<Self::Member>;
    /// Give up a member the pool no longer keeps.
    fn discard(&mut self, m: Self::Member);
    /// A member's identity, for the version table.
    fn id(m: Self::Member) -> usize;
}

/// How long [`Pool::fetch`] waits for a member when all are out.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Not at all.
    Now,
    /// Until `time(NULL) + secs` seconds and `nanos` nanoseconds.
    For { secs: i64, nanos: i64 },
}

/// Why [`Pool::fetch`] gives no member.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// All members are out and the caller does not wait (1.1.4: NOTFOUND).
    Empty,
    /// The wait ran out (TIMEOUT).
    Timeout,
    /// `nanos` is outside 0..1e9 (1.1.4: ERRNO with EINVAL).
    BadWait,
    /// A new member could not be made (1.1.4: NULL with SUCCESS).
    MakeFailed,
}

/// [`Pool::release`] of a member that is already idle (pushed twice, it
/// would be discarded twice).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct AlreadyIdle;

/// The version of a member the pool did not make (1.1.4's initial
/// `configure.version`).
const UNVERSIONED: i64 = -1;

/// Everything behind the pool's mutex.
struct State<M: Members> {
    members: M,
    /// Idle members; the last one is handed out first.
    idle: Vec<M::Member>,
    /// How many members the pool has made (1.1.4's `current_size`).
    made: u32,
    /// Bumped by every successful reconfiguration.
    version: i64,
    /// The version of each member the pool made.
    versions: HashMap<usize, i64>,
}

impl<M: Members> State<M> {
    /// A new member stamped with the current version.
    fn make(&mut self) -> Option<M::Member> {
        let m = self.members.make()?;
        self.versions.insert(M::id(m), self.version);
        Some(m)
    }

    fn discard(&mut self, m: M::Member) {
        self.versions.remove(&M::id(m));
        self.members.discard(m);
    }
}

/// A pool of members (see the module documentation).
pub struct Pool<M: Members> {
    /// The most members the pool makes (1.1.4's `size`).
    max: u32,
    state: Mutex<State<M>>,
    cond: Condvar,
}

impl<M: Members> Pool<M> {
    /// A pool of up to `max` members, `initial` of them made now; `None`
    /// when `initial` or `max` is 0 or `initial > max`. A member that cannot
    /// be made now is not fatal, as in 1.1.4.
    pub fn new(members: M, initial: u32, max: u32) -> Option<Pool<M>> {
        if initial == 0 || max == 0 || initial > max {
            return None;
        }
        let mut st = State {
            members,
            idle: Vec::with_capacity(max.min(1024) as usize),
            made: 0,
            version: UNVERSIONED,
            versions: HashMap::new(),
        };
        for _ in 0..initial {
            let Some(m) = st.make() else {
                break;
            };
            st.idle.push(m);
            st.made += 1;
        }
        Some(Pool {
            max,
            state: Mutex::new(st),
            cond: Condvar::new(),
        })
    }

    /// A member: an idle one, a new one, or one released while waiting.
    pub fn fetch(&self, wait: Wait) -> Result<M::Member, FetchError> {
        let mut st = self.state.lock();
        loop {
            if let Some(m) = st.idle.pop() {
                return Ok(m);
            }
            if st.made < self.max {
                let m = st.make().ok_or(FetchError::MakeFailed)?;
                st.made += 1;
                return Ok(m);
            }
            let (secs, nanos) = match wait {
                Wait::Now | Wait::For { secs: 0, nanos: 0 } => return Err(FetchError::Empty),
                Wait::For { secs, nanos } => (secs, nanos),
            };
            if !(0..1_000_000_000).contains(&nanos) {
                return Err(FetchError::BadWait);
            }
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let deadline_ns =
                (now.as_secs() as i128 + i128::from(secs)) * 1_000_000_000 + i128::from(nanos);
            let left = deadline_ns - now.as_nanos() as i128;
            if left <= 0 {
                return Err(FetchError::Timeout);
            }
            let left = Duration::from_nanos(u64::try_from(left).unwrap_or(u64::MAX));
            if self.cond.wait_for(&mut st, left).timed_out() {
                return Err(FetchError::Timeout);
            }
        }
    }

    /// Take a member back; `Err(AlreadyIdle)` (nothing changes) when it is
    /// already idle.
    pub fn release(&self, m: M::Member) -> Result<(), AlreadyIdle> {
        let mut st = self.state.lock();
        if st.idle.contains(&m) {
            return Err(AlreadyIdle);
        }
        let mut m = m;
        let v = st.versions.get(&M::id(m)).copied().unwrap_or(UNVERSIONED);
        if v != st.version
            && let Some(fresh) = st.make()
        {
            st.discard(m);
            m = fresh;
        }
        st.idle.push(m);
        if st.idle.len() == 1 && st.made == self.max {
            self.cond.notify_all();
        }
        Ok(())
    }

    /// Change the master (`apply(members, None)`), then every idle member
    /// (`apply(members, Some(m))`; one that refuses is replaced by a new
    /// one). False, with nothing else changed, when the master refuses.
    pub fn reconfigure(&self, mut apply: impl FnMut(&mut M, Option<M::Member>) -> bool) -> bool {
        let mut st = self.state.lock();
        if !apply(&mut st.members, None) {
            return false;
        }
        st.version += 1;
        let version = st.version;
        for i in 0..st.idle.len() {
            let m = st.idle[i];
            if apply(&mut st.members, Some(m)) {
                st.versions.insert(M::id(m), version);
            } else if let Some(fresh) = st.make() {
                st.discard(m);
                st.idle[i] = fresh;
            }
        }
        true
    }

    /// Run `f` on the members (the master) under the pool's lock.
    pub fn with_members<R>(&self, f: impl FnOnce(&mut M) -> R) -> R {
        f(&mut self.state.lock().members)
    }

    /// Destroy the pool: the idle members are discarded (those still out
    /// are the caller's now); the members object (the master) is returned.
    pub fn destroy(self) -> M {
        let mut st = self.state.into_inner();
        for m in std::mem::take(&mut st.idle) {
            st.discard(m);
        }
        st.members
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Members are numbers; the log says what happened.
    #[derive(Default)]
    struct Numbers {
        next: usize,
        fail: bool,
        discarded: Vec<usize>,
    }

    impl Members for Numbers {
        type Member = usize;
        fn make(&mut self) -> Option<usize> {
            if self.fail {
                return None;
            }
            self.next += 1;
            Some(self.next)
        }
        fn discard(&mut self, m: usize) {
            self.discarded.push(m);
        }
        fn id(m: usize) -> usize {
            m
        }
    }

    #[test]
    fn sizes_are_checked() {
        assert!(Pool::new(Numbers::default(), 0, 1).is_none());
        assert!(Pool::new(Numbers::default(), 2, 1).is_none());
        assert!(Pool::new(Numbers::default(), 1, 1).is_some());
    }

    #[test]
    fn last_released_is_handed_out_first_and_max_is_kept() {
        let p = Pool::new(Numbers::default(), 1, 2).unwrap();
        let a = p.fetch(Wait::Now).unwrap();
        let b = p.fetch(Wait::Now).unwrap();
        assert_eq!((a, b), (1, 2));
        assert_eq!(p.fetch(Wait::Now), Err(FetchError::Empty));
        assert_eq!(
            p.fetch(Wait::For {
                secs: 0,
                nanos: 1_000_000_000
            }),
            Err(FetchError::BadWait)
        );
        p.release(a).unwrap();
        p.release(b).unwrap();
        assert_eq!(
            p.release(b),
            Err(AlreadyIdle),
            "a member pushed twice is refused"
        );
        assert_eq!(p.fetch(Wait::Now), Ok(2));
    }

    #[test]
    fn members_out_during_a_reconfiguration_are_replaced() {
        let p = Pool::new(Numbers::default(), 2, 2).unwrap();
        let out = p.fetch(Wait::Now).unwrap();
        assert!(p.reconfigure(|_, _| true));
        p.release(out).unwrap();
        let members = p.destroy();
        assert!(members.discarded.contains(&out), "{:?}", members.discarded);
    }

    #[test]
    fn a_waiter_gets_the_released_member() {
        let p = std::sync::Arc::new(Pool::new(Numbers::default(), 1, 1).unwrap());
        let m = p.fetch(Wait::Now).unwrap();
        let q = p.clone();
        let waiter = std::thread::spawn(move || q.fetch(Wait::For { secs: 5, nanos: 0 }));
        std::thread::sleep(Duration::from_millis(50));
        p.release(m).unwrap();
        assert_eq!(waiter.join().unwrap(), Ok(m));
    }
}
