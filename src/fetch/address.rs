//! Which addresses regwatch may connect to.
//!
//! Sources and webhook targets come from config files that may be edited by people other than
//! the operator, and redirects come from the network: without this check a source could make
//! regwatch probe the machine's own services or the local network. The check runs on every
//! resolved address (custom resolver), on IP-literal URLs (which reqwest never resolves), on
//! every redirect hop, and on the address actually connected.
//!
//! What counts as public is `special`'s business (the IANA registries); this module applies
//! the operator's `allow_private_networks` on top and plugs the check into reqwest.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::special;
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
        let judged = special::judge(ip);
        if judged.is_public() {
            return true;
        }
        // An allow-list names the address as written or the IPv4 address it carries.
        let carried = judged.embedded.map(|(_, v4)| IpAddr::V4(v4));
        match &self.private {
            PrivateNetworks::Deny => false,
            PrivateNetworks::AllowAll => true,
            PrivateNetworks::Allow(nets) => {
                nets.iter().any(|net| net.contains(&ip) || carried.is_some_and(|v4| net.contains(&v4)))
            }
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

/// Why `addr` is not public, for error messages: the registry row, and the IPv4 address an
/// IPv6 form carries.
#[must_use]
pub fn why_refused(addr: IpAddr) -> String {
    special::judge(addr).to_string()
}

/// The error a refused resolution carries, so `FetchError` can name it.
#[derive(Debug, thiserror::Error)]
#[error(
    "refused address {addr} for {host} ({}): only public addresses are fetched (see fetch.allow_private_networks)",
    why_refused(*addr)
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

    /// The gaps the old check had: each of these counted as public.
    #[rstest]
    #[case::ipv4_compatible("::127.0.0.1")]
    #[case::nat64("64:ff9b::7f00:1")]
    #[case::six_to_four("2002:a00:1::1")]
    #[case::teredo("2001:0:4136:e378:8000:63bf:80ff:fffe")]
    #[case::site_local("fec0::1")]
    #[case::benchmarking("198.18.0.1")]
    #[case::reserved("240.0.0.1")]
    #[case::ietf_protocol_assignments("192.0.0.1")]
    fn deny_policy_refuses_what_the_registries_refuse(#[case] ip: &str) {
        let policy = AddressPolicy::new(PrivateNetworks::Deny);
        assert!(!policy.allows(ip.parse().unwrap()), "{ip}");
    }

    #[test]
    fn cidr_list_allows_only_listed_networks() {
        let policy = AddressPolicy::new(PrivateNetworks::Allow(vec!["127.0.0.0/8".parse().unwrap()]));
        assert!(policy.allows("127.0.0.1".parse().unwrap()));
        assert!(!policy.allows("10.0.0.1".parse().unwrap()));
        assert!(policy.allows("8.8.8.8".parse().unwrap()));
        // An allowed IPv4 block covers the IPv6 forms that carry its addresses.
        assert!(policy.allows("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!policy.allows("::ffff:10.0.0.1".parse().unwrap()));
    }

    #[test]
    fn refusals_say_which_row_refused() {
        let refused = RefusedAddress { host: "x.example".into(), addr: "64:ff9b::a9fe:a9fe".parse().unwrap() };
        let message = refused.to_string();
        assert!(message.contains("NAT64 169.254.169.254 in 169.254.0.0/16 Link Local, RFC 3927"), "{message}");
    }

    #[test]
    fn ip_literal_urls_are_checked() {
        let policy = AddressPolicy::new(PrivateNetworks::Deny);
        let url = url::Url::parse("http://127.0.0.1:8080/x").unwrap();
        assert!(policy.allows_url_host(&url).is_some());
        let url = url::Url::parse("http://[::127.0.0.1]:8080/x").unwrap();
        assert!(policy.allows_url_host(&url).is_some());
        let url = url::Url::parse("http://example.org/x").unwrap();
        assert!(policy.allows_url_host(&url).is_none());
    }
}
