//! The agent argument string splits the same way in the library and in the Java shim: both are held to
//! tests/vectors/agent-args.tsv (the Java side in java-shim/src/test/java/…/BootstrapTest.java).

use std::collections::BTreeMap;

use connect_otel::reference::parse_agent_args;

/// `\uXXXX` and `\\` decoded; any other backslash is a mistake in the vector file.
fn unescape(s: &str, line: usize) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = u32::from_str_radix(&hex, 16).unwrap_or_else(|_| panic!("line {line}: bad \\u{hex}"));
                out.push(char::from_u32(code).unwrap_or_else(|| panic!("line {line}: \\u{hex} is no character")));
            }
            other => panic!("line {line}: unknown escape \\{other:?}"),
        }
    }
    out
}

/// (line number, argument string, expected pairs) for every vector.
fn vectors() -> Vec<(usize, String, BTreeMap<String, String>)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/agent-args.tsv");
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let columns: Vec<String> = line.split('\t').map(|c| unescape(c, i + 1)).collect();
        assert!(columns.len() % 2 == 1, "line {}: a key without a value", i + 1);
        let pairs = columns[1..]
            .chunks(2)
            .map(|kv| (kv[0].clone(), kv[1].clone()))
            .collect();
        out.push((i + 1, columns[0].clone(), pairs));
    }
    out
}

#[test]
fn the_library_splits_agent_arguments_as_the_shared_vectors_say() {
    let vectors = vectors();
    assert!(vectors.len() >= 20, "only {} vectors read", vectors.len());
    let wrong: Vec<String> = vectors
        .iter()
        .filter_map(|(line, input, expected)| {
            let got = parse_agent_args(input);
            (got != *expected).then(|| format!("line {line}: {input:?}\n  expected {expected:?}\n  got      {got:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
