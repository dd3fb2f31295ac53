//! A fake clock for a client, set on its builder (the `_test` seams): time moves only
//! when the client sleeps, at once, and every sleep is kept. Everything that waits
//! (retries, the rate limiter, the waiters, ensure) waits through it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use ec2_lite::ClientBuilder;

#[derive(Clone)]
pub struct FakeClock {
    wall_start: SystemTime,
    sleeps: Arc<Mutex<Vec<Duration>>>,
}

impl Default for FakeClock {
    fn default() -> Self {
        FakeClock::new()
    }
}

impl FakeClock {
    pub fn new() -> Self {
        FakeClock { wall_start: SystemTime::now(), sleeps: Arc::default() }
    }

    /// `builder` on this clock: its wall clock, monotonic time and sleep.
    pub fn install(&self, builder: ClientBuilder) -> ClientBuilder {
        let (wall, now, sleep) = (self.clone(), self.clone(), self.clone());
        builder
            .clock(move || wall.wall_start + wall.elapsed())
            .monotonic_clock(move || now.elapsed())
            .sleep(move |d| sleep.sleeps.lock().unwrap().push(d))
    }

    /// Every sleep so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }

    /// The time slept so far: how far the clock moved.
    pub fn elapsed(&self) -> Duration {
        self.sleeps.lock().unwrap().iter().sum()
    }
}
