//! The regwatch config the harness runs with, and who should get each change: two list
//! sources polled every second, a signed webhook for everything, an unsigned webhook for one
//! topic, and an immediate email for another topic from one source only.

use super::site::{SOURCES, Site};
use crate::common::LOOPBACK_FETCH;

/// The webhook secret of the signed subscriber.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Webhook { signed: bool },
    Email(&'static str),
}

/// A subscriber, as configured and as the harness expects it routed.
#[derive(Debug, Clone, Copy)]
pub struct Subscriber {
    pub id: &'static str,
    pub channel: Channel,
    /// `None` takes every topic.
    pub topic: Option<&'static str>,
    /// `None` takes every source.
    pub source: Option<&'static str>,
}

pub const SUBSCRIBERS: [Subscriber; 3] = [
    Subscriber { id: "newsletter", channel: Channel::Webhook { signed: true }, topic: None, source: None },
    Subscriber {
        id: "faces",
        channel: Channel::Webhook { signed: false },
        topic: Some("facial-recognition"),
        source: None,
    },
    Subscriber {
        id: "minors-desk",
        channel: Channel::Email("minors@example.org"),
        topic: Some("minors"),
        source: Some(SOURCES[0]),
    },
];

impl Subscriber {
    pub fn named(id: &str) -> Option<&'static Self> {
        SUBSCRIBERS.iter().find(|s| s.id == id)
    }

    /// Whether a change from `source` tagged `topics` goes to this subscriber.
    pub fn wants(&self, topics: &[String], source: &str) -> bool {
        self.topic.is_none_or(|t| topics.iter().any(|have| have == t)) && self.source.is_none_or(|s| s == source)
    }
}

/// The config file: `hooks` is the receiver's base URL, `smtp_port` the mail server's.
pub fn toml(site: &Site, hooks: &str, smtp_port: u16) -> String {
    let mut text = format!("{LOOPBACK_FETCH}\n[storage]\ndatabase = \"regwatch.db\"\n");
    for (index, id) in SOURCES.iter().enumerate() {
        text.push_str(&format!(
            "\n[[source]]\nid = \"{id}\"\nname = \"Regulator {id}\"\nkind = \"html-list\"\nurl = \"{}\"\ninterval = \"1s\"\n\
             [source.list]\nitem = \"ul.list li\"\ntitle = \"a\"\nlink = \"a\"\ndate = \"span\"\n\
             [source.article]\ncontent = \"article\"\n",
            site.list_url(index)
        ));
    }
    text.push_str(&format!(
        "\n[smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\ntls = \"none\"\nfrom = \"regwatch <alerts@example.org>\"\n"
    ));
    for subscriber in &SUBSCRIBERS {
        text.push_str(&format!("\n[[subscriber]]\nid = \"{}\"\n", subscriber.id));
        match subscriber.channel {
            Channel::Webhook { signed } => {
                text.push_str(&format!("webhook = \"{hooks}/{}\"\n", subscriber.id));
                if signed {
                    text.push_str("secret_file = \"hook.secret\"\n");
                }
            }
            Channel::Email(address) => text.push_str(&format!("email = \"{address}\"\n")),
        }
        let topics = subscriber.topic.map_or_else(|| "\"*\"".to_owned(), |t| format!("\"{t}\""));
        text.push_str(&format!("topics = [{topics}]\nschedule = \"immediate\"\n"));
        if let Some(source) = subscriber.source {
            text.push_str(&format!("sources = [\"{source}\"]\n"));
        }
    }
    text
}
