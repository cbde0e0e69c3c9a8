//! Open connections kept between requests: a request takes one and gives it
//! back, so no request opens the database, and at most `max` are open at once
//! (a request beyond that waits for one to come back). One pool type serves
//! the journal's stores and the accounts' connections.

use std::sync::{Condvar, Mutex};

use casefile_app::error::{Error, Exit, Result};

pub struct Pool<T> {
    state: Mutex<State<T>>,
    returned: Condvar,
    max: usize,
    open: Box<dyn Fn() -> Result<T> + Send + Sync>,
    usable: fn(&T) -> bool,
}

struct State<T> {
    idle: Vec<T>,
    open: usize,
}

impl<T> Pool<T> {
    /// A pool of at most `max` connections made by `open`; one that is no
    /// longer `usable` when given back is closed instead of kept.
    pub fn new(
        max: usize,
        open: impl Fn() -> Result<T> + Send + Sync + 'static,
        usable: fn(&T) -> bool,
    ) -> Pool<T> {
        Pool {
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
            max: max.max(1),
            open: Box::new(open),
            usable,
        }
    }

    pub fn take(&self) -> Result<T> {
        let poisoned = |_| Error::new(Exit::Internal, "the connection pool failed");
        let mut st = self.state.lock().map_err(poisoned)?;
        loop {
            if let Some(c) = st.idle.pop() {
                return Ok(c);
            }
            if st.open < self.max {
                st.open += 1;
                break;
            }
            st = self.returned.wait(st).map_err(poisoned)?;
        }
        drop(st);
        (self.open)().inspect_err(|_| self.closed())
    }

    pub fn give(&self, c: T) {
        if !(self.usable)(&c) {
            return self.closed();
        }
        if let Ok(mut st) = self.state.lock() {
            st.idle.push(c);
        }
        self.returned.notify_one();
    }

    /// Runs `f` on a pooled connection and gives it back.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> Result<R>) -> Result<R> {
        let mut c = self.take()?;
        let out = f(&mut c);
        self.give(c);
        out
    }

    /// One connection fewer (it failed, or never opened).
    fn closed(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.open = st.open.saturating_sub(1);
        }
        self.returned.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::Pool;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn connections_are_reused_capped_and_replaced_when_broken() {
        let made = Arc::new(AtomicUsize::new(0));
        let m = made.clone();
        let pool = Arc::new(Pool::new(
            2,
            move || Ok(m.fetch_add(1, Ordering::SeqCst) as i64),
            |c: &i64| *c >= 0,
        ));
        let a = pool.take().unwrap();
        pool.give(a);
        assert_eq!(pool.take().unwrap(), a, "the idle one is reused");
        let b = pool.take().unwrap();
        assert_eq!(made.load(Ordering::SeqCst), 2);
        // At the cap, a third waits until one comes back.
        let p = pool.clone();
        let waiter = std::thread::spawn(move || p.take().unwrap());
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiter.is_finished());
        pool.give(b);
        assert_eq!(waiter.join().unwrap(), b);
        // A broken one is closed, and a new one made in its place.
        pool.give(-1);
        assert_eq!(pool.take().unwrap(), 2);
        assert_eq!(made.load(Ordering::SeqCst), 3);
    }
}
