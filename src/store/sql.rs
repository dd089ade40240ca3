//! How the pipeline's types are written to and read from SQL columns. The rest of regwatch
//! hands the store `Stage`, `EventType`, ids and dates; only here do they become text and
//! integers. A value the database holds but this regwatch does not know is an error naming it,
//! never a silent default.

use jiff::civil::Date;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use super::health::HealthKind;
use super::outbox::DeliveryChannel;
use crate::classify::Stage;
use crate::config::model::EventType;
use crate::ids::{ChangeId, DeliveryId, DocId, SourceId, TopicId, VersionNo};

macro_rules! integer_column {
    ($($name:ident),*) => {$(
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map(Self)
            }
        }
    )*};
}

integer_column!(DocId, VersionNo, ChangeId, DeliveryId);

macro_rules! text_column {
    ($($name:ident),*) => {$(
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                String::column_result(value).map(Self)
            }
        }
    )*};
}

text_column!(SourceId, TopicId);

/// Enums stored by name.
macro_rules! named_column {
    ($($name:ident),*) => {$(
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                $name::parse(text).ok_or_else(|| unknown(stringify!($name), text))
            }
        }
    )*};
}

named_column!(Stage, EventType, DeliveryChannel, HealthKind);

fn unknown(what: &str, text: &str) -> FromSqlError {
    FromSqlError::Other(format!("unknown {what} `{text}` in the database (written by a newer regwatch?)").into())
}

/// A calendar date as its ISO text (`2026-12-20`).
pub(super) fn date(d: Option<Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// A stored ISO date; text that is not one reads as no date (older rows kept free text).
pub(super) fn read_date(text: Option<String>) -> Option<Date> {
    text.and_then(|t| t.parse().ok())
}

/// Strings as a JSON array, the one parameter of a lookup of many keys in one statement
/// (`WHERE k IN (SELECT value FROM json_each(?))`).
pub(super) fn json_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<S> = items.into_iter().collect();
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    serde_json::to_string(&items).unwrap_or_else(|_| "[]".into())
}

/// Topic ids as the JSON array the `topics` columns hold.
pub(super) fn topics(topics: &[TopicId]) -> String {
    serde_json::to_string(topics).unwrap_or_else(|_| "[]".into())
}

pub(super) fn read_topics(json: &str) -> rusqlite::Result<Vec<TopicId>> {
    serde_json::from_str(json)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into()))
}
