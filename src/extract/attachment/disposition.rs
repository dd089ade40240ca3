//! The file name a `Content-Disposition` header gives (RFC 6266): `filename*` (RFC 5987,
//! percent-encoded with a charset) wins over `filename`, which servers fill with raw UTF-8 or
//! percent-encoded bytes as often as with ASCII. A name becomes a title, so it comes out
//! without control or bidi characters (`%1B`, `%0A` and U+202E decode into them readily).

/// The file name, without any directory part; `None` when the header names none.
#[must_use]
pub fn file_name_of(header: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for param in params(header) {
        let Some((key, value)) = param.split_once('=') else { continue };
        match key.trim().to_ascii_lowercase().as_str() {
            "filename*" => extended = extended_value(value.trim()),
            "filename" => plain = Some(unquoted(value.trim())),
            _ => {}
        }
    }
    let name = extended.or_else(|| plain.map(|p| decoded(&p)))?;
    let name = name.rsplit(['/', '\\']).next().unwrap_or(&name);
    let name = crate::extract::sanitize::scraped(name).trim().to_owned();
    (!name.is_empty()).then_some(name)
}

/// `;`-separated parameters, a quoted string's `;` left alone.
fn params(header: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in header.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(&header[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&header[start..]);
    out
}

fn unquoted(value: &str) -> String {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => value.to_owned(),
    }
}

/// `UTF-8''%E8%B5%B7.pdf` → `起.pdf`; other charsets are decoded through encoding_rs.
fn extended_value(value: &str) -> Option<String> {
    let value = unquoted(value);
    let mut parts = value.splitn(3, '\'');
    let charset = parts.next()?;
    let _language = parts.next()?;
    let encoded = parts.next()?;
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(encoded).collect();
    let encoding = encoding_rs::Encoding::for_label(charset.trim().as_bytes()).unwrap_or(encoding_rs::UTF_8);
    Some(encoding.decode_without_bom_handling(&bytes).0.into_owned())
}

/// A plain `filename` that is percent-encoded UTF-8 (common on Chinese sites) is decoded.
fn decoded(name: &str) -> String {
    if name.contains('%') {
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(name).collect();
        if let Ok(text) = String::from_utf8(bytes) {
            return text;
        }
    }
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_form() {
        assert_eq!(file_name_of("attachment; filename=\"a.pdf\"").as_deref(), Some("a.pdf"));
        assert_eq!(file_name_of("attachment; filename=a.pdf").as_deref(), Some("a.pdf"));
        assert_eq!(
            file_name_of("attachment; filename*=UTF-8''%E8%B5%B7%E8%8D%89%E8%AF%B4%E6%98%8E.docx").as_deref(),
            Some("起草说明.docx")
        );
        assert_eq!(
            file_name_of("attachment; filename=\"fallback.pdf\"; filename*=utf-8''%E5%8A%9E%E6%B3%95.pdf").as_deref(),
            Some("办法.pdf"),
            "filename* wins"
        );
        assert_eq!(file_name_of("attachment; filename=\"%E5%8A%9E%E6%B3%95.pdf\"").as_deref(), Some("办法.pdf"));
        assert_eq!(
            file_name_of("attachment; filename=\"办法;征求意见稿.pdf\"").as_deref(),
            Some("办法;征求意见稿.pdf")
        );
        assert_eq!(file_name_of("attachment; filename=\"C:\\\\files\\\\a.doc\"").as_deref(), Some("a.doc"));
        assert_eq!(file_name_of("attachment; filename*=GBK''%B0%EC%B7%A8.pdf").as_deref(), Some("办法.pdf"));
        assert_eq!(file_name_of("inline"), None);
        assert_eq!(
            file_name_of("attachment; filename*=UTF-8''%1B%5D0%3Bpwned%07a%0D%0Ab%E2%80%AEfdp.exe").as_deref(),
            Some("]0;pwneda bfdp.exe"),
            "control and bidi characters go"
        );
        assert_eq!(file_name_of("attachment; filename=\"%0A\""), None);
        assert_eq!(file_name_of("attachment; filename=\"\""), None);
    }
}
