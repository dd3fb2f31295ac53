//! The credentials cache of a chain: temporary credentials are refreshed a few minutes before
//! they expire, by one caller while the others keep signing with the still-valid ones.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-static-credentials.html>

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, SystemTime};

use super::Credentials;
use crate::Error;
use crate::timestamp::Clock;

/// Refresh this long before expiry, one caller at a time, the others not waiting (botocore's
/// "advisory" refresh, there 15 minutes; "a few minutes" is plenty for a blocking client).
const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);
/// This close to expiry every caller waits for the refresh: a request signed now could arrive
/// after the credentials stopped working.
const MUST_REFRESH_BEFORE: Duration = Duration::from_secs(60);
/// After a failed early refresh, the next try waits this long: a failing source is not asked
/// again on every call.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// A cache for one source. Credentials without an expiry are kept for good.
pub(crate) struct LazyCache {
    clock: Clock,
    state: Mutex<State>,
    /// Held by the one caller that is loading.
    loading: Mutex<()>,
}

impl std::fmt::Debug for LazyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("LazyCache").field("cached", &state.cached.as_ref().map(|e| &e.credentials)).finish()
    }
}

#[derive(Clone, Default)]
struct State {
    cached: Option<Entry>,
    /// When the last load failed, and the error, for a caller that waited behind that load.
    failure: Option<(SystemTime, Arc<Error>)>,
    /// Counts loads, so that a caller that waited knows whether one happened meanwhile.
    loads: u64,
}

#[derive(Clone)]
struct Entry {
    credentials: Credentials,
    loaded_at: SystemTime,
}

/// Where cached credentials stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Fresh,
    /// Valid, but one caller should refresh them.
    RefreshSoon,
    /// Valid for seconds more: callers wait for a refresh.
    RefreshNow,
    Expired,
}

impl Entry {
    /// The windows shrink for short-lived credentials (a 4-minute process credential is not
    /// refreshed on every call): at most half, and a quarter, of the lifetime.
    fn phase(&self, now: SystemTime) -> Phase {
        let Some(expiry) = self.credentials.expiry() else { return Phase::Fresh };
        let Ok(left) = expiry.duration_since(now) else { return Phase::Expired };
        if left.is_zero() {
            return Phase::Expired;
        }
        let lifetime = expiry.duration_since(self.loaded_at).unwrap_or_default();
        if left <= MUST_REFRESH_BEFORE.min(lifetime / 4) {
            Phase::RefreshNow
        } else if left <= REFRESH_BEFORE.min(lifetime / 2) {
            Phase::RefreshSoon
        } else {
            Phase::Fresh
        }
    }
}

impl LazyCache {
    pub(crate) fn new(clock: Clock) -> Self {
        LazyCache { clock, state: Mutex::new(State::default()), loading: Mutex::new(()) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the state half-written: it is replaced whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Cached credentials, or the result of `load` when they are missing or about to expire.
    pub(crate) fn get(&self, load: impl FnOnce() -> Result<Credentials, Error>) -> Result<Credentials, Error> {
        let now = (self.clock)();
        let state = self.state().clone();
        match state.cached.as_ref().map(|e| (e, e.phase(now))) {
            Some((entry, Phase::Fresh)) => Ok(entry.credentials.clone()),
            Some((entry, Phase::RefreshSoon)) => {
                let backing_off = state
                    .failure
                    .as_ref()
                    .is_some_and(|(at, _)| now.duration_since(*at).unwrap_or_default() < RETRY_AFTER_FAILURE);
                if backing_off {
                    return Ok(entry.credentials.clone());
                }
                let _guard = match self.loading.try_lock() {
                    Ok(guard) => guard,
                    Err(TryLockError::Poisoned(p)) => p.into_inner(),
                    // Another caller is refreshing: keep using these.
                    Err(TryLockError::WouldBlock) => return Ok(entry.credentials.clone()),
                };
                Ok(self.load(load).unwrap_or_else(|_| entry.credentials.clone()))
            }
            _ => {
                let _guard = self.loading.lock().unwrap_or_else(PoisonError::into_inner);
                // While this caller waited, another may have refreshed, or failed.
                let now = (self.clock)();
                let latest = self.state().clone();
                if let Some(entry) = &latest.cached
                    && matches!(entry.phase(now), Phase::Fresh | Phase::RefreshSoon)
                {
                    return Ok(entry.credentials.clone());
                }
                let usable = latest.cached.filter(|e| e.phase(now) != Phase::Expired).map(|e| e.credentials);
                if latest.loads != state.loads
                    && let Some((_, why)) = &latest.failure
                {
                    // It failed just now for a caller this one waited behind: not again at once.
                    return usable.ok_or_else(|| why.replicate());
                }
                match self.load(load) {
                    Ok(c) => Ok(c),
                    // Still valid for a few seconds: better than failing now.
                    Err(e) => usable.ok_or(e),
                }
            }
        }
    }

    /// Runs `load` (the caller holds `loading`) and records the outcome.
    fn load(&self, load: impl FnOnce() -> Result<Credentials, Error>) -> Result<Credentials, Error> {
        let result = load();
        let now = (self.clock)();
        let mut state = self.state();
        state.loads += 1;
        match &result {
            Ok(credentials) => {
                state.cached = Some(Entry { credentials: credentials.clone(), loaded_at: now });
                state.failure = None;
            }
            Err(e) => state.failure = Some((now, Arc::new(e.replicate()))),
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
    use std::sync::{Arc, Barrier};
    use std::thread;

    use super::*;

    struct Fixture {
        now: Arc<AtomicU64>,
        cache: Arc<LazyCache>,
        loads: Arc<AtomicU32>,
    }

    const T0: u64 = 1_700_000_000;

    fn fixture() -> Fixture {
        let now = Arc::new(AtomicU64::new(T0));
        let n = Arc::clone(&now);
        let clock: Clock = Arc::new(move || SystemTime::UNIX_EPOCH + Duration::from_secs(n.load(Ordering::SeqCst)));
        Fixture { now, cache: Arc::new(LazyCache::new(clock)), loads: Arc::new(AtomicU32::new(0)) }
    }

    fn creds(id: &str, expires_at: u64) -> Credentials {
        Credentials::new(id, "s", Some("t".into()))
            .with_expiry(SystemTime::UNIX_EPOCH + Duration::from_secs(expires_at))
    }

    impl Fixture {
        fn get(&self, result: Result<Credentials, &str>) -> Result<String, String> {
            let loads = Arc::clone(&self.loads);
            self.cache
                .get(move || {
                    loads.fetch_add(1, Ordering::SeqCst);
                    result.map_err(Error::config)
                })
                .map(|c| c.access_key_id().to_owned())
                .map_err(|e| e.to_string())
        }

        fn at(&self, t: u64) {
            self.now.store(t, Ordering::SeqCst);
        }
    }

    #[test]
    fn loads_once_then_refreshes_early_and_keeps_valid_ones_on_failure() {
        let f = fixture();
        assert_eq!(f.get(Ok(creds("A", T0 + 3600))).unwrap(), "A");
        assert_eq!(f.get(Ok(creds("B", T0 + 7200))).unwrap(), "A", "fresh: no load");
        assert_eq!(f.loads.load(Ordering::SeqCst), 1);
        // Four minutes left: refreshed early.
        f.at(T0 + 3600 - 240);
        assert_eq!(f.get(Ok(creds("B", T0 + 7200))).unwrap(), "B");
        // The refresh fails: the still-valid ones are used, and the source is left alone a while.
        f.at(T0 + 7200 - 240);
        assert_eq!(f.get(Err("sts is down")).unwrap(), "B");
        assert_eq!(f.get(Ok(creds("C", T0 + 9000))).unwrap(), "B", "backing off after a failure");
        assert_eq!(f.loads.load(Ordering::SeqCst), 3);
        f.at(T0 + 7200 - 200);
        assert_eq!(f.get(Ok(creds("C", T0 + 9000))).unwrap(), "C");
    }

    #[test]
    fn the_last_minute_waits_for_a_refresh_and_expired_ones_are_never_used() {
        let f = fixture();
        assert_eq!(f.get(Ok(creds("A", T0 + 3600))).unwrap(), "A");
        f.at(T0 + 3600 - 30);
        // A failure in the last minute still returns the valid ones...
        assert_eq!(f.get(Err("down")).unwrap(), "A");
        // ...but once they expired, the error is the caller's.
        f.at(T0 + 3600);
        assert_eq!(f.get(Err("down")).unwrap_err(), "configuration error: down");
        assert_eq!(f.get(Ok(creds("B", T0 + 7200))).unwrap(), "B");
    }

    #[test]
    fn credentials_without_expiry_are_kept_for_good() {
        let f = fixture();
        let forever = Credentials::new("A", "s", None);
        assert_eq!(f.get(Ok(forever)).unwrap(), "A");
        f.at(T0 + 10 * 365 * 86400);
        assert_eq!(f.get(Ok(creds("B", 0))).unwrap(), "A");
        assert_eq!(f.loads.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn short_lived_credentials_are_not_refreshed_on_every_call() {
        let f = fixture();
        assert_eq!(f.get(Ok(creds("A", T0 + 240))).unwrap(), "A");
        f.at(T0 + 100);
        assert_eq!(f.get(Ok(creds("B", T0 + 400))).unwrap(), "A", "more than half the lifetime left");
        f.at(T0 + 130);
        assert_eq!(f.get(Ok(creds("B", T0 + 400))).unwrap(), "B");
    }

    #[test]
    fn one_thread_refreshes_while_the_others_keep_signing() {
        let f = fixture();
        assert_eq!(f.get(Ok(creds("A", T0 + 3600))).unwrap(), "A");
        f.at(T0 + 3600 - 240);
        let (started, release) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
        let refresher = {
            let (cache, started, release) = (Arc::clone(&f.cache), Arc::clone(&started), Arc::clone(&release));
            thread::spawn(move || {
                cache
                    .get(|| {
                        started.wait();
                        release.wait();
                        Ok(creds("B", T0 + 7200))
                    })
                    .map(|c| c.access_key_id().to_owned())
            })
        };
        started.wait();
        // While the refresh is under way, other callers get the valid credentials at once.
        for _ in 0..3 {
            assert_eq!(f.get(Ok(creds("X", T0 + 9999))).unwrap(), "A");
        }
        release.wait();
        assert_eq!(refresher.join().unwrap().unwrap(), "B");
        assert_eq!(f.get(Ok(creds("X", T0 + 9999))).unwrap(), "B");
        assert_eq!(f.loads.load(Ordering::SeqCst), 1, "only the first get and the refresher loaded");
    }

    #[test]
    fn callers_waiting_behind_a_failed_load_do_not_load_again() {
        let f = fixture();
        let start = Arc::new(Barrier::new(6));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (cache, loads, start) = (Arc::clone(&f.cache), Arc::clone(&f.loads), Arc::clone(&start));
                thread::spawn(move || {
                    start.wait();
                    cache.get(|| {
                        loads.fetch_add(1, Ordering::SeqCst);
                        thread::sleep(Duration::from_millis(300));
                        Err(Error::config("sts is down"))
                    })
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap_err().to_string(), "configuration error: sts is down");
        }
        // The first caller loads; the others, all waiting behind it, take its error. A rare
        // late arrival may load once more.
        assert!(f.loads.load(Ordering::SeqCst) <= 2, "{} loads", f.loads.load(Ordering::SeqCst));
    }

    #[test]
    fn concurrent_first_calls_load_once() {
        let f = fixture();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let cache = Arc::clone(&f.cache);
                let loads = Arc::clone(&f.loads);
                thread::spawn(move || {
                    cache
                        .get(|| {
                            loads.fetch_add(1, Ordering::SeqCst);
                            thread::sleep(Duration::from_millis(20));
                            Ok(creds("A", T0 + 3600))
                        })
                        .unwrap()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().access_key_id(), "A");
        }
        assert_eq!(f.loads.load(Ordering::SeqCst), 1);
    }
}
