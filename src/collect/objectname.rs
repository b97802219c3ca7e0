//! JMX ObjectNames as plain Rust values: parsing (with Kafka's quoted values) and pattern matching.
//!
//! Why our own parser: the MBean reader hands over `ObjectName.getCanonicalName()` strings, and matching,
//! rule lookup and attribute extraction must be testable without a JVM. Kafka quotes a tag value with
//! `ObjectName.quote` when it contains `:`, `,`, `=`, `"`, `*`, `?` (e.g. the default worker client-id
//! `connect-host:8083`), so values are unquoted here exactly as `ObjectName.unquote` would.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectName {
    pub domain: String,
    /// Key properties in the order they were given (canonical names are sorted by key).
    pub properties: Vec<(String, String)>,
}

impl ObjectName {
    /// Parses `domain:key=value,key="quoted, value"`. Returns `None` for anything malformed.
    pub fn parse(s: &str) -> Option<ObjectName> {
        let (domain, rest) = s.split_once(':')?;
        let mut properties = Vec::new();
        let bytes = rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let eq = rest[i..].find('=')? + i;
            let key = &rest[i..eq];
            if key.is_empty() || key.contains(',') {
                return None;
            }
            i = eq + 1;
            let value = if bytes.get(i) == Some(&b'"') {
                let (v, end) = unquote(&rest[i..])?;
                i += end;
                v
            } else {
                let end = rest[i..].find(',').map(|p| p + i).unwrap_or(rest.len());
                let v = rest[i..end].to_string();
                i = end;
                v
            };
            properties.push((key.to_string(), value));
            match bytes.get(i) {
                None => break,
                Some(b',') => i += 1,
                Some(_) => return None,
            }
        }
        if properties.is_empty() {
            return None;
        }
        Some(ObjectName {
            domain: domain.to_string(),
            properties,
        })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.domain)?;
        for (n, (k, v)) in self.properties.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            if v.contains([':', ',', '=', '"', '*', '?', '\n', '\\']) {
                write!(f, "{k}={}", quote(v))?;
            } else {
                write!(f, "{k}={v}")?;
            }
        }
        Ok(())
    }
}

/// `ObjectName.quote`.
pub fn quote(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\\' | '"' | '*' | '?' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads a quoted value at the start of `s`; returns it unquoted and the number of bytes consumed.
fn unquote(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 1)),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                other => out.push(other),
            },
            _ => out.push(c),
        }
    }
    None
}

/// A JMX ObjectName pattern: `*`/`?` globs in the domain and in values, and `,*` for "other keys allowed".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    domain: String,
    properties: Vec<(String, String)>,
    other_keys_allowed: bool,
}

impl Pattern {
    pub fn parse(s: &str) -> Option<Pattern> {
        let (domain, rest) = s.trim().split_once(':')?;
        if domain.is_empty() && rest.is_empty() {
            return None;
        }
        let mut other_keys_allowed = false;
        let mut props = rest.to_string();
        if props == "*" {
            other_keys_allowed = true;
            props.clear();
        } else if let Some(p) = props.strip_suffix(",*") {
            other_keys_allowed = true;
            props = p.to_string();
        }
        let properties = if props.is_empty() {
            Vec::new()
        } else {
            ObjectName::parse(&format!("d:{props}"))?.properties
        };
        if properties.is_empty() && !other_keys_allowed {
            return None;
        }
        Some(Pattern {
            domain: domain.to_string(),
            properties,
            other_keys_allowed,
        })
    }

    pub fn matches(&self, name: &ObjectName) -> bool {
        if !glob(&self.domain, &name.domain) {
            return false;
        }
        if !self.other_keys_allowed && name.properties.len() != self.properties.len() {
            return false;
        }
        self.properties
            .iter()
            .all(|(k, pat)| name.get(k).map(|v| glob(pat, v)).unwrap_or(false))
    }
}

/// `*` any run, `?` one character.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_names_in_order() {
        let n = ObjectName::parse("kafka.connect:type=connector-task-metrics,connector=c1,task=0").unwrap();
        assert_eq!(n.domain, "kafka.connect");
        assert_eq!(n.get("type"), Some("connector-task-metrics"));
        assert_eq!(n.get("connector"), Some("c1"));
        assert_eq!(n.get("task"), Some("0"));
        assert_eq!(n.properties.len(), 3);
    }

    #[test]
    fn unquotes_kafka_quoted_values() {
        // The default distributed worker client-id is quoted because of the ':'.
        let n = ObjectName::parse(r#"kafka.connect:client-id="connect-worker1:8083",type=connect-coordinator-metrics"#)
            .unwrap();
        assert_eq!(n.get("client-id"), Some("connect-worker1:8083"));
        assert_eq!(n.get("type"), Some("connect-coordinator-metrics"));
        // Every character Kafka quotes for, with escapes.
        let n = ObjectName::parse(r#"kafka.connect:connector="a,b=c:d\"e\*f\?g\\h",task=3,type=sink-task-metrics"#)
            .unwrap();
        assert_eq!(n.get("connector"), Some(r#"a,b=c:d"e*f?g\h"#));
        assert_eq!(n.get("task"), Some("3"));
        assert_eq!(n.properties.len(), 3);
    }

    #[test]
    fn quote_round_trips() {
        for v in [
            "plain",
            "a:b",
            r#"x"y"#,
            "star*q?",
            "back\\slash",
            "new\nline",
            "com,ma=eq",
        ] {
            let name = ObjectName {
                domain: "d".into(),
                properties: vec![("k".into(), v.into())],
            };
            let back = ObjectName::parse(&name.to_string()).unwrap();
            assert_eq!(back.get("k"), Some(v), "{}", name);
        }
    }

    #[test]
    fn rejects_malformed_names() {
        for bad in ["no-colon", "d:", "d:k", r#"d:k="unterminated"#, "d:=v", r#"d:k="v"x"#] {
            assert!(ObjectName::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn patterns_match_like_jmx() {
        let n = ObjectName::parse("kafka.connect:type=sink-task-metrics,connector=orders-sink,task=1").unwrap();
        assert!(Pattern::parse("kafka.connect:*").unwrap().matches(&n));
        assert!(Pattern::parse("kafka.*:type=sink-task-metrics,*").unwrap().matches(&n));
        assert!(
            Pattern::parse("kafka.connect:type=sink-task-metrics,connector=orders-*,*")
                .unwrap()
                .matches(&n)
        );
        assert!(!Pattern::parse("kafka.connect:type=sink-task-metrics")
            .unwrap()
            .matches(&n));
        assert!(!Pattern::parse("kafka.connect:type=source-task-metrics,*")
            .unwrap()
            .matches(&n));
        assert!(!Pattern::parse("java.lang:*").unwrap().matches(&n));
        let q = ObjectName::parse(r#"kafka.connect:type=connector-metrics,connector="a:b""#).unwrap();
        assert!(Pattern::parse(r#"kafka.connect:connector="a:b",*"#)
            .unwrap()
            .matches(&q));
        assert!(Pattern::parse("nocolon").is_none());
    }
}
