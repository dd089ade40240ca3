//! One case per registry row (an address inside it, and where a row sits inside another, one
//! on each side of the edge), then the embedded forms.

use rstest::rstest;

use super::*;

fn public(ip: &str) -> bool {
    judge(ip.parse().expect("test address parses")).is_public()
}

#[rstest]
#[case::this_network("0.1.2.3", false)]
#[case::this_host("0.0.0.0", false)]
#[case::private_10("10.1.2.3", false)]
#[case::shared_cgnat("100.64.0.1", false)]
#[case::shared_cgnat_last("100.127.255.254", false)]
#[case::after_shared_cgnat("100.128.0.1", true)]
#[case::loopback("127.0.0.1", false)]
#[case::loopback_other("127.255.0.9", false)]
#[case::link_local_metadata("169.254.169.254", false)]
#[case::private_172("172.16.0.1", false)]
#[case::private_172_last("172.31.255.255", false)]
#[case::after_private_172("172.32.0.1", true)]
#[case::ietf_protocol_assignments("192.0.0.200", false)]
#[case::service_continuity("192.0.0.7", false)]
#[case::dummy("192.0.0.8", false)]
#[case::pcp_anycast("192.0.0.9", true)]
#[case::turn_anycast("192.0.0.10", true)]
#[case::nat64_discovery_170("192.0.0.170", false)]
#[case::nat64_discovery_171("192.0.0.171", false)]
#[case::test_net_1("192.0.2.1", false)]
#[case::as112_v4("192.31.196.1", true)]
#[case::amt("192.52.193.1", true)]
#[case::deprecated_6to4_relay("192.88.99.1", false)]
#[case::private_192_168("192.168.1.1", false)]
#[case::as112_direct_delegation("192.175.48.1", true)]
#[case::benchmarking("198.18.0.1", false)]
#[case::benchmarking_last("198.19.255.255", false)]
#[case::after_benchmarking("198.20.0.1", true)]
#[case::test_net_2("198.51.100.1", false)]
#[case::test_net_3("203.0.113.1", false)]
#[case::reserved_240("240.0.0.1", false)]
#[case::reserved_240_last("255.255.255.254", false)]
#[case::limited_broadcast("255.255.255.255", false)]
#[case::multicast("224.0.0.1", false)]
#[case::multicast_ssdp("239.255.255.250", false)]
#[case::public_example("93.184.216.34", true)]
#[case::public_dns("8.8.8.8", true)]
fn ipv4_registry(#[case] ip: &str, #[case] expected: bool) {
    assert_eq!(public(ip), expected, "{ip}: {}", judge(ip.parse().unwrap()));
}

#[rstest]
#[case::unspecified("::", false)]
#[case::loopback("::1", false)]
#[case::mapped_loopback("::ffff:127.0.0.1", false)]
#[case::mapped_public("::ffff:8.8.8.8", true)]
#[case::nat64_loopback("64:ff9b::7f00:1", false)]
#[case::nat64_private("64:ff9b::10.0.0.1", false)]
#[case::nat64_public("64:ff9b::808:808", true)]
#[case::nat64_local_use_private("64:ff9b:1::a00:1", false)]
#[case::nat64_local_use_public("64:ff9b:1::808:808", true)]
#[case::nat64_local_use_other_layout("64:ff9b:1:abcd::808:808", false)]
#[case::discard_only("100::1", false)]
#[case::dummy_prefix("100:0:0:1::1", false)]
#[case::ietf_protocol_assignments("2001:100::1", false)]
#[case::after_ietf_protocol_assignments("2001:200::1", true)]
#[case::pcp_anycast("2001:1::1", true)]
#[case::turn_anycast("2001:1::2", true)]
#[case::dns_sd_srp_anycast("2001:1::3", true)]
#[case::next_to_anycasts("2001:1::4", false)]
#[case::benchmarking("2001:2::1", false)]
#[case::amt("2001:3::1", true)]
#[case::as112_v6("2001:4:112::1", true)]
#[case::next_to_as112_v6("2001:4:113::1", false)]
#[case::deprecated_orchid("2001:10::1", false)]
#[case::orchid_v2("2001:20::1", true)]
#[case::drone_remote_id("2001:30::1", true)]
#[case::documentation_2001_db8("2001:db8::1", false)]
#[case::as112_direct_delegation("2620:4f:8000::1", true)]
#[case::documentation_3fff("3fff::1", false)]
#[case::after_documentation_3fff("3fff:1000::1", true)]
#[case::srv6_sids("5f00::1", false)]
#[case::unique_local("fd12:3456::1", false)]
#[case::unique_local_fc("fc00::1", false)]
#[case::link_local("fe80::1", false)]
#[case::site_local_deprecated("fec0::1", false)]
#[case::multicast("ff02::1", false)]
#[case::reserved_outside_2000_3("4000::1", false)]
#[case::reserved_low("::1:0:0:1", false)]
#[case::global_unicast("2606:4700::1111", true)]
fn ipv6_registry(#[case] ip: &str, #[case] expected: bool) {
    assert_eq!(public(ip), expected, "{ip}: {}", judge(ip.parse().unwrap()));
}

#[rstest]
#[case::mapped("::ffff:10.1.2.3", Embedding::Mapped, "10.1.2.3")]
#[case::compatible("::127.0.0.1", Embedding::Compatible, "127.0.0.1")]
#[case::compatible_public("::8.8.8.8", Embedding::Compatible, "8.8.8.8")]
#[case::nat64("64:ff9b::c0a8:101", Embedding::Nat64, "192.168.1.1")]
#[case::nat64_local_use("64:ff9b:1::a9fe:a9fe", Embedding::Nat64, "169.254.169.254")]
#[case::six_to_four("2002:7f00:1::1", Embedding::SixToFour, "127.0.0.1")]
#[case::six_to_four_public("2002:808:808:1::1", Embedding::SixToFour, "8.8.8.8")]
// RFC 4380 §4's example: server 65.54.227.120, client 192.0.2.45 behind a cone NAT.
#[case::teredo_rfc_example("2001:0:4136:e378:8000:63bf:3fff:fdd2", Embedding::Teredo, "192.0.2.45")]
#[case::teredo_loopback("2001:0:4136:e378:8000:63bf:80ff:fffe", Embedding::Teredo, "127.0.0.1")]
fn embedded_forms_are_unwrapped(#[case] ip: &str, #[case] how: Embedding, #[case] v4: &str) {
    let v6: Ipv6Addr = ip.parse().unwrap();
    assert_eq!(embedded_v4(v6), Some((how, v4.parse().unwrap())));
    let unwrapped = judge(IpAddr::V6(v6));
    assert_eq!(unwrapped.refused_by, judge(v4.parse().unwrap()).refused_by, "{ip} is judged as {v4}");
}

#[rstest]
#[case::plain("2606:4700::1111")]
#[case::unspecified("::")]
#[case::loopback("::1")]
#[case::local_use_other_layout("64:ff9b:1:abcd::808:808")]
fn other_addresses_carry_nothing(#[case] ip: &str) {
    assert_eq!(embedded_v4(ip.parse().unwrap()), None);
}

#[test]
fn judgements_name_the_row_and_the_embedded_address() {
    assert_eq!(judge("127.0.0.1".parse().unwrap()).to_string(), "127.0.0.0/8 Loopback, RFC 1122");
    assert_eq!(
        judge("::127.0.0.1".parse().unwrap()).to_string(),
        "IPv4-compatible 127.0.0.1 in 127.0.0.0/8 Loopback, RFC 1122"
    );
    assert_eq!(judge("fec0::1".parse().unwrap()).to_string(), format!("{V6_NOT_GLOBAL_UNICAST}"));
    assert_eq!(judge("8.8.8.8".parse().unwrap()).to_string(), "public");
}
