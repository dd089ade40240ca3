//! robots.txt for `respect_robots = true` (RFC 9309): parse the file into the rules of the
//! group that applies to us, answer "may we fetch this URL", and cache the answer per origin.
//!
//! Pure: no I/O. Fetching `/robots.txt` (through the host gate, like any request), choosing
//! what an unreachable file means and capping its Crawl-delay is `polite`'s job;
//! `Robots::for_status` and `Robots::disallow_all` give it the RFC's answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use url::Url;

/// RFC 9309 §2.5: crawlers must parse at least 500 KiB; we parse exactly that much.
pub const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// How long a fetched robots.txt is trusted (RFC 9309 §2.4: "SHOULD NOT use a cached version
/// for more than 24 hours").
pub const ROBOTS_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The rules of the group that applies to one user agent on one origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Robots {
    rules: Vec<Rule>,
    crawl_delay: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    allow: bool,
    /// Normalised, without a trailing `$`.
    pattern: String,
    /// The pattern ended in `$`: it must match the whole path, not a prefix.
    anchored: bool,
    /// Octets in the pattern as written (after normalising); the longest match wins.
    specificity: usize,
}

#[derive(Debug, Default)]
struct Group {
    agents: Vec<String>,
    rules: Vec<Rule>,
    crawl_delay: Option<Duration>,
}

impl Robots {
    /// No robots.txt (a 4xx answer): everything may be fetched.
    pub fn allow_all() -> Self {
        Self { rules: Vec::new(), crawl_delay: None }
    }

    /// The file could not be read (a 5xx answer, or the host was unreachable): fetch nothing.
    pub fn disallow_all() -> Self {
        Self { rules: vec![rule(false, "/")], crawl_delay: None }
    }

    /// The RFC 9309 §2.3.1 reading of a robots.txt response after redirects were followed:
    /// 2xx is parsed; 4xx, and a redirect chain too long to follow, mean "unavailable" and
    /// allow all; 429 is the server asking us to slow down, not "there are no rules", so it
    /// joins 5xx (and anything stranger) in disallowing all.
    pub fn for_status(status: u16, body: &str, agent: &str) -> Self {
        match status {
            200..=299 => Self::parse(body, agent),
            429 => Self::disallow_all(),
            300..=499 => Self::allow_all(),
            _ => Self::disallow_all(),
        }
    }

    /// Parses `body` and keeps the groups naming `agent`'s product token (case-insensitively;
    /// `agent` may be a whole User-Agent string such as `regwatch/0.1 (+https://…)`), or the
    /// `*` groups when none does. Several matching groups are merged, as RFC 9309 §2.2.1 asks.
    pub fn parse(body: &str, agent: &str) -> Self {
        let ours = product_token(agent).to_ascii_lowercase();
        let groups = groups(capped(body));
        // An agent with no product token (a User-Agent of digits, say) is named by no group.
        let named: Vec<&Group> = groups.iter().filter(|g| !ours.is_empty() && g.agents.contains(&ours)).collect();
        let chosen = if named.is_empty() {
            groups.iter().filter(|g| g.agents.iter().any(|a| a == "*")).collect()
        } else {
            named
        };
        Self {
            rules: chosen.iter().flat_map(|g| g.rules.iter().cloned()).collect(),
            // Several groups may each set a delay; the largest is the one that is polite to all.
            crawl_delay: chosen.iter().filter_map(|g| g.crawl_delay).max(),
        }
    }

    /// Whether `url` may be fetched: the longest matching rule decides, Allow winning a tie;
    /// no matching rule allows.
    pub fn allows(&self, url: &Url) -> bool {
        let mut target = url.path().to_owned();
        if let Some(query) = url.query() {
            target.push('?');
            target.push_str(query);
        }
        let target = normalise(&target);
        // RFC 9309 §2.2.2: /robots.txt itself is always allowed.
        if target == "/robots.txt" {
            return true;
        }
        self.rules
            .iter()
            .filter(|r| wildcard_match(r.pattern.as_bytes(), r.anchored, target.as_bytes()))
            .max_by_key(|r| (r.specificity, r.allow))
            .is_none_or(|r| r.allow)
    }

    /// The group's `Crawl-delay` (not in RFC 9309, but widely used by government sites).
    pub fn crawl_delay(&self) -> Option<Duration> {
        self.crawl_delay
    }
}

/// The cache key for a URL's robots.txt: `scheme://host:port`, with the port always written
/// so that `http://a` and `http://a:80` share an entry.
pub fn origin(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    Some(format!("{}://{host}:{port}", url.scheme()))
}

/// Where the robots.txt governing `url` lives.
pub fn robots_url(url: &Url) -> Option<Url> {
    url.host_str()?;
    let mut robots = url.clone();
    robots.set_path("/robots.txt");
    robots.set_query(None);
    robots.set_fragment(None);
    // Credentials are not sent for robots.txt; they belong to the page, not the origin.
    robots.set_username("").ok()?;
    robots.set_password(None).ok()?;
    Some(robots)
}

/// Parsed robots.txt files by origin, each trusted until it expires.
#[derive(Debug)]
pub struct RobotsCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug)]
struct Entry {
    robots: Arc<Robots>,
    expires: Timestamp,
}

impl Default for RobotsCache {
    fn default() -> Self {
        Self::new(ROBOTS_TTL)
    }
}

impl RobotsCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::default() }
    }

    /// The cached rules for `origin` (see [`origin`]), unless missing or expired at `now`.
    pub fn get(&self, origin: &str, now: Timestamp) -> Option<Arc<Robots>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.get(origin).filter(|e| e.expires > now).map(|e| Arc::clone(&e.robots))
    }

    /// Caches `robots` for `origin` for the cache's TTL from `now`, and returns it shared.
    pub fn insert(&self, origin: &str, robots: Robots, now: Timestamp) -> Arc<Robots> {
        self.insert_with_ttl(origin, robots, now, self.ttl)
    }

    /// As [`RobotsCache::insert`] with its own TTL: a caller may want to retry a host whose
    /// robots.txt was unreachable sooner than a day.
    pub fn insert_with_ttl(&self, origin: &str, robots: Robots, now: Timestamp, ttl: Duration) -> Arc<Robots> {
        let robots = Arc::new(robots);
        let expires = now.checked_add(ttl).unwrap_or(Timestamp::MAX);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        // Followed article links can name many hosts over months; drop the stale ones here
        // rather than letting the map grow (inserts are rare: once per origin per day).
        entries.retain(|_, e| e.expires > now);
        entries.insert(origin.to_owned(), Entry { robots: Arc::clone(&robots), expires });
        robots
    }
}

/// Splits the file into user-agent groups (RFC 9309 §2.1). Rules before the first
/// `User-agent` line belong to no group and are dropped.
fn groups(body: &str) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    // True while consecutive User-agent lines are naming the same group.
    let mut naming = false;
    for line in body.split(['\n', '\r']) {
        let line = line.split('#').next().unwrap_or_default();
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "user-agent" | "useragent" | "user agent" => {
                if !naming || groups.is_empty() {
                    groups.push(Group::default());
                }
                naming = true;
                if let Some(group) = groups.last_mut() {
                    group.agents.push(product_token(value).to_ascii_lowercase());
                }
            }
            key @ ("allow" | "disallow") => {
                naming = false;
                // An empty Disallow means "nothing is disallowed": no rule at all.
                if let (Some(group), false) = (groups.last_mut(), value.is_empty()) {
                    group.rules.push(rule(key == "allow", value));
                }
            }
            "crawl-delay" => {
                naming = false;
                if let Some(group) = groups.last_mut() {
                    group.crawl_delay = parse_delay(value).or(group.crawl_delay);
                }
            }
            // Sitemap and unknown keys neither end a group's naming nor add rules.
            _ => {}
        }
    }
    groups
}

fn rule(allow: bool, pattern: &str) -> Rule {
    let pattern = normalise(pattern);
    let specificity = pattern.len();
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(stripped) => (stripped.to_owned(), true),
        None => (pattern, false),
    };
    Rule { allow, pattern, anchored, specificity }
}

/// Seconds, possibly fractional. Negative and NaN values are no delay at all; a value too large
/// for a `Duration` saturates, so the caller sees it is absurd and caps it rather than
/// forgetting it.
fn parse_delay(value: &str) -> Option<Duration> {
    let seconds: f64 = value.parse().ok()?;
    if seconds.is_nan() || seconds < 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX))
}

/// RFC 9309 §2.2.1: the product token is the leading run of letters, `-` and `_`; `*` names
/// every crawler.
fn product_token(agent: &str) -> &str {
    let agent = agent.trim();
    if agent.starts_with('*') {
        return "*";
    }
    let end = agent.find(|c: char| !(c.is_ascii_alphabetic() || c == '-' || c == '_')).unwrap_or(agent.len());
    agent.get(..end).unwrap_or_default()
}

/// The first `MAX_ROBOTS_BYTES` of `body` (without a UTF-8 BOM), cut back to the last whole
/// line so a rule split by the cap is not read as a shorter, broader one.
fn capped(body: &str) -> &str {
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    if body.len() <= MAX_ROBOTS_BYTES {
        return body;
    }
    let mut end = MAX_ROBOTS_BYTES;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let head = body.get(..end).unwrap_or_default();
    head.rfind(['\n', '\r']).and_then(|i| head.get(..i)).unwrap_or_default()
}

/// Puts a path or a pattern into one form for comparison (RFC 9309 §2.2.2): non-ASCII and
/// control octets percent-encoded, escapes of unreserved characters decoded, hex in upper
/// case. `*` and `$` pass through untouched.
fn normalise(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped =
            match (b, bytes.get(i + 1).copied().and_then(hex_value), bytes.get(i + 2).copied().and_then(hex_value)) {
                (b'%', Some(hi), Some(lo)) => Some(hi * 16 + lo),
                _ => None,
            };
        match escaped {
            Some(v) if is_unreserved(v) => {
                out.push(char::from(v));
                i += 3;
            }
            Some(v) => {
                out.push_str(&format!("%{v:02X}"));
                i += 3;
            }
            None if b.is_ascii_graphic() => {
                out.push(char::from(b));
                i += 1;
            }
            None => {
                out.push_str(&format!("%{b:02X}"));
                i += 1;
            }
        }
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Matches `text` against `pattern`, where `*` stands for any run of octets. Unanchored
/// patterns match a prefix of `text`. Backtracks only to the last `*`, so the cost is at most
/// pattern × text octets, with no recursion for a hostile file to exploit.
fn wildcard_match(pattern: &[u8], anchored: bool, text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    loop {
        match pattern.get(p) {
            Some(b'*') => {
                resume = Some((p + 1, t));
                p += 1;
                continue;
            }
            None if !anchored || t == text.len() => return true,
            Some(c) if text.get(t) == Some(c) => {
                p += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        match resume {
            Some((after_star, from)) if from < text.len() => {
                resume = Some((after_star, from + 1));
                p = after_star;
                t = from + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;
    use rstest::rstest;

    const UA: &str = "regwatch/0.1 (+https://example.org/contact)";
    const MERGED: &str =
        "User-agent: regwatch\nDisallow: /a\nUser-agent: x\nDisallow: /\nUser-agent: regwatch\nDisallow: /b";

    fn url(path: &str) -> Url {
        Url::parse("https://www.example.gov.cn").and_then(|base| base.join(path)).expect("test URL parses")
    }

    #[rstest]
    #[case::empty_file("", "/anything", true)]
    #[case::star_disallows_all("User-agent: *\nDisallow: /", "/x", false)]
    #[case::robots_txt_always_allowed("User-agent: *\nDisallow: /", "/robots.txt", true)]
    #[case::own_group_beats_star("User-agent: *\nDisallow: /\n\nUser-agent: RegWatch\nAllow: /", "/x", true)]
    #[case::own_group_replaces_star("User-agent: *\nDisallow: /p\n\nUser-agent: regwatch\nDisallow: /t", "/p", true)]
    #[case::own_group_applies("User-agent: *\nDisallow: /p\n\nUser-agent: regwatch\nDisallow: /t", "/t/1", false)]
    #[case::versioned_agent_line("User-agent: regwatch/2.0\nDisallow: /", "/x", false)]
    #[case::longer_token_is_another_bot("User-agent: regwatchbot\nDisallow: /", "/x", true)]
    #[case::shared_group("User-agent: other\nUser-agent: regwatch\nDisallow: /a", "/a", false)]
    #[case::merged_groups_first(MERGED, "/a", false)]
    #[case::merged_groups_second(MERGED, "/b", false)]
    #[case::merged_groups_rest(MERGED, "/c", true)]
    #[case::longest_allow_wins("User-agent: *\nAllow: /p\nDisallow: /", "/page", true)]
    #[case::longest_disallow_wins("User-agent: *\nAllow: /page\nDisallow: /page.html", "/page.html", false)]
    #[case::tie_goes_to_allow("User-agent: *\nAllow: /folder\nDisallow: /folder", "/folder/a", true)]
    #[case::anchored_suffix("User-agent: *\nDisallow: /*.pdf$", "/a/b.pdf", false)]
    #[case::anchored_suffix_query("User-agent: *\nDisallow: /*.pdf$", "/a/b.pdf?x=1", true)]
    #[case::anchored_suffix_longer("User-agent: *\nDisallow: /*.pdf$", "/a.pdfx", true)]
    #[case::query_wildcard("User-agent: *\nDisallow: /*?", "/list?page=2", false)]
    #[case::query_wildcard_no_query("User-agent: *\nDisallow: /*?", "/list", true)]
    #[case::root_only("User-agent: *\nDisallow: /$", "/", false)]
    #[case::root_only_leaves_rest("User-agent: *\nDisallow: /$", "/a", true)]
    #[case::escaped_unreserved("User-agent: *\nDisallow: /%7euser", "/~user/x", false)]
    #[case::non_ascii_rule("User-agent: *\nDisallow: /法规", "/法规/2024", false)]
    #[case::paths_are_case_sensitive("User-agent: *\nDisallow: /Admin", "/admin", true)]
    #[case::comments_and_crlf("User-agent: * # all\r\nDisallow: /x # no\r\n", "/x/y", false)]
    #[case::rules_before_any_group("Disallow: /\n", "/x", true)]
    #[case::empty_disallow("User-agent: *\nDisallow:", "/x", true)]
    #[case::keys_any_case("USER-AGENT: *\nDISALLOW: /x", "/x", false)]
    #[case::bom("\u{feff}User-agent: *\nDisallow: /", "/x", false)]
    fn allows(#[case] body: &str, #[case] path: &str, #[case] expected: bool) {
        assert_eq!(Robots::parse(body, UA).allows(&url(path)), expected, "{body:?} on {path}");
    }

    #[test]
    fn an_agent_without_a_product_token_falls_back_to_star() {
        let robots = Robots::parse("User-agent:\nDisallow: /\n\nUser-agent: *\nDisallow: /star", "007");
        assert!(robots.allows(&url("/x")));
        assert!(!robots.allows(&url("/star")));
    }

    #[rstest]
    #[case::whole_seconds("User-agent: *\nCrawl-delay: 10", Some(Duration::from_secs(10)))]
    #[case::fractional("User-agent: *\nCrawl-delay: 2.5", Some(Duration::from_millis(2500)))]
    #[case::negative("User-agent: *\nCrawl-delay: -1", None)]
    #[case::garbage("User-agent: *\nCrawl-delay: soon", None)]
    #[case::absurd(
        "User-agent: *\nCrawl-delay: 10000000000000000000",
        Some(Duration::from_secs(10_000_000_000_000_000_000))
    )]
    #[case::beyond_duration("User-agent: *\nCrawl-delay: 1e30", Some(Duration::MAX))]
    #[case::infinite("User-agent: *\nCrawl-delay: inf", Some(Duration::MAX))]
    #[case::nan("User-agent: *\nCrawl-delay: NaN", None)]
    #[case::only_in_star_group("User-agent: *\nCrawl-delay: 9\nUser-agent: regwatch\nDisallow: /x", None)]
    #[case::largest_of_merged(
        "User-agent: regwatch\nCrawl-delay: 5\nUser-agent: regwatch\nCrawl-delay: 10",
        Some(Duration::from_secs(10))
    )]
    fn crawl_delay(#[case] body: &str, #[case] expected: Option<Duration>) {
        assert_eq!(Robots::parse(body, UA).crawl_delay(), expected);
    }

    #[rstest]
    #[case::ok(200, true, false)]
    #[case::not_found(404, true, true)]
    #[case::forbidden(403, true, true)]
    #[case::too_many_requests(429, false, false)]
    #[case::server_error(500, false, false)]
    #[case::unavailable(503, false, false)]
    #[case::unresolved_redirect(301, true, true)]
    #[case::informational(100, false, false)]
    fn for_status(#[case] status: u16, #[case] open_allowed: bool, #[case] closed_allowed: bool) {
        let body = "User-agent: *\nDisallow: /closed";
        let robots = Robots::for_status(status, body, UA);
        assert_eq!(robots.allows(&url("/open")), open_allowed, "status {status}");
        assert_eq!(robots.allows(&url("/closed")), closed_allowed, "status {status}");
    }

    #[test]
    fn rules_past_the_cap_are_ignored() {
        let mut body = String::from("User-agent: *\nDisallow: /early\n");
        body.push_str(&"# padding\n".repeat(MAX_ROBOTS_BYTES / 10));
        body.push_str("Disallow: /late\n");
        let robots = Robots::parse(&body, UA);
        assert!(!robots.allows(&url("/early")));
        assert!(robots.allows(&url("/late")));
    }

    #[test]
    fn a_rule_cut_by_the_cap_is_dropped_not_shortened() {
        let head = "User-agent: *\n";
        let rule = "Disallow: /abcdef\n";
        // Cut "Disallow: /abcdef" right after its "/": read whole, it would disallow everything.
        let cut_at = rule.find('/').map_or(0, |i| i + 1);
        let padding = MAX_ROBOTS_BYTES - head.len() - cut_at;
        let body = format!("{head}{}\n{rule}", "#".repeat(padding - 1));
        assert_eq!(body.get(MAX_ROBOTS_BYTES - 1..MAX_ROBOTS_BYTES), Some("/"));
        assert!(Robots::parse(&body, UA).allows(&url("/x")));
    }

    #[test]
    fn the_cap_respects_char_boundaries() {
        let body = format!("User-agent: *\nDisallow: /x\n{}", "法".repeat(MAX_ROBOTS_BYTES));
        assert!(!Robots::parse(&body, UA).allows(&url("/x")));
    }

    #[rstest]
    #[case::literal(b"/a", false, b"/a/b", true)]
    #[case::literal_miss(b"/b", false, b"/a/b", false)]
    #[case::star_middle(b"/a*c", false, b"/abbbc", true)]
    #[case::star_backtracks(b"/*b", true, b"/abab", true)]
    #[case::star_cannot_reach_end(b"/*b", true, b"/abba", false)]
    #[case::anchored_exact(b"/a", true, b"/a", true)]
    #[case::anchored_longer(b"/a", true, b"/ab", false)]
    #[case::star_only(b"*", true, b"", true)]
    #[case::pattern_longer(b"/abc", false, b"/ab", false)]
    fn wildcard(#[case] pattern: &[u8], #[case] anchored: bool, #[case] text: &[u8], #[case] expected: bool) {
        assert_eq!(wildcard_match(pattern, anchored, text), expected);
    }

    #[rstest]
    #[case::plain("/a/b", "/a/b")]
    #[case::unreserved_decoded("/%7Euser/%41", "/~user/A")]
    #[case::reserved_kept_upper("/a%2fb", "/a%2Fb")]
    #[case::non_ascii_encoded("/é", "/%C3%A9")]
    #[case::space_encoded("/a b", "/a%20b")]
    #[case::stray_percent("/100%", "/100%")]
    fn normalise_cases(#[case] raw: &str, #[case] expected: &str) {
        assert_eq!(normalise(raw), expected);
    }

    #[rstest]
    #[case::default_port("https://a.example/x?y=1", Some("https://a.example:443"))]
    #[case::explicit_default_port("http://a.example:80/x", Some("http://a.example:80"))]
    #[case::other_port("http://127.0.0.1:8080/x", Some("http://127.0.0.1:8080"))]
    #[case::no_host("data:text/plain,hi", None)]
    fn origin_cases(#[case] raw: &str, #[case] expected: Option<&str>) {
        let parsed = Url::parse(raw).expect("test URL parses");
        assert_eq!(origin(&parsed).as_deref(), expected);
    }

    #[test]
    fn robots_url_drops_path_query_and_credentials() {
        let page = Url::parse("https://u:p@a.example:8443/x/y?z=1#f").expect("test URL parses");
        let robots = robots_url(&page).map(String::from);
        assert_eq!(robots.as_deref(), Some("https://a.example:8443/robots.txt"));
    }

    #[test]
    fn cache_serves_until_expiry() {
        let cache = RobotsCache::default();
        let t0 = Timestamp::UNIX_EPOCH;
        cache.insert("https://a:443", Robots::disallow_all(), t0);
        let hit = cache.get("https://a:443", t0.checked_add(SignedDuration::from_hours(23)).expect("in range"));
        assert_eq!(hit.as_deref(), Some(&Robots::disallow_all()));
        assert_eq!(cache.get("https://b:443", t0), None);
        assert_eq!(cache.get("https://a:443", t0.checked_add(SignedDuration::from_hours(24)).expect("in range")), None);
    }

    #[test]
    fn cache_insert_replaces_and_purges_expired() {
        let cache = RobotsCache::new(Duration::from_secs(60));
        let t0 = Timestamp::UNIX_EPOCH;
        cache.insert("https://old:443", Robots::allow_all(), t0);
        cache.insert_with_ttl("https://a:443", Robots::disallow_all(), t0, Duration::from_secs(600));
        let later = t0.checked_add(SignedDuration::from_mins(5)).expect("in range");
        cache.insert("https://a:443", Robots::allow_all(), later);
        assert_eq!(cache.get("https://a:443", later).as_deref(), Some(&Robots::allow_all()));
        let keys: Vec<String> = cache.entries.lock().map(|e| e.keys().cloned().collect()).unwrap_or_default();
        assert_eq!(keys, vec!["https://a:443".to_owned()]);
    }
}
