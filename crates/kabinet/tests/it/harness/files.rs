//! What citizens upload and type: a small valid PDF scan, a passport as the API takes it.

pub fn passport_body(api_surname: &str, given: &str) -> serde_json::Value {
    serde_json::json!({
        "kind": "passport_rf",
        "number": "57 20 123456",
        "issuer": "ГУ МВД России по Пермскому краю",
        "issued_on": "2020-06-01",
        "description": "Скан для поездки в командировку",
        "tags": ["личное"],
        "fields": {
            "surname": api_surname, "given_name": given,
            "birth_date": "2006-05-01", "division_code": "590-001"
        }
    })
}

pub fn scan_pdf(words: &str, size: usize) -> Vec<u8> {
    let mut v = format!("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% {words}\n").into_bytes();
    let filler: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
    v.extend_from_slice(b"2 0 obj << /Length ");
    v.extend_from_slice(filler.len().to_string().as_bytes());
    v.extend_from_slice(b" >> stream\n");
    v.extend_from_slice(&filler);
    v.extend_from_slice(b"\nendstream endobj\ntrailer << /Root 1 0 R >>\nstartxref\n9\n%%EOF\n");
    v
}
