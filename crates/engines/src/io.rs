//! The vocabulary every sans-IO engine speaks: inputs stamped with `now` (milliseconds on any
//! monotonic clock the driver picks), datagrams out with their destination, events out, and
//! the time at which the engine next wants [`SansIo::handle_timeout`]. A driver loop reads:
//!
//! ```text
//! loop {
//!     while let Some(t) = engine.poll_transmit() { send t.payload to t.dst }
//!     while let Some(e) = engine.poll_event() { act on e }
//!     wait for input or engine.next_timeout()
//!     engine.handle_input(now, input) / engine.handle_timeout(now)
//! }
//! ```

use std::net::SocketAddr;

/// A datagram to send: its payload and where to (for link-local protocols such as ND the
/// port is 0 and the address the on-link destination).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub dst: SocketAddr,
    pub payload: Vec<u8>,
}

/// A datagram received: its payload and where from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram<'a> {
    pub src: SocketAddr,
    pub payload: &'a [u8],
}

impl<'a> Datagram<'a> {
    pub fn new(src: SocketAddr, payload: &'a [u8]) -> Datagram<'a> {
        Datagram { src, payload }
    }
}

/// A sans-IO engine: no sockets, clocks or threads inside.
pub trait SansIo {
    /// What the engine takes in (a received datagram, a packet, an answer).
    type Input<'a>;
    /// What the engine reports.
    type Event;

    fn handle_input(&mut self, now: u64, input: Self::Input<'_>);

    /// Timers that are due at `now` (retransmission, expiry).
    fn handle_timeout(&mut self, now: u64);

    /// The next datagram to send.
    fn poll_transmit(&mut self) -> Option<Transmit>;

    fn poll_event(&mut self) -> Option<Self::Event>;

    /// When [`SansIo::handle_timeout`] next has something to do.
    fn next_timeout(&self) -> Option<u64>;

    /// Everything pending: the datagrams to send, then the events.
    fn drain(&mut self) -> (Vec<Transmit>, Vec<Self::Event>) {
        let transmits = std::iter::from_fn(|| self.poll_transmit()).collect();
        let events = std::iter::from_fn(|| self.poll_event()).collect();
        (transmits, events)
    }
}

/// Test shorthand: the timers at `now`, then the first event they raised.
#[cfg(test)]
pub(crate) fn event_after_timeout<E: SansIo>(engine: &mut E, now: u64) -> Option<E::Event> {
    engine.handle_timeout(now);
    engine.poll_event()
}
