//! A readable device and browser from a User-Agent header, for the sign-in history
//! ("Chrome 131 · Windows"). Heuristic by design: the order of checks matters because browsers
//! name their rivals in their own strings.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub device: String,
    pub browser: String,
}

pub fn parse(ua: &str) -> Device {
    Device {
        device: os(ua).to_owned(),
        browser: browser(ua),
    }
}

fn os(ua: &str) -> &'static str {
    if ua.contains("iPhone") {
        "iPhone"
    } else if ua.contains("iPad") {
        "iPad"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        "unknown"
    }
}

fn browser(ua: &str) -> String {
    const ORDER: [(&str, &str); 8] = [
        ("YaBrowser/", "Yandex Browser"),
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("HeadlessChrome/", "Headless Chrome"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
        ("curl/", "curl"),
    ];
    for (marker, name) in ORDER {
        if let Some(rest) = ua.split(marker).nth(1) {
            let major: String = rest.chars().take_while(char::is_ascii_digit).collect();
            return if major.is_empty() {
                name.to_owned()
            } else {
                format!("{name} {major}")
            };
        }
    }
    "unknown".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_are_named() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(
            parse(chrome),
            Device {
                device: "Windows".into(),
                browser: "Chrome 131".into()
            }
        );
        let yandex = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 YaBrowser/24.6.0.0 Safari/537.36";
        assert_eq!(parse(yandex).browser, "Yandex Browser 24");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(
            parse(iphone),
            Device {
                device: "iPhone".into(),
                browser: "Safari 17".into()
            }
        );
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(
            parse(firefox),
            Device {
                device: "Linux".into(),
                browser: "Firefox 128".into()
            }
        );
        assert_eq!(
            parse("something else"),
            Device {
                device: "unknown".into(),
                browser: "unknown".into()
            }
        );
    }
}
