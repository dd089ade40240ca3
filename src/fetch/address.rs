//! Which addresses regwatch may connect to.
//!
//! Sources and webhook targets come from config files that may be edited by people other than
//! the operator, and redirects come from the network: without this check a source could make
//! regwatch probe the machine's own services or the local network. The check runs on every
//! resolved address (custom resolver), on IP-literal URLs (which reqwest never resolves), on
//! every redirect hop, and on the address actually connected.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::model::PrivateNetworks;

/// Decides whether an address may be connected to.
#[derive(Debug, Clone)]
pub struct AddressPolicy {
    private: PrivateNetworks,
}

impl AddressPolicy {
    #[must_use]
    pub fn new(private: PrivateNetworks) -> Self {
        Self { private }
    }

    #[must_use]
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        if is_public(ip) {
            return true;
        }
        match &self.private {
            PrivateNetworks::Deny => false,
            PrivateNetworks::AllowAll => true,
            PrivateNetworks::Allow(nets) => nets.iter().any(|net| net.contains(&ip)),
        }
    }

    /// Checks a URL whose host is an IP literal; host names are checked at resolution.
    #[must_use]
    pub fn allows_url_host(&self, url: &url::Url) -> Option<IpAddr> {
        let ip = match url.host()? {
            url::Host::Ipv4(ip) => IpAddr::V4(ip),
            url::Host::Ipv6(ip) => IpAddr::V6(ip),
            url::Host::Domain(_) => return None,
        };
        (!self.allows(ip)).then_some(ip)
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) are judged as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared_cgnat = a == 100 && (64..128).contains(&b);
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || shared_cgnat
        || a == 0)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = (first & 0xfe00) == 0xfc00;
    let link_local = (first & 0xffc0) == 0xfe80;
    !(ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() || unique_local || link_local)
}

/// The error a refused resolution carries, so `FetchError` can name it.
#[derive(Debug, thiserror::Error)]
#[error(
    "refused address {addr} for {host}: private, loopback or link-local networks are not allowed (see fetch.allow_private_networks)"
)]
pub struct RefusedAddress {
    pub host: String,
    pub addr: IpAddr,
}

/// A resolver that drops addresses the policy refuses, and fails when none is left.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    policy: Arc<AddressPolicy>,
}

impl GuardedResolver {
    #[must_use]
    pub fn new(policy: Arc<AddressPolicy>) -> Self {
        Self { policy }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let refused = found.iter().find(|a| !policy.allows(a.ip())).map(SocketAddr::ip);
            let allowed: Vec<SocketAddr> = found.into_iter().filter(|a| policy.allows(a.ip())).collect();
            match (allowed.is_empty(), refused) {
                (true, Some(addr)) => Err(Box::new(RefusedAddress { host, addr }) as _),
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("93.184.216.34", true)]
    #[case("127.0.0.1", false)]
    #[case("10.1.2.3", false)]
    #[case("172.16.0.1", false)]
    #[case("192.168.1.1", false)]
    #[case("169.254.169.254", false)]
    #[case("100.64.0.1", false)]
    #[case("0.0.0.0", false)]
    #[case("::1", false)]
    #[case("fe80::1", false)]
    #[case("fd00::1", false)]
    #[case("::ffff:127.0.0.1", false)]
    #[case("2606:4700::1111", true)]
    fn deny_policy_refuses_non_public(#[case] ip: &str, #[case] allowed: bool) {
        let policy = AddressPolicy::new(PrivateNetworks::Deny);
        assert_eq!(policy.allows(ip.parse().unwrap()), allowed, "{ip}");
    }

    #[test]
    fn cidr_list_allows_only_listed_networks() {
        let policy = AddressPolicy::new(PrivateNetworks::Allow(vec!["127.0.0.0/8".parse().unwrap()]));
        assert!(policy.allows("127.0.0.1".parse().unwrap()));
        assert!(!policy.allows("10.0.0.1".parse().unwrap()));
        assert!(policy.allows("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn ip_literal_urls_are_checked() {
        let policy = AddressPolicy::new(PrivateNetworks::Deny);
        let url = url::Url::parse("http://127.0.0.1:8080/x").unwrap();
        assert!(policy.allows_url_host(&url).is_some());
        let url = url::Url::parse("http://example.org/x").unwrap();
        assert!(policy.allows_url_host(&url).is_none());
    }
}
