//! A document's canonical URL: the same page linked with a fragment, a tracking parameter or a
//! share token is the same document. Lists on WeChat-era sites link their articles as
//! `…/c_1692.htm?from=timeline&utm_source=weixin`; without this, each such link would be a new
//! document and a `document.new` alert.
//!
//! Pure. Which parameters a source adds to the built-in list is its config's business
//! (`strip_params`).

use percent_encoding::percent_decode_str;
use url::Url;

/// Query parameters that never name a different document: campaign tags, click ids, share
/// tokens and app-install markers. Matched case-insensitively; a trailing `*` matches a prefix.
pub const TRACKING_PARAMS: &[&str] = &[
    "utm_*",
    "mtm_*",
    "pk_*",
    "from",
    "spm",
    "spm_id_from",
    "isappinstalled",
    "scene",
    "srcid",
    "share_token",
    "share_source",
    "share_medium",
    "share_from",
    "sharer_*",
    "shareid",
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "ref_src",
    "vd_source",
    "wt.mc_id",
];

/// `url` without its fragment and without the query parameters named by `TRACKING_PARAMS` or
/// `extra` (same pattern syntax). The remaining parameters are kept byte for byte, in order (a
/// server may care how they are encoded); an emptied query is removed.
#[must_use]
pub fn canonical(url: &Url, extra: &[String]) -> Url {
    let mut url = url.clone();
    url.set_fragment(None);
    let Some(query) = url.query() else { return url };
    let segments: Vec<&str> = query.split('&').collect();
    let kept: Vec<&str> = segments
        .iter()
        .copied()
        .filter(|segment| {
            let name = segment.split('=').next().unwrap_or_default();
            !strips(&percent_decode_str(name).decode_utf8_lossy(), extra)
        })
        .collect();
    if kept.len() == segments.len() {
        return url;
    }
    let query = kept.join("&");
    url.set_query(Some(&query).filter(|q| !q.is_empty()).map(String::as_str));
    url
}

fn strips(name: &str, extra: &[String]) -> bool {
    TRACKING_PARAMS.iter().copied().chain(extra.iter().map(String::as_str)).any(|pattern| matches(pattern, name))
}

fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.len() >= prefix.len() && name[..prefix.len()].eq_ignore_ascii_case(prefix),
        None => name.eq_ignore_ascii_case(pattern),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::fragment("https://www.cac.gov.cn/a.htm#top", "https://www.cac.gov.cn/a.htm")]
    #[case::wechat_share(
        "https://www.cac.gov.cn/2026-11/c_1692.htm?from=timeline&utm_source=weixin",
        "https://www.cac.gov.cn/2026-11/c_1692.htm"
    )]
    #[case::app_install("https://www.miit.gov.cn/a.html?isappinstalled=0", "https://www.miit.gov.cn/a.html")]
    #[case::case_insensitive("https://example.org/a?UTM_Campaign=x&id=3", "https://example.org/a?id=3")]
    #[case::identity_kept(
        "https://www.npc.gov.cn/flcaw/userIndex.html?lid=ff80818",
        "https://www.npc.gov.cn/flcaw/userIndex.html?lid=ff80818"
    )]
    #[case::order_kept("https://example.org/a?b=2&spm=a.b&a=1", "https://example.org/a?b=2&a=1")]
    #[case::no_query("https://example.org/a", "https://example.org/a")]
    #[case::wechat_article_identity(
        "https://mp.weixin.qq.com/s?__biz=MzA&mid=2650&idx=1&sn=abc&scene=21&srcid=0101",
        "https://mp.weixin.qq.com/s?__biz=MzA&mid=2650&idx=1&sn=abc"
    )]
    #[case::similar_name_kept("https://example.org/a?fromdate=2026-01-01", "https://example.org/a?fromdate=2026-01-01")]
    fn tracking_parameters_are_dropped(#[case] url: &str, #[case] expected: &str) {
        assert_eq!(canonical(&Url::parse(url).unwrap(), &[]).as_str(), expected);
    }

    #[test]
    fn a_source_names_its_own_tokens() {
        let url = Url::parse("https://example.gov.cn/list/a.htm?sessionid=9f2&ts=1733&id=7").unwrap();
        let extra = vec!["sessionid".to_owned(), "ts*".to_owned()];
        assert_eq!(canonical(&url, &extra).as_str(), "https://example.gov.cn/list/a.htm?id=7");
    }
}
