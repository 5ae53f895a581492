//! Checks of an uploaded file, made while its bytes stream past (nothing is held whole): the type
//! is sniffed from the first bytes, not taken from the name; the size is counted against the
//! kind's limit; images must have readable dimensions and not be decompression bombs; PDFs must
//! be complete and not encrypted; DOCX must be a Word document inside a complete ZIP.
//!
//! Limits of the streaming approach, said plainly: image pixels are not decoded (the header and
//! the end marker are checked), and a PDF's structure is checked at its header and trailer, not
//! object by object.

use crate::web::i18n::Text;

/// What is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Docx,
}

impl FileType {
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
            FileType::Docx => "docx",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, FileType::Jpeg | FileType::Png)
    }
}

/// The smallest image a person can still read a document from.
pub const MIN_SIDE: u32 = 300;
/// More pixels than this is no scan but a decompression bomb.
pub const MAX_PIXELS: u64 = 100_000_000;
const HEAD: usize = 256 * 1024;
const TAIL: usize = 128 * 1024;

/// Why a file was refused, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Empty,
    UnknownType,
    TooLarge { limit_mb: i64 },
    ImageTooSmall { width: u32, height: u32 },
    ImageTooManyPixels { width: u32, height: u32 },
    ImageDamaged,
    PdfDamaged,
    PdfEncrypted,
    DocxDamaged,
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Empty => "file_empty",
            Problem::UnknownType => "file_type",
            Problem::TooLarge { .. } => "file_too_large",
            Problem::ImageTooSmall { .. } => "image_too_small",
            Problem::ImageTooManyPixels { .. } => "image_too_many_pixels",
            Problem::ImageDamaged => "image_damaged",
            Problem::PdfDamaged => "pdf_damaged",
            Problem::PdfEncrypted => "pdf_encrypted",
            Problem::DocxDamaged => "docx_damaged",
        }
    }

    /// The reason and the advice, for the person who chose the file.
    pub fn text(&self, file: &str) -> Text {
        match self {
            Problem::Empty => Text::new(
                format!("Файл «{file}» пустой. Выберите файл с содержимым."),
                format!("The file “{file}” is empty. Choose a file with content."),
            ),
            Problem::UnknownType => Text::new(
                format!(
                    "Файл «{file}» не PDF, JPEG, PNG или DOCX (проверяется содержимое, а не имя). Сохраните скан в одном из этих форматов."
                ),
                format!(
                    "The file “{file}” is not a PDF, JPEG, PNG or DOCX (its content is checked, not its name). Save the scan in one of these formats."
                ),
            ),
            Problem::TooLarge { limit_mb } => Text::new(
                format!(
                    "Файл «{file}» больше {limit_mb} МБ — предела для этого вида документа. Отсканируйте с разрешением 200–300 точек на дюйм или сожмите PDF."
                ),
                format!(
                    "The file “{file}” is larger than {limit_mb} MB, the limit for this kind of document. Scan at 200–300 dpi or compress the PDF."
                ),
            ),
            Problem::ImageTooSmall { width, height } => Text::new(
                format!(
                    "Изображение «{file}» слишком маленькое ({width}×{height} точек): текст не прочитать. Нужно не меньше {MIN_SIDE}×{MIN_SIDE}; отсканируйте или сфотографируйте документ крупнее."
                ),
                format!(
                    "The image “{file}” is too small ({width}×{height} pixels) to read. It needs at least {MIN_SIDE}×{MIN_SIDE}; scan or photograph the document larger."
                ),
            ),
            Problem::ImageTooManyPixels { width, height } => Text::new(
                format!(
                    "Изображение «{file}» ({width}×{height} точек) слишком большое по числу точек. Уменьшите его до 100 мегапикселей или сохраните в PDF."
                ),
                format!(
                    "The image “{file}” ({width}×{height} pixels) has too many pixels. Reduce it below 100 megapixels or save it as a PDF."
                ),
            ),
            Problem::ImageDamaged => Text::new(
                format!(
                    "Изображение «{file}» повреждено или загружено не полностью. Сохраните его заново и загрузите ещё раз."
                ),
                format!(
                    "The image “{file}” is damaged or incomplete. Save it again and upload it once more."
                ),
            ),
            Problem::PdfDamaged => Text::new(
                format!(
                    "PDF «{file}» повреждён или загружен не полностью. Сохраните его заново (например, «Печать → Сохранить как PDF»)."
                ),
                format!(
                    "The PDF “{file}” is damaged or incomplete. Save it again (for example Print → Save as PDF)."
                ),
            ),
            Problem::PdfEncrypted => Text::new(
                format!(
                    "PDF «{file}» защищён паролем или зашифрован. Снимите защиту и загрузите файл снова."
                ),
                format!(
                    "The PDF “{file}” is password-protected or encrypted. Remove the protection and upload it again."
                ),
            ),
            Problem::DocxDamaged => Text::new(
                format!(
                    "Файл «{file}» не является документом Word (DOCX) или повреждён. Сохраните его в Word как .docx или в PDF."
                ),
                format!(
                    "The file “{file}” is not a Word (DOCX) document or is damaged. Save it from Word as .docx or as a PDF."
                ),
            ),
        }
    }
}

/// What the checks learnt about an accepted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub file_type: FileType,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Fed the file's bytes in order; answers as early as it can.
#[derive(Debug)]
pub struct Inspector {
    limit: u64,
    limit_mb: i64,
    size: u64,
    head: Vec<u8>,
    tail: Vec<u8>,
    file_type: Option<FileType>,
}

fn sniff(head: &[u8]) -> Option<Option<FileType>> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if head.len() < 8 {
        return None; // not enough bytes yet
    }
    Some(if head.starts_with(PNG) {
        Some(FileType::Png)
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileType::Jpeg)
    } else if head.starts_with(b"%PDF-") {
        Some(FileType::Pdf)
    } else if head.starts_with(b"PK\x03\x04") {
        Some(FileType::Docx)
    } else {
        None
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn le32(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// PNG: the IHDR chunk comes first and holds the size.
fn png_size(head: &[u8]) -> Option<(u32, u32)> {
    if head.get(12..16)? != b"IHDR" {
        return None;
    }
    Some((be32(head, 16)?, be32(head, 20)?))
}

/// JPEG: walk the segments to the first start-of-frame marker, which holds the size.
fn jpeg_size(head: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        if *head.get(at)? != 0xFF {
            return None;
        }
        let marker = *head.get(at + 1)?;
        if marker == 0xFF {
            at += 1; // fill byte
            continue;
        }
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            return Some((be16(head, at + 7)?, be16(head, at + 5)?));
        }
        if matches!(marker, 0xD8 | 0x01 | 0xD0..=0xD7) {
            at += 2;
            continue;
        }
        at += 2 + be16(head, at + 2)? as usize;
    }
}

/// DOCX: a complete ZIP (its end record found) whose central directory names the Word body.
fn docx_ok(tail: &[u8], size: u64) -> bool {
    let Some(end) = rfind(tail, b"PK\x05\x06") else {
        return false;
    };
    let (Some(dir_size), Some(dir_offset)) = (le32(tail, end + 12), le32(tail, end + 16)) else {
        return false;
    };
    // The directory must sit just before the end record, inside what the tail kept.
    let tail_start = size.saturating_sub(tail.len() as u64);
    let Some(start) = (dir_offset as u64).checked_sub(tail_start) else {
        return false;
    };
    let Some(dir) = tail.get(start as usize..start as usize + dir_size) else {
        return false;
    };
    let mut at = 0;
    let mut names = Vec::new();
    while at + 46 <= dir.len() && dir[at..].starts_with(b"PK\x01\x02") {
        let (Some(name_len), Some(extra), Some(comment)) =
            (le16(dir, at + 28), le16(dir, at + 30), le16(dir, at + 32))
        else {
            return false;
        };
        if let Some(name) = dir.get(at + 46..at + 46 + name_len) {
            names.push(name.to_vec());
        }
        at += 46 + name_len + extra + comment;
    }
    let has = |n: &[u8]| names.iter().any(|x| x == n);
    has(b"[Content_Types].xml") && has(b"word/document.xml")
}

impl Inspector {
    pub fn new(limit_bytes: i64) -> Self {
        Self {
            limit: u64::try_from(limit_bytes).unwrap_or(0),
            limit_mb: limit_bytes / (1024 * 1024),
            size: 0,
            head: Vec::new(),
            tail: Vec::new(),
            file_type: None,
        }
    }

    /// Takes the next bytes; an error means the upload should stop now.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Problem> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(Problem::TooLarge {
                limit_mb: self.limit_mb,
            });
        }
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if self.file_type.is_none()
            && let Some(sniffed) = sniff(&self.head)
        {
            self.file_type = Some(sniffed.ok_or(Problem::UnknownType)?);
        }
        self.tail.extend_from_slice(chunk);
        if self.tail.len() > 2 * TAIL {
            self.tail.drain(..self.tail.len() - TAIL);
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Inspection, Problem> {
        if self.size == 0 {
            return Err(Problem::Empty);
        }
        if self.tail.len() > TAIL {
            self.tail.drain(..self.tail.len() - TAIL);
        }
        let file_type = match self.file_type {
            Some(t) => t,
            None => sniff(&self.head).flatten().ok_or(Problem::UnknownType)?,
        };
        let mut out = Inspection {
            file_type,
            width: None,
            height: None,
        };
        match file_type {
            FileType::Png | FileType::Jpeg => {
                let size = if file_type == FileType::Png {
                    png_size(&self.head)
                } else {
                    jpeg_size(&self.head)
                };
                let (width, height) = size.ok_or(Problem::ImageDamaged)?;
                let complete = if file_type == FileType::Png {
                    self.tail.ends_with(b"IEND\xAE\x42\x60\x82")
                } else {
                    let trimmed =
                        self.tail.len() - self.tail.iter().rev().take_while(|b| **b == 0).count();
                    self.tail[..trimmed].ends_with(&[0xFF, 0xD9])
                };
                if width == 0 || height == 0 || !complete {
                    return Err(Problem::ImageDamaged);
                }
                if u64::from(width) * u64::from(height) > MAX_PIXELS {
                    return Err(Problem::ImageTooManyPixels { width, height });
                }
                if width < MIN_SIDE || height < MIN_SIDE {
                    return Err(Problem::ImageTooSmall { width, height });
                }
                out.width = Some(width);
                out.height = Some(height);
            }
            FileType::Pdf => {
                if rfind(&self.tail, b"%%EOF").is_none()
                    || rfind(&self.tail, b"startxref").is_none()
                {
                    return Err(Problem::PdfDamaged);
                }
                if find(&self.tail, b"/Encrypt").is_some()
                    || find(&self.head, b"/Encrypt").is_some()
                {
                    return Err(Problem::PdfEncrypted);
                }
            }
            FileType::Docx => {
                if !docx_ok(&self.tail, self.size) {
                    return Err(Problem::DocxDamaged);
                }
            }
        }
        Ok(out)
    }
}

pub mod samples {
    //! Small valid files, made here, for the tests (of this module and the integration tests).

    /// A PNG header of the given size followed by an IEND chunk (pixel data is not checked).
    pub fn png(width: u32, height: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.extend_from_slice(&13u32.to_be_bytes());
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&width.to_be_bytes());
        v.extend_from_slice(&height.to_be_bytes());
        v.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        v.extend_from_slice(&[0, 0, 0, 0]);
        v.extend_from_slice(b"IEND\xAE\x42\x60\x82");
        v
    }

    pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
        v.extend_from_slice(&height.to_be_bytes());
        v.extend_from_slice(&width.to_be_bytes());
        v.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    pub fn pdf(body: &str) -> Vec<u8> {
        format!("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {body}\ntrailer << /Root 1 0 R >>\nstartxref\n9\n%%EOF\n").into_bytes()
    }

    /// A minimal ZIP with the two entries that make a DOCX (stored, no compression).
    pub fn docx() -> Vec<u8> {
        let names: [&[u8]; 2] = [b"[Content_Types].xml", b"word/document.xml"];
        let mut out = Vec::new();
        let mut central = Vec::new();
        for name in names {
            let offset = out.len() as u32;
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[
                20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ]);
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name);
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[
                20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ]);
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name);
        }
        let dir_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0\x02\0\x02\0");
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&dir_offset.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::samples::*;
    use super::*;

    fn check(bytes: &[u8], limit: i64) -> Result<Inspection, Problem> {
        let mut i = Inspector::new(limit);
        for chunk in bytes.chunks(7) {
            i.feed(chunk)?;
        }
        i.finish()
    }

    const MB5: i64 = 5 * 1024 * 1024;

    #[test]
    fn accepts_the_four_types_by_content() {
        assert_eq!(
            check(&png(1200, 800), MB5).unwrap().file_type,
            FileType::Png
        );
        let j = check(&jpeg(2480, 3508), MB5).unwrap();
        assert_eq!(
            (j.file_type, j.width, j.height),
            (FileType::Jpeg, Some(2480), Some(3508))
        );
        assert_eq!(check(&pdf("скан"), MB5).unwrap().file_type, FileType::Pdf);
        assert_eq!(check(&docx(), MB5).unwrap().file_type, FileType::Docx);
    }

    #[test]
    fn refuses_with_a_reason() {
        assert_eq!(check(b"", MB5), Err(Problem::Empty));
        assert_eq!(
            check(b"MZ\x90\0 this is an exe", MB5),
            Err(Problem::UnknownType)
        );
        assert_eq!(check(b"GIF89a......", MB5), Err(Problem::UnknownType));
        assert_eq!(
            check(&png(200, 1000), MB5),
            Err(Problem::ImageTooSmall {
                width: 200,
                height: 1000
            })
        );
        assert_eq!(
            check(&png(20000, 20000), MB5),
            Err(Problem::ImageTooManyPixels {
                width: 20000,
                height: 20000
            })
        );
        let cut = png(1000, 1000);
        assert_eq!(
            check(&cut[..cut.len() - 4], MB5),
            Err(Problem::ImageDamaged)
        );
        let cut = jpeg(1000, 1000);
        assert_eq!(
            check(&cut[..cut.len() - 2], MB5),
            Err(Problem::ImageDamaged)
        );
        let p = pdf("x");
        assert_eq!(check(&p[..p.len() - 8], MB5), Err(Problem::PdfDamaged));
        let enc = pdf("x")
            .into_iter()
            .chain(
                b"trailer << /Encrypt 5 0 R >>\nstartxref\n1\n%%EOF"
                    .iter()
                    .copied(),
            )
            .collect::<Vec<_>>();
        assert_eq!(check(&enc, MB5), Err(Problem::PdfEncrypted));
        // A ZIP that is not a Word document.
        let mut zip = docx();
        let at = rfind(&zip, b"word/document.xml").unwrap();
        zip[at] = b'x';
        assert_eq!(check(&zip, MB5), Err(Problem::DocxDamaged));
        assert_eq!(
            check(&pdf(&"x".repeat(2000)), 1000),
            Err(Problem::TooLarge { limit_mb: 0 })
        );
    }

    #[test]
    fn the_type_is_refused_as_soon_as_the_first_bytes_arrive() {
        let mut i = Inspector::new(MB5);
        assert_eq!(i.feed(b"<html><body>"), Err(Problem::UnknownType));
    }

    #[test]
    fn every_problem_reads_in_both_languages_with_the_file_name() {
        for p in [
            Problem::Empty,
            Problem::UnknownType,
            Problem::TooLarge { limit_mb: 5 },
            Problem::PdfEncrypted,
        ] {
            let t = p.text("скан.pdf");
            assert!(t.ru.contains("скан.pdf") && t.en.contains("скан.pdf"));
        }
    }
}
