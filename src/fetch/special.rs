//! The IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890, RFC 8190), row by row,
//! and the IPv6 forms that carry an IPv4 address inside them: an address is public when no row
//! covers it, or when the most specific row that does says "Globally Reachable: True".
//!
//! IPv6 outside 2000::/3 (the global unicast space of the IPv6 Address Space registry) is never
//! public: the rest is reserved by the IETF, unique-local, link-local or multicast, and includes
//! the deprecated site-local fec0::/10. IPv4 multicast (224.0.0.0/4, RFC 5771) has its own
//! registry and is never a web server either.
//!
//! Pure: what `address::AddressPolicy` decides with, not the decision about allow-lists.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One row of a registry: a block, its name and RFC, and whether it is globally reachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub block: &'static str,
    pub name: &'static str,
    pub rfc: &'static str,
    pub global: bool,
}

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}, {}", self.block, self.name, self.rfc)
    }
}

const fn row(block: &'static str, name: &'static str, rfc: &'static str, global: bool) -> Row {
    Row { block, name, rfc, global }
}

/// The IPv4 registry as of 2025: (network, prefix length, row). Globally reachable rows sit
/// inside non-reachable ones (192.0.0.9 in 192.0.0.0/24); the longest match decides.
#[rustfmt::skip]
const V4: [(u32, u8, Row); 25] = [
    (v4(0, 0, 0, 0), 8, row("0.0.0.0/8", "\"This network\"", "RFC 791", false)),
    (v4(0, 0, 0, 0), 32, row("0.0.0.0/32", "\"This host on this network\"", "RFC 1122", false)),
    (v4(10, 0, 0, 0), 8, row("10.0.0.0/8", "Private-Use", "RFC 1918", false)),
    (v4(100, 64, 0, 0), 10, row("100.64.0.0/10", "Shared Address Space", "RFC 6598", false)),
    (v4(127, 0, 0, 0), 8, row("127.0.0.0/8", "Loopback", "RFC 1122", false)),
    (v4(169, 254, 0, 0), 16, row("169.254.0.0/16", "Link Local", "RFC 3927", false)),
    (v4(172, 16, 0, 0), 12, row("172.16.0.0/12", "Private-Use", "RFC 1918", false)),
    (v4(192, 0, 0, 0), 24, row("192.0.0.0/24", "IETF Protocol Assignments", "RFC 6890", false)),
    (v4(192, 0, 0, 0), 29, row("192.0.0.0/29", "IPv4 Service Continuity Prefix", "RFC 7335", false)),
    (v4(192, 0, 0, 8), 32, row("192.0.0.8/32", "IPv4 dummy address", "RFC 7600", false)),
    (v4(192, 0, 0, 9), 32, row("192.0.0.9/32", "Port Control Protocol Anycast", "RFC 7723", true)),
    (v4(192, 0, 0, 10), 32, row("192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "RFC 8155", true)),
    (v4(192, 0, 0, 170), 32, row("192.0.0.170/32", "NAT64/DNS64 Discovery", "RFC 8880", false)),
    (v4(192, 0, 0, 171), 32, row("192.0.0.171/32", "NAT64/DNS64 Discovery", "RFC 8880", false)),
    (v4(192, 0, 2, 0), 24, row("192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737", false)),
    (v4(192, 31, 196, 0), 24, row("192.31.196.0/24", "AS112-v4", "RFC 7535", true)),
    (v4(192, 52, 193, 0), 24, row("192.52.193.0/24", "AMT", "RFC 7450", true)),
    // Deprecated: its reachability fields are N/A, and a relay may forward anywhere.
    (v4(192, 88, 99, 0), 24, row("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "RFC 7526", false)),
    (v4(192, 168, 0, 0), 16, row("192.168.0.0/16", "Private-Use", "RFC 1918", false)),
    (v4(192, 175, 48, 0), 24, row("192.175.48.0/24", "Direct Delegation AS112 Service", "RFC 7534", true)),
    (v4(198, 18, 0, 0), 15, row("198.18.0.0/15", "Benchmarking", "RFC 2544", false)),
    (v4(198, 51, 100, 0), 24, row("198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737", false)),
    (v4(203, 0, 113, 0), 24, row("203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737", false)),
    (v4(240, 0, 0, 0), 4, row("240.0.0.0/4", "Reserved", "RFC 1112", false)),
    (v4(255, 255, 255, 255), 32, row("255.255.255.255/32", "Limited Broadcast", "RFC 919", false)),
];

/// Not in the special-purpose registry but never a unicast server.
const V4_MULTICAST: (u32, u8, Row) = (v4(224, 0, 0, 0), 4, row("224.0.0.0/4", "Multicast", "RFC 5771", false));

/// The IPv6 registry as of 2025. The rows that embed an IPv4 address (IPv4-mapped, NAT64,
/// 6to4, Teredo) are unwrapped before this table is consulted; they are here so that a form
/// that cannot be unwrapped is still judged by its row.
#[rustfmt::skip]
const V6: [(u128, u8, Row); 25] = [
    (0, 128, row("::/128", "Unspecified Address", "RFC 4291", false)),
    (1, 128, row("::1/128", "Loopback Address", "RFC 4291", false)),
    (0xffff_0000_0000, 96, row("::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291", false)),
    (v6(0x0064, 0xff9b, 0, 0), 96, row("64:ff9b::/96", "IPv4-IPv6 Translat.", "RFC 6052", true)),
    (v6(0x0064, 0xff9b, 1, 0), 48, row("64:ff9b:1::/48", "IPv4-IPv6 Translat.", "RFC 8215", false)),
    (v6(0x0100, 0, 0, 0), 64, row("100::/64", "Discard-Only Address Block", "RFC 6666", false)),
    (v6(0x0100, 0, 0, 1), 64, row("100:0:0:1::/64", "Dummy IPv6 Prefix", "RFC 9780", false)),
    (v6(0x2001, 0, 0, 0), 23, row("2001::/23", "IETF Protocol Assignments", "RFC 2928", false)),
    (v6(0x2001, 0, 0, 0), 32, row("2001::/32", "TEREDO", "RFC 4380", false)),
    (v6(0x2001, 1, 0, 0) | 1, 128, row("2001:1::1/128", "Port Control Protocol Anycast", "RFC 7723", true)),
    (v6(0x2001, 1, 0, 0) | 2, 128, row("2001:1::2/128", "Traversal Using Relays around NAT Anycast", "RFC 8155", true)),
    (v6(0x2001, 1, 0, 0) | 3, 128, row("2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", "RFC 9665", true)),
    (v6(0x2001, 2, 0, 0), 48, row("2001:2::/48", "Benchmarking", "RFC 5180", false)),
    (v6(0x2001, 3, 0, 0), 32, row("2001:3::/32", "AMT", "RFC 7450", true)),
    (v6(0x2001, 4, 0x0112, 0), 48, row("2001:4:112::/48", "AS112-v6", "RFC 7535", true)),
    // Deprecated: its reachability fields are N/A.
    (v6(0x2001, 0x0010, 0, 0), 28, row("2001:10::/28", "Deprecated (previously ORCHID)", "RFC 4843", false)),
    (v6(0x2001, 0x0020, 0, 0), 28, row("2001:20::/28", "ORCHIDv2", "RFC 7343", true)),
    (v6(0x2001, 0x0030, 0, 0), 28, row("2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "RFC 9374", true)),
    (v6(0x2001, 0x0db8, 0, 0), 32, row("2001:db8::/32", "Documentation", "RFC 3849", false)),
    (v6(0x2002, 0, 0, 0), 16, row("2002::/16", "6to4", "RFC 3056", false)),
    (v6(0x2620, 0x004f, 0x8000, 0), 48, row("2620:4f:8000::/48", "Direct Delegation AS112 Service", "RFC 7534", true)),
    (v6(0x3fff, 0, 0, 0), 20, row("3fff::/20", "Documentation", "RFC 9637", false)),
    (v6(0x5f00, 0, 0, 0), 16, row("5f00::/16", "Segment Routing (SRv6) SIDs", "RFC 9602", false)),
    (v6(0xfc00, 0, 0, 0), 7, row("fc00::/7", "Unique-Local", "RFC 4193", false)),
    (v6(0xfe80, 0, 0, 0), 10, row("fe80::/10", "Link-Local Unicast", "RFC 4291", false)),
];

/// Everything outside 2000::/3 that no row names.
const V6_NOT_GLOBAL_UNICAST: Row =
    row("outside 2000::/3", "not global unicast (reserved, site-local, multicast)", "RFC 4291", false);

const fn v4(a: u8, b: u8, c: u8, d: u8) -> u32 {
    u32::from_be_bytes([a, b, c, d])
}

/// The top four 16-bit groups of an IPv6 address; the rest zero.
const fn v6(a: u16, b: u16, c: u16, d: u16) -> u128 {
    ((a as u128) << 112) | ((b as u128) << 96) | ((c as u128) << 80) | ((d as u128) << 64)
}

/// How an IPv6 address carries an IPv4 one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embedding {
    Mapped,
    Compatible,
    Nat64,
    SixToFour,
    Teredo,
}

impl Embedding {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Mapped => "IPv4-mapped",
            Self::Compatible => "IPv4-compatible",
            Self::Nat64 => "NAT64",
            Self::SixToFour => "6to4",
            Self::Teredo => "Teredo client",
        }
    }
}

/// What the registries say of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    /// The IPv4 address an IPv6 form carries, and how; judged in its place.
    pub embedded: Option<(Embedding, Ipv4Addr)>,
    /// The row that refuses it; `None` when the address is public.
    pub refused_by: Option<Row>,
}

impl Judgement {
    #[must_use]
    pub fn is_public(&self) -> bool {
        self.refused_by.is_none()
    }
}

impl fmt::Display for Judgement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((how, v4)) = self.embedded {
            write!(f, "{} {v4}", how.as_str())?;
            if self.refused_by.is_some() {
                f.write_str(" in ")?;
            }
        }
        match self.refused_by {
            Some(row) => write!(f, "{row}"),
            None if self.embedded.is_none() => f.write_str("public"),
            None => Ok(()),
        }
    }
}

/// Judges `ip` by the registries, unwrapping IPv6 forms that carry an IPv4 address first.
#[must_use]
pub fn judge(ip: IpAddr) -> Judgement {
    match ip {
        IpAddr::V4(v4) => Judgement { embedded: None, refused_by: refusing_v4(v4) },
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some((how, v4)) => Judgement { embedded: Some((how, v4)), refused_by: refusing_v4(v4) },
            None => Judgement { embedded: None, refused_by: refusing_v6(v6) },
        },
    }
}

/// The IPv4 address inside an IPv6 one, for the forms a packet to it would reach that IPv4
/// host by: mapped and compatible (RFC 4291 §2.5.5), NAT64 (RFC 6052 §2.2), 6to4 (RFC 3056 §2)
/// and Teredo (RFC 4380 §4: the client's address is the last 32 bits, inverted).
#[must_use]
pub fn embedded_v4(ip: Ipv6Addr) -> Option<(Embedding, Ipv4Addr)> {
    let s = ip.segments();
    let pair = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    let last = pair(s[6], s[7]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, ..] => Some((Embedding::Mapped, last)),
        // ::/128 and ::1/128 are rows of their own, not 0.0.0.0 and 0.0.0.1.
        [0, 0, 0, 0, 0, 0, 0, 0 | 1] => None,
        [0, 0, 0, 0, 0, 0, ..] => Some((Embedding::Compatible, last)),
        // 64:ff9b::/96, and the local-use 64:ff9b:1::/48 (RFC 8215), which leaves the IPv4
        // address's position to the operator's prefix length. With bits 48..96 zero every RFC
        // 6052 layout reads either the last 32 bits or an address in 0.0.0.0/8, so only that
        // form is unwrapped; any other is judged by its row (not globally reachable).
        [0x64, 0xff9b, 0 | 1, 0, 0, 0, ..] => Some((Embedding::Nat64, last)),
        [0x2002, hi, lo, ..] => Some((Embedding::SixToFour, pair(hi, lo))),
        [0x2001, 0, ..] => Some((Embedding::Teredo, pair(!s[6], !s[7]))),
        _ => None,
    }
}

fn refusing_v4(ip: Ipv4Addr) -> Option<Row> {
    let bits = u32::from(ip);
    let covers = |(net, len, _): &&(u32, u8, Row)| {
        let mask = u32::MAX.checked_shl(32 - u32::from(*len)).unwrap_or(0);
        bits & mask == *net
    };
    V4.iter()
        .chain(std::iter::once(&V4_MULTICAST))
        .filter(covers)
        .max_by_key(|(_, len, _)| *len)
        .map(|(_, _, row)| *row)
        .filter(|row| !row.global)
}

fn refusing_v6(ip: Ipv6Addr) -> Option<Row> {
    let bits = u128::from(ip);
    let covers = |(net, len, _): &&(u128, u8, Row)| {
        let mask = u128::MAX.checked_shl(128 - u32::from(*len)).unwrap_or(0);
        bits & mask == *net
    };
    match V6.iter().filter(covers).max_by_key(|(_, len, _)| *len) {
        Some((_, _, row)) => (!row.global).then_some(*row),
        None if bits >> 125 == 0b001 => None,
        None => Some(V6_NOT_GLOBAL_UNICAST),
    }
}

#[cfg(test)]
mod tests;
