use super::docs;
use super::*;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

const DRAFT: [&str; 3] = [
    "数据出境安全评估办法（征求意见稿）",
    "第一条 为了规范数据出境活动，保护个人信息权益，制定本办法。",
    "第二条 数据处理者向境外提供数据，应当按照本办法的规定进行安全评估。",
];

#[test]
fn links_that_name_a_file_are_known() {
    let cac = url("https://www.cac.gov.cn/cms/pub/interact/downloadfile.jsp?filepath=a8f3&fText=关于征求意见.pdf");
    assert_eq!(
        candidate(&cac, "附件"),
        Some(Candidate::Known { format: AttachmentFormat::Pdf, file_name: Some("关于征求意见.pdf".into()) })
    );
    assert_eq!(
        candidate(&url("https://x.gov.cn/x/a.DOCX"), ""),
        Some(Candidate::Known { format: AttachmentFormat::Docx, file_name: Some("a.DOCX".into()) })
    );
    let encoded = url("https://x.gov.cn/files/%E5%8A%9E%E6%B3%95.wps");
    assert_eq!(
        candidate(&encoded, ""),
        Some(Candidate::Known { format: AttachmentFormat::Wps, file_name: Some("办法.wps".into()) })
    );
    assert_eq!(
        candidate(&url("https://x.gov.cn/getFile?id=7"), "征求意见稿.docx"),
        Some(Candidate::Known { format: AttachmentFormat::Docx, file_name: Some("征求意见稿.docx".into()) })
    );
}

#[test]
fn download_links_without_extension_are_maybe() {
    assert_eq!(candidate(&url("https://www.mohurd.gov.cn/document/download?fileUrl=abc"), ""), Some(Candidate::Maybe));
    assert_eq!(candidate(&url("https://x.gov.cn/a?id=1"), "附件1"), Some(Candidate::Maybe));
}

#[test]
fn pages_images_and_mail_are_not_candidates() {
    assert_eq!(candidate(&url("https://www.cac.gov.cn/2024-09/30/c_1729384452307680.htm"), "附件"), None);
    assert_eq!(candidate(&url("mailto:x@cac.gov.cn"), "下载"), None);
    assert_eq!(candidate(&url("https://x.gov.cn/logo.jpg"), ""), None);
    assert_eq!(candidate(&url("https://x.gov.cn/news/1"), "新闻"), None);
}

#[test]
fn identification_weighs_name_type_bytes_and_url() {
    let plain = url("https://x.gov.cn/download?id=1");
    let pdf = docs::pdf(&DRAFT);
    let disposition = "attachment; filename*=UTF-8''%E5%8A%9E%E6%B3%95.pdf";
    assert_eq!(
        identify(&plain, Some("application/octet-stream"), Some(disposition), &pdf),
        Identified { format: Some(AttachmentFormat::Pdf), file_name: Some("办法.pdf".into()) }
    );
    // The bytes beat a name that lies.
    let docx = docs::docx(&["一"]);
    let lying = "attachment; filename=\"a.pdf\"";
    assert_eq!(identify(&plain, None, Some(lying), &docx).format, Some(AttachmentFormat::Docx));
    // An OLE2 file is a .doc unless its name says .xls or .wps.
    let ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest".to_vec();
    assert_eq!(identify(&plain, None, None, &ole).format, Some(AttachmentFormat::Doc));
    assert_eq!(identify(&plain, None, Some("attachment; filename=b.xls"), &ole).format, Some(AttachmentFormat::Xls));
    assert_eq!(identify(&plain, Some("application/vnd.ms-excel"), None, b"??").format, Some(AttachmentFormat::Xls));
    assert_eq!(identify(&url("https://x.gov.cn/a.wps"), None, None, b"??").format, Some(AttachmentFormat::Wps));
    // A download link that answered a web page is no attachment.
    assert_eq!(identify(&plain, Some("text/html; charset=utf-8"), None, b"<html>").format, None);
    assert_eq!(identify(&url("https://x.gov.cn/a.pdf"), None, None, b"\n <!DOCTYPE html><html>").format, None);
    assert_eq!(identify(&plain, None, None, b"plain").format, None);
}

#[test]
fn chinese_pdf_text_round_trips() {
    assert_eq!(extract_text(AttachmentFormat::Pdf, &docs::pdf(&DRAFT)).unwrap(), DRAFT);
}

#[test]
fn chinese_docx_text_round_trips() {
    let mut paragraphs = DRAFT.to_vec();
    paragraphs.push("第三条 “重要数据”是指一旦遭到篡改、破坏、泄露可能危害国家安全的数据 & 信息。");
    assert_eq!(extract_text(AttachmentFormat::Docx, &docs::docx(&paragraphs)).unwrap(), paragraphs);
}

#[test]
fn docx_tabs_breaks_and_deletions() {
    let xml = r#"<?xml version="1.0"?><w:document xmlns:w="w"><w:body>
        <w:p><w:r><w:t>第一条</w:t><w:tab/><w:t>正文</w:t><w:br/><w:t>续行</w:t></w:r></w:p>
        <w:p><w:del><w:r><w:delText>删除的</w:delText></w:r></w:del><w:r><w:t>保留&amp;的&#x6587;</w:t></w:r></w:p>
        <w:p/></w:body></w:document>"#;
    let docx = docs::zip_of(&[("word/document.xml", xml)]);
    assert_eq!(extract_text(AttachmentFormat::Docx, &docx).unwrap(), ["第一条 正文", "续行", "保留&的文"]);
}

#[test]
fn other_formats_are_unreadable_by_name() {
    for (format, name) in [
        (AttachmentFormat::Doc, "Word 97-2003 (DOC)"),
        (AttachmentFormat::Wps, "WPS Writer"),
        (AttachmentFormat::Xlsx, "Excel (XLSX)"),
        (AttachmentFormat::Xls, "Excel 97-2003 (XLS)"),
    ] {
        let err = extract_text(format, b"anything").unwrap_err();
        assert_eq!(err.reason, format!("{name} files are not read; text not extracted"));
    }
}

#[test]
fn a_pdf_without_text_says_so() {
    let err = extract_text(AttachmentFormat::Pdf, &docs::pdf_without_text()).unwrap_err();
    assert_eq!(err.reason, "PDF has no text layer (a scanned image?)");
}

#[test]
fn a_docx_without_a_document_part_says_so() {
    let zip = docs::zip_of(&[("word/styles.xml", "<x/>")]);
    assert_eq!(extract_text(AttachmentFormat::Docx, &zip).unwrap_err().reason, "DOCX has no word/document.xml");
}

/// Truncated files, garbage and prefixes of valid ones are refused, never a panic.
#[test]
fn broken_files_are_unreadable_not_fatal() {
    let pdf = docs::pdf(&DRAFT);
    let docx = docs::docx(&DRAFT);
    let mut rng = fastrand::Rng::with_seed(0x2e6);
    let mut inputs: Vec<Vec<u8>> = vec![Vec::new(), b"%PDF-".to_vec(), b"PK\x03\x04".to_vec()];
    inputs.extend((1..pdf.len()).step_by(97).map(|n| pdf[..n].to_vec()));
    inputs.extend((1..docx.len()).step_by(53).map(|n| docx[..n].to_vec()));
    for _ in 0..200 {
        let len = rng.usize(0..600);
        let mut junk: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
        if rng.bool() {
            junk.splice(0..0, b"%PDF-1.4\n".iter().copied());
        }
        inputs.push(junk);
    }
    let mut refused = 0;
    for input in &inputs {
        for format in [AttachmentFormat::Pdf, AttachmentFormat::Docx] {
            if extract_text(format, input).is_err() {
                refused += 1;
            }
        }
    }
    // Every junk input fails at least as one of the two formats (the test can fail).
    assert!(refused >= inputs.len(), "{refused} of {}", inputs.len() * 2);
}

#[test]
fn tidy_joins_chinese_split_by_spaces_and_keeps_english_words() {
    assert_eq!(tidy("第 一 条 为 了 规 范"), "第一条为了规范");
    assert_eq!(tidy("第一条　为了规范数据出境活动"), "第一条 为了规范数据出境活动");
    assert_eq!(tidy("Article 1  applies to  数据"), "Article 1 applies to 数据");
}
