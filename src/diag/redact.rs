//! What a log line may show of a setting's value. Every line the agent writes passes through
//! [`without_userinfo`] (`log.rs`), so a URL's `user:password@` never reaches the worker's log whichever
//! part of the agent (or of a library it uses) formatted it; a configuration problem shows a value through
//! [`shown`], which hides the value of any key that looks secret — misspelt ones included, since the value of
//! an unknown key is echoed so the operator can find it — and shortens long ones.

use std::borrow::Cow;

/// Longest value a line shows whole; longer ones are cut, with their length given.
const SHOWN_CHARS: usize = 120;

/// `value` as a problem line may show it for `key`: quoted, hidden for a secret-looking key, URL userinfo
/// removed, cut past [`SHOWN_CHARS`].
pub fn shown(key: &str, value: &str) -> String {
    if looks_secret(key) {
        return format!("<{} characters, not shown>", value.chars().count());
    }
    let value = without_userinfo(value);
    let count = value.chars().count();
    if count <= SHOWN_CHARS {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(SHOWN_CHARS).collect();
        format!("{head:?}… ({count} characters)")
    }
}

/// Whether a key's value may be a secret: header values, passwords, tokens, keys, credentials — also in
/// forms a typo makes of them (`pasword`, `passwrd`, `secert`, `tokn`).
pub fn looks_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    const PARTS: [&str; 7] = ["pass", "pwd", "secret", "token", "key", "auth", "cred"];
    if PARTS.iter().any(|p| key.contains(p)) || key.contains("header") {
        return true;
    }
    const WORDS: [&str; 5] = ["password", "secret", "token", "credentials", "headers"];
    key.split(['.', '_', '-'])
        .any(|segment| WORDS.iter().any(|w| within_two_edits(segment, w)))
}

/// Levenshtein distance ≤ 2, for the typo forms of a few words (short words only, so it stays cheap).
fn within_two_edits(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 2 || a.len() > 32 || a.len() < 4 {
        return false;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + usize::from(ca != cb));
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()] <= 2
}

/// `text` with the userinfo of every URL in it (`scheme://user:password@host`) replaced by `***`.
pub fn without_userinfo(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        // The authority ends at the first '/', '?', '#' or a character no URL holds unescaped.
        let end = after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | '`' | ',' | ';') || c.is_whitespace()
            })
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(userinfo_end) => {
                out.push_str("***");
                out.push_str(&authority[userinfo_end..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_goes_from_every_url_in_a_line() {
        assert_eq!(
            without_userinfo("GET http://u:p%40ss@h:8083/connectors and https://tok@c:4317 failed"),
            "GET http://***@h:8083/connectors and https://***@c:4317 failed"
        );
        assert_eq!(
            without_userinfo("endpoint \"http://a:b@h\""),
            "endpoint \"http://***@h\""
        );
        assert_eq!(
            without_userinfo("http://h:4317/v1/metrics?x=a@b"),
            "http://h:4317/v1/metrics?x=a@b"
        );
        assert!(matches!(without_userinfo("no url here"), Cow::Borrowed(_)));
    }

    #[test]
    fn secret_looking_keys_and_their_typos() {
        for key in [
            "otel.exporter.otlp.headers",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "otel.connect.rest.password",
            "otel.connect.rest.pasword",
            "otel.connect.rest.passwrd",
            "otel.connect.rest.secert",
            "otel.connect.api.tokn",
            "otel.exporter.otlp.client.key",
            "otel.connect.auth",
        ] {
            assert!(looks_secret(key), "{key}");
        }
        for key in [
            "otel.service.name",
            "otel.metric.export.interval",
            "otel.connect.rest.url",
            "otel.connect.rest.username",
        ] {
            assert!(!looks_secret(key), "{key}");
        }
    }

    #[test]
    fn shown_hides_secrets_strips_userinfo_and_cuts_long_values() {
        assert_eq!(
            shown("otel.connect.rest.pasword", "hunter2"),
            "<7 characters, not shown>"
        );
        assert_eq!(
            shown("otel.exporter.otlp.endpoint", "http://u:pw@c:4317"),
            "\"http://***@c:4317\""
        );
        let long = "x".repeat(100_000);
        let s = shown("otel.service.name", &long);
        assert!(s.len() < 200 && s.ends_with("… (100000 characters)"), "{s}");
    }
}
