//! Where the load goes: loopback addresses only.
//!
//! The load generator is a benchmark tool, not a stress tool for other people's machines: every
//! address it connects to must be in `127.0.0.0/8` or be `::1`. Names are not resolved; the only
//! name accepted is `localhost`, which means `127.0.0.1`.

use anyhow::{bail, Context};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// True when `ip` is in `127.0.0.0/8` or is `::1` (IPv4-mapped addresses are refused).
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.octets()[0] == 127,
        IpAddr::V6(v6) => v6 == Ipv6Addr::LOCALHOST,
    }
}

/// Fails unless `addr` is a loopback address (see [`is_loopback`]).
pub fn ensure_loopback(addr: SocketAddr) -> anyhow::Result<()> {
    if !is_loopback(addr.ip()) {
        bail!("refusing to send load to {addr}: only 127.0.0.0/8 and ::1 are allowed");
    }
    Ok(())
}

/// Parses a target IP (`127.0.0.1`, `::1`, `[::1]` or `localhost`) and checks it is loopback.
pub fn parse_loopback_ip(s: &str) -> anyhow::Result<IpAddr> {
    let trimmed = s.trim();
    let ip = if trimmed.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        let bare = trimmed
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .unwrap_or(trimmed);
        bare.parse::<IpAddr>().with_context(|| {
            format!("{s:?} is not an IP address (names other than localhost are not resolved)")
        })?
    };
    if !is_loopback(ip) {
        bail!("refusing target {ip}: only 127.0.0.0/8 and ::1 are allowed");
    }
    Ok(ip)
}

/// A checked loopback socket address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target(SocketAddr);

impl Target {
    /// Wraps `addr` after checking it is loopback.
    pub fn new(addr: SocketAddr) -> anyhow::Result<Self> {
        ensure_loopback(addr)?;
        Ok(Self(addr))
    }

    /// The socket address.
    pub fn addr(self) -> SocketAddr {
        self.0
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_loopback() {
        for s in [
            "127.0.0.1",
            "127.255.3.4",
            "127.0.0.0",
            "::1",
            "[::1]",
            "localhost",
            " LOCALHOST ",
        ] {
            assert!(parse_loopback_ip(s).is_ok(), "{s} should be accepted");
        }
    }

    #[test]
    fn refuses_everything_else() {
        for s in [
            "0.0.0.0",
            "10.0.0.1",
            "128.0.0.1",
            "192.168.1.10",
            "8.8.8.8",
            "::",
            "::2",
            "::ffff:127.0.0.1",
            "fe80::1",
            "example.com",
            "127.0.0.1.nip.io",
            "",
        ] {
            assert!(parse_loopback_ip(s).is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn target_checks_socket_addresses() {
        assert!(Target::new(SocketAddr::from(([127, 0, 0, 1], 8080))).is_ok());
        assert!(Target::new("[::1]:80".parse().expect("valid")).is_ok());
        assert!(Target::new(SocketAddr::from(([192, 168, 0, 1], 8080))).is_err());
        assert!(Target::new("[2001:db8::1]:80".parse().expect("valid")).is_err());
    }
}
