//! A QR code as inline SVG, drawn on the server so that the setup page needs no script and no
//! image request (the secret never leaves the page it is shown on).

use qrcodegen::{QrCode, QrCodeEcc};

/// The SVG of a QR code for `text`, with a quiet zone of four modules; `None` if the text is too
/// long for a QR code (never for an `otpauth://` link).
pub fn svg(text: &str, title: &str) -> Option<String> {
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = code.size();
    let border = 4;
    let full = size + 2 * border;
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if code.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    let title = escape(title);
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {full} {full}\" width=\"240\" height=\"240\" \
         role=\"img\" aria-labelledby=\"qr-title\" shape-rendering=\"crispEdges\">\
         <title id=\"qr-title\">{title}</title>\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_svg_has_a_title_and_dark_modules() {
        let svg = svg("otpauth://totp/x?secret=ABC", "QR <код>").expect("fits");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<title id=\"qr-title\">QR &lt;код&gt;</title>"));
        assert!(svg.matches('M').count() > 50);
    }
}
