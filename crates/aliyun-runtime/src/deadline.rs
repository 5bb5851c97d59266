//! The timer that enforces an operation's timeouts, and the pool through
//! which operations reuse each other's timers.
//!
//! An operation has an overall deadline and, while an attempt is in flight,
//! an earlier one for that attempt. Both are enforced by a single tokio
//! timer whose deadline is moved as the operation goes on.
//!
//! Why a pool: tokio's time driver wakes the thread parked on it whenever a
//! timer is registered with a deadline before the driver's next planned
//! wake-up, which is always the case when no other timer is pending. On
//! every call that costs a system call and a thread wake-up, a measurable
//! share of a loopback round trip. Moving an already registered timer to a
//! *later* deadline, on the other hand, is one atomic operation. So a
//! finished operation leaves its timer registered in its runtime's pool,
//! and the next operation moves it to its own, later, deadline. A pooled
//! timer that expires while unused wakes nothing: it is left holding a
//! waker that does nothing.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use tokio::runtime::Handle;
use tokio::time::Sleep;

/// How many idle timers a runtime keeps: enough for the calls one client
/// typically has in flight at once; more concurrent calls still work, their
/// timers are simply dropped when they finish.
const POOLED_TIMERS: usize = 32;

/// Idle timers of one runtime, all created on the same tokio runtime.
#[derive(Debug, Default)]
pub(crate) struct TimerPool {
    idle: Mutex<IdleTimers>,
}

#[derive(Debug, Default)]
struct IdleTimers {
    /// The tokio runtime the timers belong to: a timer is tied to the time
    /// driver that created it and cannot serve another runtime.
    runtime: Option<tokio::runtime::Id>,
    timers: Vec<Pin<Box<Sleep>>>,
}

impl TimerPool {
    /// A timer for one operation; `deadline` is the operation's, used only
    /// if a new timer has to be created (every wait sets its own deadline).
    /// Must be called within a tokio runtime with timers enabled, like any
    /// tokio timer.
    pub(crate) fn timer(&self, deadline: Instant) -> OperationTimer<'_> {
        let runtime = Handle::try_current().ok().map(|handle| handle.id());
        let reused = runtime.and_then(|runtime| {
            let mut idle = self
                .idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if idle.runtime == Some(runtime) {
                idle.timers.pop()
            } else {
                None
            }
        });
        let sleep = reused.unwrap_or_else(|| Box::pin(tokio::time::sleep_until(deadline.into())));
        OperationTimer {
            sleep,
            runtime,
            pool: self,
        }
    }

    fn put_back(&self, sleep: Pin<Box<Sleep>>, runtime: Option<tokio::runtime::Id>) {
        let Some(runtime) = runtime else {
            return;
        };
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Timers of another runtime are of no further use; dropping them
        // after the lock is released keeps the critical section short.
        let stale = if idle.runtime == Some(runtime) {
            Vec::new()
        } else {
            idle.runtime = Some(runtime);
            std::mem::take(&mut idle.timers)
        };
        if idle.timers.len() < POOLED_TIMERS {
            idle.timers.push(sleep);
        }
        drop(idle);
        drop(stale);
    }
}

/// The single timer of one operation.
pub(crate) struct OperationTimer<'pool> {
    sleep: Pin<Box<Sleep>>,
    runtime: Option<tokio::runtime::Id>,
    pool: &'pool TimerPool,
}

impl OperationTimer<'_> {
    /// Runs `future` to completion unless `deadline` passes first, in which
    /// case it is dropped and `None` returned. Like `tokio::time::timeout`,
    /// the future is polled before the timer, so a future that is ready
    /// wins over a deadline that passed meanwhile.
    ///
    /// The timer is set only once the future has to wait: a future that is
    /// ready at once (credentials already at hand) leaves it alone, so
    /// within an operation the timer's deadline only ever moves later,
    /// which is the cheap move (see the module documentation).
    pub(crate) async fn run_until<F: Future>(
        &mut self,
        deadline: Instant,
        future: F,
    ) -> Option<F::Output> {
        let mut future = pin!(future);
        let sleep = &mut self.sleep;
        let mut armed = false;
        poll_fn(|context| {
            if let Poll::Ready(output) = future.as_mut().poll(context) {
                return Poll::Ready(Some(output));
            }
            if !armed {
                sleep.as_mut().reset(deadline.into());
                armed = true;
            }
            sleep.as_mut().poll(context).map(|()| None)
        })
        .await
    }

    /// Waits until `deadline`.
    pub(crate) async fn sleep_until(&mut self, deadline: Instant) {
        self.sleep.as_mut().reset(deadline.into());
        self.sleep.as_mut().await;
    }

    /// Hands the timer, still registered, to the next operation. Called
    /// from within the operation (on its runtime), never from `Drop`: an
    /// operation that is cancelled simply drops its timer.
    pub(crate) fn recycle(mut self) {
        // Swapping in a waker that does nothing releases the finished
        // task's waker; whether the deadline has passed does not matter.
        let _ = self
            .sleep
            .as_mut()
            .poll(&mut Context::from_waker(idle_waker()));
        self.pool.put_back(self.sleep, self.runtime);
    }
}

/// The waker left in idle timers.
fn idle_waker() -> &'static Waker {
    struct DoNothing;
    impl Wake for DoNothing {
        fn wake(self: Arc<Self>) {}
    }
    static IDLE_WAKER: OnceLock<Waker> = OnceLock::new();
    IDLE_WAKER.get_or_init(|| Waker::from(Arc::new(DoNothing)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_deadline_that_passes_stops_the_future() {
        let pool = TimerPool::default();
        let mut timer = pool.timer(Instant::now() + Duration::from_secs(60));
        let started = Instant::now();
        let outcome = timer
            .run_until(
                Instant::now() + Duration::from_millis(50),
                tokio::time::sleep(Duration::from_secs(60)),
            )
            .await;
        assert_eq!(outcome, None);
        assert!(started.elapsed() < Duration::from_secs(30));
        let outcome = timer
            .run_until(Instant::now() + Duration::from_secs(60), async { 7 })
            .await;
        assert_eq!(outcome, Some(7));
    }

    #[tokio::test]
    async fn a_ready_future_wins_over_a_past_deadline() {
        let pool = TimerPool::default();
        let mut timer = pool.timer(Instant::now());
        assert_eq!(timer.run_until(Instant::now(), async { 1 }).await, Some(1));
    }

    #[tokio::test]
    async fn finished_timers_are_reused_with_their_new_deadline() {
        let pool = TimerPool::default();
        let timer = pool.timer(Instant::now() + Duration::from_secs(60));
        timer.recycle();
        assert_eq!(pool.idle.lock().unwrap().timers.len(), 1);
        let mut timer = pool.timer(Instant::now() + Duration::from_secs(60));
        assert!(pool.idle.lock().unwrap().timers.is_empty());
        let started = Instant::now();
        timer
            .sleep_until(Instant::now() + Duration::from_millis(20))
            .await;
        assert!(started.elapsed() >= Duration::from_millis(20));
        timer.recycle();
        assert_eq!(pool.idle.lock().unwrap().timers.len(), 1);
    }

    #[tokio::test]
    async fn a_reused_timer_that_expired_does_not_cut_the_next_wait_short() {
        let pool = TimerPool::default();
        let mut timer = pool.timer(Instant::now() + Duration::from_secs(60));
        timer
            .sleep_until(Instant::now() + Duration::from_millis(5))
            .await;
        timer.recycle();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let mut timer = pool.timer(Instant::now() + Duration::from_secs(60));
        let outcome = timer
            .run_until(
                Instant::now() + Duration::from_secs(60),
                tokio::time::sleep(Duration::from_millis(30)),
            )
            .await;
        assert_eq!(outcome, Some(()));
    }

    #[test]
    fn timers_do_not_cross_tokio_runtimes() {
        let pool = TimerPool::default();
        let first = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        first.block_on(async {
            pool.timer(Instant::now() + Duration::from_secs(60))
                .recycle()
        });
        drop(first);
        let second = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        second.block_on(async {
            let mut timer = pool.timer(Instant::now() + Duration::from_secs(60));
            // A timer of the first, shut down runtime would fail here.
            timer
                .sleep_until(Instant::now() + Duration::from_millis(5))
                .await;
            timer.recycle();
        });
        assert_eq!(pool.idle.lock().unwrap().timers.len(), 1);
    }
}
