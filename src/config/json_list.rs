//! `[source.json]` → `JsonListSpec`: the paths of a json-list's item array and fields, and its
//! link and attachment templates, compiled and checked once here.

use std::ops::Range;

use toml::Spanned;
use url::Url;

use crate::config::check::required;
use crate::config::issue::{Report, Reported};
use crate::config::model::{JsonLink, JsonListSpec};
use crate::config::raw::RawJson;
use crate::json_path::{JsonPath, LinkTemplate};

pub(crate) fn json_list(
    report: &mut Report<'_>,
    key: &str,
    at: &Range<usize>,
    base: Option<&Url>,
    raw: &RawJson,
) -> Result<JsonListSpec, Reported> {
    let key = format!("{key}.json");
    let items = if let Some(items) = &raw.items {
        path(report, &format!("{key}.items"), items)
    } else {
        let message = "missing key `items`: the path of the item array (\"\" when the response is the array)";
        Err(report.error(Some(at.clone()), &format!("{key}.items"), message))
    };
    let title =
        required(report, at, &key, "title", raw.title.as_ref()).and_then(|t| path(report, &format!("{key}.title"), t));
    let link = match (&raw.link, &raw.link_template) {
        (Some(field), None) => path(report, &format!("{key}.link"), field).map(JsonLink::Field),
        (None, Some(template)) => {
            self::template(report, &format!("{key}.link_template"), base, template).map(JsonLink::Template)
        }
        (Some(field), Some(_)) => {
            let message = "give either `link` (a field holding the URL) or `link_template`, not both";
            Err(report.error(Some(field.span()), &format!("{key}.link"), message))
        }
        (None, None) => {
            let message = "missing key `link` or `link_template`: where each item's URL comes from";
            Err(report.error(Some(at.clone()), &format!("{key}.link"), message))
        }
    };
    let date = raw.date.as_ref().map(|d| path(report, &format!("{key}.date"), d)).transpose();
    let deadline = raw.deadline.as_ref().map(|d| path(report, &format!("{key}.deadline"), d)).transpose();
    let mut text = Ok(Vec::new());
    for (i, field) in raw.text.iter().enumerate() {
        match (&mut text, path(report, &format!("{key}.text[{i}]"), field)) {
            (Ok(list), Ok(p)) => list.push(p),
            (all, Err(reported)) => *all = Err(reported),
            (Err(_), Ok(_)) => {}
        }
    }
    let attachment = raw
        .attachment_template
        .as_ref()
        .map(|t| template(report, &format!("{key}.attachment_template"), base, t))
        .transpose();
    Ok(JsonListSpec {
        items: items?,
        title: title?,
        link: link?,
        date: date?,
        deadline: deadline?,
        text: text?,
        attachment: attachment?,
    })
}

pub(crate) fn path(report: &mut Report<'_>, key: &str, raw: &Spanned<String>) -> Result<JsonPath, Reported> {
    JsonPath::parse(raw.get_ref()).map_err(|message| report.error(Some(raw.span()), key, message))
}

/// A template that, filled, is an http(s) URL (absolute, or relative to the list URL).
fn template(
    report: &mut Report<'_>,
    key: &str,
    base: Option<&Url>,
    raw: &Spanned<String>,
) -> Result<LinkTemplate, Reported> {
    let template =
        LinkTemplate::parse(raw.get_ref()).map_err(|message| report.error(Some(raw.span()), key, message))?;
    let example = template.example();
    let resolved = match base {
        Some(base) => base.join(&example),
        None => Url::parse(&example),
    };
    match resolved {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(template),
        Ok(url) => {
            let message = format!("`{}` gives {} URLs; expected http or https", raw.get_ref(), url.scheme());
            Err(report.error(Some(raw.span()), key, message))
        }
        Err(e) => Err(report.error(Some(raw.span()), key, format!("`{}` gives no valid URL: {e}", raw.get_ref()))),
    }
}
