//! Network access authentication of RFC 6611 §4.1: the NAS as an IEEE 802.1X pass-through
//! authenticator (IEEE 802.1X-2010 §8, RFC 3579 §2), relaying the supplicant's EAP over
//! EAPOL to the home AAA server over RADIUS and learning, from the Access-Accept, the home
//! agent the AAA server assigned (`fixtures/requirements/radius-ha-assignment.md`).
//!
//! Sans-IO: [`Authenticator`] takes EAPOL PDUs and RADIUS datagrams with the time, and gives
//! EAPOL PDUs for the access link ([`Authenticator::poll_frame`]), RADIUS datagrams
//! ([`SansIo::poll_transmit`](crate::io::SansIo::poll_transmit)) and
//! [`AuthenticatorEvent`]s. The RADIUS side is [`crate::aaa::RadiusEap`], one per
//! authentication.

mod authenticator;

pub use authenticator::{
    calling_station_id, Authenticator, AuthenticatorConfig, AuthenticatorEvent, AuthenticatorInput,
    EapolFrame,
};

#[cfg(test)]
mod tests;
