//! Dotted paths into JSON (`data.searchResult.rows[0].title`) and link templates built from
//! them (`http://www.npc.gov.cn/flcaw/userIndex.html?lid={flxxId}`): what a `json-list`
//! source's `[source.json]` keys compile to, and how they read one item.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A compiled path. The empty path is the value itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    source: String,
    steps: Vec<Step>,
}

impl JsonPath {
    /// Parses `a.b[2].c`; `""` and `"."` name the root. Keys are anything but `.`, `[`, `]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let mut steps = Vec::new();
        if !matches!(trimmed, "" | ".") {
            for part in trimmed.split('.') {
                steps.extend(part_steps(part).map_err(|why| format!("invalid JSON path `{text}`: {why}"))?);
            }
        }
        Ok(Self { source: trimmed.to_owned(), steps })
    }

    /// The value at this path, if every step exists.
    pub fn lookup<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        self.steps.iter().try_fold(value, |at, step| match step {
            Step::Key(key) => at.get(key.as_str()),
            Step::Index(i) => at.get(*i),
        })
    }

    /// The value as one line of text: strings as they are, numbers and booleans written out,
    /// null and containers as nothing.
    pub fn text(&self, value: &Value) -> Option<String> {
        scalar_text(self.lookup(value)?)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.source.is_empty() { "." } else { &self.source })
    }
}

/// `rows[0][1]` → Key(rows), Index(0), Index(1).
fn part_steps(part: &str) -> Result<Vec<Step>, String> {
    let (key, mut rest) = part.find('[').map_or((part, ""), |at| (&part[..at], &part[at..]));
    if key.contains(']') {
        return Err(format!("stray `]` in `{part}`"));
    }
    let mut steps = Vec::new();
    if key.is_empty() {
        if rest.is_empty() {
            return Err("empty step (two dots in a row, or a dot at an end)".to_owned());
        }
    } else {
        steps.push(Step::Key(key.to_owned()));
    }
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[').and_then(|r| r.split_once(']'));
        let Some((index, after)) = inner else { return Err(format!("unclosed `[` in `{part}`")) };
        let index = index.trim().parse().map_err(|_| format!("`[{index}]` is not an array index"))?;
        steps.push(Step::Index(index));
        rest = after;
    }
    Ok(steps)
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// What a placeholder's value may contain unescaped: RFC 3986 unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A URL template with `{path}` placeholders filled from an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTemplate {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Field(JsonPath),
}

impl LinkTemplate {
    /// Parses `…{flxxId}…`; `{{` and `}}` are literal braces. At least one placeholder.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut field = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        field.push(c);
                    }
                    if !closed || field.trim().is_empty() {
                        return Err(format!("invalid link template `{text}`: empty or unclosed `{{}}`"));
                    }
                    let path =
                        JsonPath::parse(&field).map_err(|why| format!("invalid link template `{text}`: {why}"))?;
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                    parts.push(Part::Field(path));
                }
                '}' => return Err(format!("invalid link template `{text}`: unmatched `}}` (write `}}}}`)")),
                other => literal.push(other),
            }
        }
        parts.push(Part::Literal(literal));
        if !parts.iter().any(|p| matches!(p, Part::Field(_))) {
            return Err(format!("link template `{text}` has no {{field}} placeholder"));
        }
        Ok(Self { source: text.to_owned(), parts })
    }

    /// The template filled from `item`, each value percent-encoded; `None` when a field is
    /// missing or empty (an item without an id has no link).
    pub fn fill(&self, item: &Value) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Field(path) => {
                    let value = path.text(item).filter(|v| !v.trim().is_empty())?;
                    out.extend(utf8_percent_encode(value.trim(), COMPONENT));
                }
            }
        }
        Some(out)
    }

    /// The template with every placeholder filled with `x`: what validation checks parses.
    #[must_use]
    pub fn example(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Literal(text) => text.as_str(),
                Part::Field(_) => "x",
            })
            .collect()
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn paths_walk_keys_and_indices() {
        let value = json!({"data": {"rows": [{"t": "a"}, {"t": "b", "n": 7}]}, "list": [[1, 2]]});
        assert_eq!(JsonPath::parse("data.rows[1].t").unwrap().text(&value).as_deref(), Some("b"));
        assert_eq!(JsonPath::parse("data.rows[1].n").unwrap().text(&value).as_deref(), Some("7"));
        assert_eq!(JsonPath::parse("list[0][1]").unwrap().text(&value).as_deref(), Some("2"));
        assert_eq!(JsonPath::parse("").unwrap().lookup(&value), Some(&value));
        assert_eq!(JsonPath::parse("data.rows[5].t").unwrap().lookup(&value), None);
        assert_eq!(JsonPath::parse("data.rows").unwrap().text(&value), None, "arrays are not text");
    }

    #[test]
    fn bad_paths_say_what_is_wrong() {
        assert!(JsonPath::parse("a..b").unwrap_err().contains("empty step"));
        assert!(JsonPath::parse("rows[x]").unwrap_err().contains("not an array index"));
        assert!(JsonPath::parse("rows[0").unwrap_err().contains("unclosed"));
    }

    #[test]
    fn templates_fill_and_encode_fields() {
        let t = LinkTemplate::parse("http://www.npc.gov.cn/flcaw/userIndex.html?lid={flxxId}").unwrap();
        let item = json!({"flxxId": "ff808081", "title": "数据 法"});
        assert_eq!(t.fill(&item).unwrap(), "http://www.npc.gov.cn/flcaw/userIndex.html?lid=ff808081");
        let t = LinkTemplate::parse("/s?q={title}&x={{y}}").unwrap();
        assert_eq!(t.fill(&item).unwrap(), "/s?q=%E6%95%B0%E6%8D%AE%20%E6%B3%95&x={y}");
        assert_eq!(t.fill(&json!({"title": ""})), None);
        assert_eq!(t.example(), "/s?q=x&x={y}");
    }

    #[test]
    fn bad_templates_are_refused() {
        assert!(LinkTemplate::parse("http://x/").unwrap_err().contains("no {field}"));
        assert!(LinkTemplate::parse("http://x/{id").unwrap_err().contains("unclosed"));
        assert!(LinkTemplate::parse("http://x/{}").unwrap_err().contains("empty"));
        assert!(LinkTemplate::parse("http://x/}").unwrap_err().contains("unmatched"));
    }
}
