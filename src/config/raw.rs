//! The config file as written: one struct per TOML table, mirroring it key for key, with
//! `deny_unknown_fields` and spans kept where validation may need a line.
//!
//! No defaults and no checks live here (`validate` does both), so almost every key is an
//! `Option`: a missing required key is then one of many reported problems, not the one serde
//! error that hides the rest. No `flatten` and no internally tagged enums: both make serde
//! buffer the table and lose the position of the faulty key.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, forward_to_deserialize_any};
use toml::Spanned;

/// A whole file: the main config or one include.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    #[serde(default)]
    pub(crate) include: Vec<Spanned<String>>,
    pub(crate) storage: Option<RawStorage>,
    pub(crate) fetch: Option<RawFetch>,
    #[serde(default)]
    pub(crate) source: Vec<Spanned<RawSource>>,
    #[serde(default)]
    pub(crate) topic: Vec<Spanned<RawTopic>>,
    pub(crate) smtp: Option<Spanned<RawSmtp>>,
    #[serde(default)]
    pub(crate) subscriber: Vec<Spanned<RawSubscriber>>,
    pub(crate) web: Option<Spanned<RawWeb>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStorage {
    pub(crate) database: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFetch {
    pub(crate) user_agent: Option<Spanned<String>>,
    pub(crate) timeout: Option<Spanned<String>>,
    pub(crate) connect_timeout: Option<Spanned<String>>,
    pub(crate) max_body: Option<Spanned<RawSize>>,
    pub(crate) max_concurrency: Option<Spanned<i64>>,
    pub(crate) per_host_concurrency: Option<Spanned<i64>>,
    pub(crate) per_host_delay: Option<Spanned<String>>,
    pub(crate) respect_robots: Option<bool>,
    pub(crate) allow_private_networks: Option<RawPrivateNetworks>,
    pub(crate) unhealthy_after: Option<Spanned<i64>>,
    pub(crate) max_retry_after: Option<Spanned<String>>,
    pub(crate) max_crawl_delay: Option<Spanned<String>>,
    pub(crate) extract_memory: Option<Spanned<RawSize>>,
    pub(crate) extract_timeout: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSource {
    pub(crate) id: Option<Spanned<String>>,
    pub(crate) name: Option<Spanned<String>>,
    pub(crate) kind: Option<Spanned<String>>,
    pub(crate) url: Option<Spanned<String>>,
    pub(crate) enabled: Option<bool>,
    pub(crate) interval: Option<Spanned<String>>,
    pub(crate) follow: Option<Spanned<bool>>,
    pub(crate) encoding: Option<Spanned<String>>,
    pub(crate) max_items: Option<Spanned<i64>>,
    pub(crate) recheck_window: Option<Spanned<String>>,
    pub(crate) recheck_interval: Option<Spanned<String>>,
    pub(crate) strip_params: Option<Spanned<Vec<Spanned<String>>>>,
    // The sub-tables are boxed: most sources set one or two of them, and a config of 50,000
    // sources holds every RawSource at once while it is checked.
    pub(crate) request: Option<Spanned<Box<RawRequest>>>,
    pub(crate) auth: Option<Spanned<RawAuth>>,
    pub(crate) list: Option<Spanned<Box<RawList>>>,
    pub(crate) json: Option<Spanned<Box<RawJson>>>,
    pub(crate) article: Option<Spanned<Box<RawArticle>>>,
    pub(crate) attachments: Option<Spanned<Box<RawAttachments>>>,
}

/// `[source.request]`: how this source's requests differ from the defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequest {
    pub(crate) headers: Option<Spanned<RawPairs>>,
    pub(crate) query: Option<Spanned<RawPairs>>,
    pub(crate) prime: Option<Spanned<String>>,
    pub(crate) timeout: Option<Spanned<String>>,
    pub(crate) max_body: Option<Spanned<RawSize>>,
    /// Header name → environment variable holding its value.
    pub(crate) headers_env: Option<Spanned<RawPairs>>,
    /// Header name → file holding its value.
    pub(crate) headers_file: Option<Spanned<RawPairs>>,
    /// Query parameter → environment variable holding its value.
    pub(crate) query_env: Option<Spanned<RawPairs>>,
    /// Query parameter → file holding its value.
    pub(crate) query_file: Option<Spanned<RawPairs>>,
    /// Hosts besides the source's own origin that get its headers.
    pub(crate) header_hosts: Option<Spanned<Vec<Spanned<String>>>>,
}

/// `[source.auth]`: HTTP Basic credentials, the password never inline.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAuth {
    pub(crate) username: Option<Spanned<String>>,
    pub(crate) password_env: Option<Spanned<String>>,
    pub(crate) password_file: Option<Spanned<String>>,
}

/// `[source.json]`: where a json-list's items and their fields are.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawJson {
    pub(crate) items: Option<Spanned<String>>,
    pub(crate) title: Option<Spanned<String>>,
    pub(crate) link: Option<Spanned<String>>,
    pub(crate) link_template: Option<Spanned<String>>,
    pub(crate) date: Option<Spanned<String>>,
    pub(crate) deadline: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) text: Vec<Spanned<String>>,
    pub(crate) attachment_template: Option<Spanned<String>>,
}

/// `[source.attachments]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAttachments {
    pub(crate) max_count: Option<Spanned<i64>>,
    pub(crate) max_size: Option<Spanned<RawSize>>,
    pub(crate) selector: Option<Spanned<String>>,
}

/// `[source.list]`: CSS selectors, each optionally ending in `@attribute`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawList {
    pub(crate) item: Option<Spanned<String>>,
    pub(crate) title: Option<Spanned<String>>,
    pub(crate) link: Option<Spanned<String>>,
    pub(crate) date: Option<Spanned<String>>,
    pub(crate) deadline: Option<Spanned<String>>,
    pub(crate) json: Option<Spanned<String>>,
    /// With `follow = false`: the part of each item whose text is its document.
    pub(crate) text: Option<Spanned<String>>,
    /// With `follow = false`: an item runs from its element over the ones after it, up to the
    /// next item or an element this selector matches.
    pub(crate) until: Option<Spanned<String>>,
}

/// `[source.article]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawArticle {
    pub(crate) title: Option<Spanned<String>>,
    pub(crate) content: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) ignore: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) ignore_text: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTopic {
    pub(crate) id: Option<Spanned<String>>,
    pub(crate) label: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) keywords: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) patterns: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) exclude: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSmtp {
    pub(crate) host: Option<Spanned<String>>,
    pub(crate) port: Option<Spanned<i64>>,
    pub(crate) tls: Option<Spanned<String>>,
    pub(crate) username: Option<Spanned<String>>,
    pub(crate) password_env: Option<Spanned<String>>,
    pub(crate) password_file: Option<Spanned<String>>,
    pub(crate) from: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSubscriber {
    pub(crate) id: Option<Spanned<String>>,
    pub(crate) email: Option<Spanned<String>>,
    pub(crate) webhook: Option<Spanned<String>>,
    pub(crate) secret_env: Option<Spanned<String>>,
    pub(crate) secret_file: Option<Spanned<String>>,
    pub(crate) topics: Option<Spanned<Vec<Spanned<String>>>>,
    pub(crate) sources: Option<Spanned<Vec<Spanned<String>>>>,
    pub(crate) schedule: Option<Spanned<String>>,
    pub(crate) events: Option<Spanned<Vec<Spanned<String>>>>,
}

/// `[web]`: the reading room.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWeb {
    pub(crate) listen: Option<Spanned<String>>,
    pub(crate) public_url: Option<Spanned<String>>,
    pub(crate) username: Option<Spanned<String>>,
    pub(crate) password_env: Option<Spanned<String>>,
    pub(crate) password_file: Option<Spanned<String>>,
}

/// `max_body = "10MiB"` or `max_body = 1048576`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawSize {
    Text(String),
    Bytes(i64),
}

impl<'de> Deserialize<'de> for RawSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = RawSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size such as \"10MiB\" or a number of bytes")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawSize, E> {
                Ok(RawSize::Bytes(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawSize, E> {
                i64::try_from(v).map(RawSize::Bytes).map_err(|_| E::custom("size is too large"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSize, E> {
                Ok(RawSize::Text(v.to_owned()))
            }
        }
        deserializer.deserialize_any(SizeVisitor)
    }
}

/// A table of free-form string pairs (`headers = { Referer = "…" }`), sorted by key.
#[derive(Debug, Default)]
pub(crate) struct RawPairs(pub(crate) Vec<(Spanned<String>, Spanned<String>)>);

impl<'de> Deserialize<'de> for RawPairs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = RawPairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of strings, such as { Referer = \"https://example.org/\" }")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(entry) = map.next_entry::<Spanned<String>, Spanned<String>>()? {
                    pairs.push(entry);
                }
                Ok(RawPairs(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

/// `allow_private_networks = true` or `= ["10.0.0.0/8", "127.0.0.1"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawPrivateNetworks {
    Flag(bool),
    List(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for RawPrivateNetworks {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NetworksVisitor;
        impl<'de> Visitor<'de> for NetworksVisitor {
            type Value = RawPrivateNetworks;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false or a list of CIDR blocks")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawPrivateNetworks, E> {
                Ok(RawPrivateNetworks::Flag(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut list = Vec::new();
                while let Some(cidr) = seq.next_element::<Spanned<String>>()? {
                    list.push(cidr);
                }
                Ok(RawPrivateNetworks::List(list))
            }
        }
        deserializer.deserialize_any(NetworksVisitor)
    }
}

/// Every table of the file by dotted path (array elements share their array's path), with the
/// keys its raw struct accepts. The key lists come from serde itself, so they cannot drift
/// from the structs above; `strip_unknown` and the example-coverage test both walk this.
pub(crate) fn schema() -> [(&'static str, &'static [&'static str]); 14] {
    [
        ("", fields::<RawFile>()),
        ("storage", fields::<RawStorage>()),
        ("fetch", fields::<RawFetch>()),
        ("source", fields::<RawSource>()),
        ("source.request", fields::<RawRequest>()),
        ("source.auth", fields::<RawAuth>()),
        ("source.list", fields::<RawList>()),
        ("source.json", fields::<RawJson>()),
        ("source.article", fields::<RawArticle>()),
        ("source.attachments", fields::<RawAttachments>()),
        ("topic", fields::<RawTopic>()),
        ("smtp", fields::<RawSmtp>()),
        ("subscriber", fields::<RawSubscriber>()),
        ("web", fields::<RawWeb>()),
    ]
}

/// The keys serde's derive hands to `deserialize_struct` for `T`.
pub(crate) fn fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut found: &'static [&'static str] = &[];
    // The probe always fails once it has seen the field list; the error is the expected exit.
    let _ = T::deserialize(FieldProbe { found: &mut found });
    found
}

/// A deserializer that records the field list of the struct asked of it and stops there.
struct FieldProbe<'a> {
    found: &'a mut &'static [&'static str],
}

impl<'de> Deserializer<'de> for FieldProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("field probe reads only structs"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.found = fields;
        Err(de::Error::custom("field probe done"))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Keys that exclude one another: the first must appear in the example as a commented-out
    /// line (`# password_file = ...`), the second set for real.
    const ALTERNATIVES: [(&str, &str); 8] = [
        ("smtp.password_file", "smtp.password_env"),
        ("subscriber.secret_file", "subscriber.secret_env"),
        ("source.json.link", "source.json.link_template"),
        ("web.password_file", "web.password_env"),
        ("source.list.text", "source.list.until"),
        ("source.auth.password_file", "source.auth.password_env"),
        ("source.request.headers_file", "source.request.headers_env"),
        ("source.request.query_file", "source.request.query_env"),
    ];

    /// Tables whose keys are the user's (header names, query parameters), not the schema's.
    const FREE_FORM: [&str; 6] = [
        "source.request.headers",
        "source.request.query",
        "source.request.headers_env",
        "source.request.headers_file",
        "source.request.query_env",
        "source.request.query_file",
    ];

    fn dotted(prefix: &str, key: &str) -> String {
        if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") }
    }

    /// Every key path written in `value`; array elements share their array's path.
    fn written_keys(value: &toml::Value, prefix: &str, out: &mut BTreeSet<String>) {
        match value {
            toml::Value::Table(table) => {
                for (key, inner) in table {
                    let path = dotted(prefix, key);
                    if !FREE_FORM.contains(&path.as_str()) {
                        written_keys(inner, &path, out);
                    }
                    out.insert(path);
                }
            }
            toml::Value::Array(items) => {
                for item in items.iter().filter(|item| item.is_table()) {
                    written_keys(item, prefix, out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn the_example_config_shows_every_key_of_the_raw_structs() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/regwatch.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let value: toml::Value = toml::from_str(&text).unwrap();
        let mut written = BTreeSet::new();
        written_keys(&value, "", &mut written);
        let known: BTreeSet<String> =
            schema().iter().flat_map(|(path, fields)| fields.iter().map(|field| dotted(path, field))).collect();
        let commented: BTreeSet<String> = ALTERNATIVES
            .iter()
            .filter(|(key, partner)| {
                let name = key.rsplit('.').next().unwrap_or(key);
                written.contains(*partner) && text.lines().any(|l| l.trim_start().starts_with(&format!("# {name} = ")))
            })
            .map(|(key, _)| (*key).to_owned())
            .collect();
        let missing: Vec<&String> =
            known.iter().filter(|key| !written.contains(*key) && !commented.contains(*key)).collect();
        assert!(missing.is_empty(), "config/regwatch.toml lacks {missing:?}");
        let unknown: Vec<&String> = written.difference(&known).collect();
        assert!(unknown.is_empty(), "config/regwatch.toml has keys raw.rs lacks: {unknown:?}");
        // An empty field list would make this test pass vacuously.
        assert!(schema().iter().all(|(_, fields)| !fields.is_empty()));
    }

    #[test]
    fn probe_reads_field_lists_from_serde() {
        assert_eq!(fields::<RawList>(), ["item", "title", "link", "date", "deadline", "json", "text", "until"]);
        assert!(fields::<RawSource>().contains(&"recheck_interval"));
        assert!(fields::<RawFile>().contains(&"subscriber"));
    }

    #[test]
    fn every_table_holding_a_raw_struct_has_a_schema_entry() {
        let schema = schema();
        let paths: Vec<&str> = schema.iter().map(|(path, _)| *path).collect();
        let nested = [
            ("", "storage"),
            ("", "fetch"),
            ("", "source"),
            ("", "topic"),
            ("", "smtp"),
            ("", "subscriber"),
            ("", "web"),
            ("source", "request"),
            ("source", "auth"),
            ("source", "list"),
            ("source", "json"),
            ("source", "article"),
            ("source", "attachments"),
        ];
        for (parent, key) in nested {
            let fields = schema.iter().find(|(path, _)| *path == parent).map(|e| e.1);
            assert!(fields.is_some_and(|f| f.contains(&key)), "{parent}.{key}");
            let child = if parent.is_empty() { key.to_owned() } else { format!("{parent}.{key}") };
            assert!(paths.contains(&child.as_str()), "{child} missing from schema()");
        }
        assert_eq!(paths.len(), nested.len() + 1);
    }

    #[test]
    fn sizes_and_networks_take_either_form() {
        #[derive(Deserialize)]
        struct Probe {
            a: RawSize,
            b: RawSize,
            c: RawPrivateNetworks,
            d: RawPrivateNetworks,
        }
        let parsed: Probe = toml::from_str("a = \"10MiB\"\nb = 2048\nc = true\nd = [\"10.0.0.0/8\"]\n").unwrap();
        assert_eq!(parsed.a, RawSize::Text("10MiB".to_owned()));
        assert_eq!(parsed.b, RawSize::Bytes(2048));
        assert_eq!(parsed.c, RawPrivateNetworks::Flag(true));
        assert!(matches!(&parsed.d, RawPrivateNetworks::List(l) if l[0].get_ref() == "10.0.0.0/8"));
    }
}
