//! The deployment examples under `deploy/` (all but `grafana/` and `prometheus/`, which tests/alerting_files.rs
//! covers) and `docs/deploy.md`. No JVM and no Docker: each example is checked for what would break it where it
//! runs.
//!
//! - YAML parses; a Dockerfile is only instructions and their continuations; a systemd drop-in only sets
//!   `Environment=` under `[Service]`; a properties file is only `key=value` lines.
//! - Every `OTEL_*` variable and every `otel.*` key named is a setting src/config/mod.rs reads (read from its source).
//! - The jar a Dockerfile copies is the one scripts/dist.sh writes, with Cargo.toml's version, and it lands at
//!   `/opt/connect-otel/connect-otel-agent.jar`; every `-javaagent:` of the same example points there. A wrong
//!   path is the one mistake the agent cannot soften: the JVM refuses to start.
//! - The Strimzi manifest is a `kafka.strimzi.io/v1` `KafkaConnect` with the agent's environment in
//!   `spec.template.connectContainer.env`, in the forms Strimzi passes on, and a `/tmp` big enough for the
//!   library; the compose file builds an example Dockerfile and sets what its image needs to start.
//! - docs/deploy.md names only files that exist under `deploy/`, and names every example.
//!
//! Each check is a function that returns its problems; `each_check_rejects_a_broken_example` gives every one of
//! them a broken input, so none of them can pass by accident.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use connect_otel::reference::{env_name, GROUP_NAMES};
use serde_yaml_ng::Value;

/// Where every example installs the agent (docs/deploy.md says why one fixed path).
const AGENT_JAR: &str = "/opt/connect-otel/connect-otel-agent.jar";
const CHECKED_ELSEWHERE: &[&str] = &["grafana", "prometheus"];
const EXAMPLE_FOLDERS: &[&str] = &["strimzi", "cp-kafka-connect", "apache-kafka", "systemd"];
const DOCS: &str = "docs/deploy.md";

const DOCKERFILE_INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Fields Strimzi's `v1` KafkaConnect schema requires in `spec` (Strimzi 1.x CRD).
const STRIMZI_V1_REQUIRED: &[&str] = &[
    "replicas",
    "bootstrapServers",
    "groupId",
    "configStorageTopic",
    "statusStorageTopic",
    "offsetStorageTopic",
];

/// Variables cp-kafka-connect's start script (`/etc/confluent/docker/configure`) refuses to start without.
const CP_CONNECT_REQUIRED: &[&str] = &[
    "CONNECT_BOOTSTRAP_SERVERS",
    "CONNECT_GROUP_ID",
    "CONNECT_CONFIG_STORAGE_TOPIC",
    "CONNECT_OFFSET_STORAGE_TOPIC",
    "CONNECT_STATUS_STORAGE_TOPIC",
    "CONNECT_KEY_CONVERTER",
    "CONNECT_VALUE_CONVERTER",
    "CONNECT_REST_ADVERTISED_HOST_NAME",
];

const MIB: u64 = 1024 * 1024;
/// Strimzi's default `/tmp` size, which its own files (certificates, the worker configuration) are sized for.
const STRIMZI_DEFAULT_TMP: u64 = 5 * MIB;
/// Used when no library is built yet (the libraries are 5.7-6.3 MiB).
const LIBRARY_SIZE_WITHOUT_A_BUILD: u64 = 7 * MIB;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    let path = root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    entries
}

/// Every example file under `deploy/`, relative to the repository root (`deploy/strimzi/Dockerfile`).
fn examples() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for p in sorted_entries(dir) {
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    for p in sorted_entries(&root().join("deploy")) {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if p.is_dir() && !CHECKED_ELSEWHERE.contains(&name) {
            walk(&p, &mut files);
        } else if !p.is_dir() {
            files.push(p);
        }
    }
    files
        .iter()
        .map(|p| {
            p.strip_prefix(root())
                .expect("under the root")
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Yaml,
    Dockerfile,
    SystemdDropIn,
    Properties,
}

fn kind(path: &str) -> Option<Kind> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == "Dockerfile" || name.ends_with(".Dockerfile") {
        Some(Kind::Dockerfile)
    } else if name.ends_with(".yaml") || name.ends_with(".yml") {
        Some(Kind::Yaml)
    } else if name.ends_with(".conf") {
        Some(Kind::SystemdDropIn)
    } else if name.ends_with(".properties") {
        Some(Kind::Properties)
    } else {
        None
    }
}

fn examples_of(k: Kind) -> Vec<String> {
    examples().into_iter().filter(|p| kind(p) == Some(k)).collect()
}

fn folder(path: &str) -> &str {
    path.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("")
}

fn version() -> String {
    let cargo = read("Cargo.toml");
    let package = cargo.split("[package]").nth(1).expect("Cargo.toml has [package]");
    let package = package.split("\n[").next().unwrap_or(package);
    package
        .lines()
        .find_map(|l| l.trim().strip_prefix("version = \"")?.strip_suffix('"'))
        .expect("[package] version")
        .to_string()
}

fn release_jar_name() -> String {
    format!("connect-otel-agent-{}.jar", version())
}

// ---------------------------------------------------------------------------------------------------------------
// The settings of ours, from src/config/mod.rs.

/// The `"…"` literals of Rust source (no raw strings; the one char literal that matters is `'"'`).
fn string_literals(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\'' && chars.get(i + 1) == Some(&'"') && chars.get(i + 2) == Some(&'\'') {
            i += 3;
        } else if chars[i] == '"' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(&c) = chars.get(i) {
                    s.push(c);
                }
                i += 1;
            }
            out.push(s);
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

/// The literal first arguments of every call `name("…")` in `source`.
fn literal_arguments(source: &str, name: &str) -> BTreeSet<String> {
    let needle = format!("{name}(\"");
    let mut out = BTreeSet::new();
    for (at, _) in source.match_indices(&needle) {
        let before = source[..at].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &source[at + needle.len()..];
        if let Some(end) = rest.find('"') {
            out.insert(rest[..end].to_string());
        }
    }
    out
}

/// Every key src/config/mod.rs reads, canonical (`otel.exporter.otlp.endpoint`): the literals that are whole `otel.*`
/// keys, and its `format!` templates expanded with the signals `exporter("…")` is called with, the per-signal
/// bases `k("…")` is called with and rules::GROUP_NAMES. Only the code before the unit tests counts (they name
/// wrong keys on purpose).
fn known_keys() -> BTreeSet<String> {
    let source = read("src/config/mod.rs");
    let code = source.split("#[cfg(test)]\nmod tests").next().unwrap_or(&source);
    let signals = literal_arguments(code, "exporter");
    let bases = literal_arguments(code, "k");
    let groups: BTreeSet<String> = GROUP_NAMES.iter().map(|g| g.to_string()).collect();
    assert!(
        !signals.is_empty() && !bases.is_empty(),
        "src/config/mod.rs no longer calls exporter(\"…\") / k(\"…\")"
    );
    let key_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' || c == '_';
    let mut keys = BTreeSet::new();
    for literal in string_literals(code) {
        // Messages have spaces; `otel.connect.{}` maps an environment name back to a key and names none itself.
        let message = literal.contains(char::is_whitespace);
        if !literal.starts_with("otel.") || literal.ends_with('.') || literal.contains("{}") || message {
            continue;
        }
        if literal.chars().all(key_char) {
            keys.insert(literal);
            continue;
        }
        let mut expanded = vec![literal.clone()];
        for (placeholder, values) in [
            ("{signal}", &signals),
            ("{base}", &bases),
            ("{group}", &groups),
            ("{g}", &groups),
        ] {
            expanded = expanded
                .into_iter()
                .flat_map(|k| {
                    if k.contains(placeholder) {
                        values.iter().map(|v| k.replace(placeholder, v)).collect()
                    } else {
                        vec![k]
                    }
                })
                .collect();
        }
        for k in expanded {
            assert!(
                k.chars().all(key_char),
                "src/config/mod.rs builds a key from {literal:?}, with a part this test does not know how to fill in"
            );
            keys.insert(k);
        }
    }
    keys
}

/// `OTEL_*` variables and `otel.*` keys (also as `-Dotel.*`) in `text` that are not settings of ours. A name
/// followed by `*` or `<` (`otel.exporter.otlp.metrics.*`) only has to start a setting.
fn unknown_settings(text: &str, keys: &BTreeSet<String>) -> Vec<String> {
    let envs: BTreeSet<String> = keys.iter().map(|k| env_name(k)).collect();
    let mut problems = Vec::new();
    // `separator` ends a sentence or a prefix (`otel.exporter.otlp.metrics.*`), never a name.
    let mut check = |token: &str, separator: char, next: Option<char>, known: &BTreeSet<String>| {
        let name = token.trim_end_matches(separator);
        let ok = if matches!(next, Some('*') | Some('<')) {
            known.iter().any(|k| k.starts_with(token))
        } else {
            known.contains(name)
        };
        if !ok {
            problems.push(format!("{name} is not a setting of connect-otel (src/config/mod.rs)"));
        }
    };
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices("OTEL_") {
        if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
            continue;
        }
        let len = text[at..]
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(text.len() - at);
        check(&text[at..at + len], '_', text[at + len..].chars().next(), &envs);
    }
    for (at, _) in text.match_indices("otel.") {
        let system_property = text[..at].ends_with("-D");
        if at > 0 && !system_property && (bytes[at - 1].is_ascii_alphanumeric() || b"._-/".contains(&bytes[at - 1])) {
            continue;
        }
        let len = text[at..]
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' || c == '_'))
            .unwrap_or(text.len() - at);
        check(&text[at..at + len], '.', text[at + len..].chars().next(), keys);
    }
    problems
}

// ---------------------------------------------------------------------------------------------------------------
// Syntax.

fn yaml_problems(text: &str) -> Vec<String> {
    match serde_yaml_ng::from_str::<Value>(text) {
        Ok(_) => Vec::new(),
        Err(e) => vec![format!("not YAML: {e}")],
    }
}

struct Instruction {
    line: usize,
    keyword: String,
    args: String,
}

/// A Dockerfile's instructions with their continuations joined, or what is not an instruction. Comment lines
/// inside a continuation are skipped, as Docker does.
fn dockerfile(text: &str) -> Result<Vec<Instruction>, Vec<String>> {
    let mut instructions: Vec<Instruction> = Vec::new();
    let mut problems = Vec::new();
    let mut continued = false;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') || (line.is_empty() && !continued) {
            continue;
        }
        let (body, continues) = match line.strip_suffix('\\') {
            Some(body) => (body.trim_end(), true),
            None => (line, false),
        };
        if continued {
            if let Some(last) = instructions.last_mut() {
                last.args.push(' ');
                last.args.push_str(body);
            }
        } else {
            let (keyword, args) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
            if !DOCKERFILE_INSTRUCTIONS.contains(&keyword) {
                problems.push(format!("line {}: {keyword:?} is not a Dockerfile instruction", n + 1));
            }
            if args.contains("<<") {
                problems.push(format!("line {}: here-documents are beyond this check", n + 1));
            }
            instructions.push(Instruction {
                line: n + 1,
                keyword: keyword.to_string(),
                args: args.trim().to_string(),
            });
        }
        continued = continues;
    }
    if continued {
        problems.push("the last instruction ends with a continuation".into());
    }
    match instructions.iter().find(|i| i.keyword != "ARG") {
        Some(first) if first.keyword == "FROM" => {}
        Some(first) => problems.push(format!(
            "line {}: the first instruction after ARG is not FROM",
            first.line
        )),
        None => problems.push("no FROM".into()),
    }
    if problems.is_empty() {
        Ok(instructions)
    } else {
        Err(problems)
    }
}

fn dockerfile_problems(text: &str) -> Vec<String> {
    dockerfile(text).err().unwrap_or_default()
}

/// `COPY`/`ADD` sources and destination, in the shell form or the JSON form, options left out.
fn copy_paths(args: &str) -> (Vec<String>, String) {
    let mut words: Vec<String> = if args.trim_start().starts_with('[') {
        args.trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|w| w.trim().trim_matches('"').to_string())
            .collect()
    } else {
        args.split_whitespace()
            .filter(|w| !w.starts_with("--"))
            .map(str::to_string)
            .collect()
    };
    let destination = words.pop().unwrap_or_default();
    (words, destination)
}

/// `(source, destination)` of every `COPY`/`ADD` of the agent jar.
fn agent_copies(instructions: &[Instruction]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in instructions
        .iter()
        .filter(|i| i.keyword == "COPY" || i.keyword == "ADD")
    {
        let (sources, destination) = copy_paths(&i.args);
        for s in sources {
            if s.rsplit('/').next().unwrap_or(&s).starts_with("connect-otel-agent") {
                out.push((s, destination.clone()));
            }
        }
    }
    out
}

fn systemd_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut section = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            section = Some(line.to_string());
            if line != "[Service]" {
                problems.push(format!(
                    "line {}: section {line}: the agent only needs [Service]",
                    n + 1
                ));
            }
            continue;
        }
        if section.is_none() {
            problems.push(format!("line {}: outside any section", n + 1));
        }
        match line.split_once('=') {
            Some(("Environment", value)) => {
                let assignment = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                let name = assignment.and_then(|a| a.split_once('=')).map(|(name, _)| name);
                if !name.is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
                    problems.push(format!("line {}: not Environment=\"NAME=value\"", n + 1));
                }
            }
            _ => problems.push(format!("line {}: only Environment= is expected, found {line:?}", n + 1)),
        }
    }
    if section.is_none() {
        problems.push("no [Service] section".into());
    }
    problems
}

fn properties_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        match line.split_once('=') {
            Some((key, _)) if !key.trim().is_empty() && !key.contains(char::is_whitespace) => {}
            _ => problems.push(format!("line {}: not key=value: {line:?}", n + 1)),
        }
    }
    problems
}

fn syntax_problems(path: &str, text: &str) -> Vec<String> {
    match kind(path) {
        Some(Kind::Yaml) => yaml_problems(text),
        Some(Kind::Dockerfile) => dockerfile_problems(text),
        Some(Kind::SystemdDropIn) => systemd_problems(text),
        Some(Kind::Properties) => properties_problems(text),
        None => vec!["a kind of file this test does not check".into()],
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The jar and where it goes.

/// The jar of every `-javaagent:` in `text`: up to `=` (the agent arguments), whitespace, a quote or a backtick.
fn javaagent_paths(text: &str) -> Vec<String> {
    text.match_indices("-javaagent:")
        .map(|(at, m)| {
            let rest = &text[at + m.len()..];
            let end = rest
                .find(|c: char| c == '=' || c == '"' || c == '\'' || c == '`' || c.is_whitespace())
                .unwrap_or(rest.len());
            rest[..end].to_string()
        })
        .collect()
}

/// A Dockerfile's agent copies must take the jar scripts/dist.sh writes and put it at [`AGENT_JAR`].
fn release_jar_problems(dockerfile_text: &str, jar_name: &str) -> Vec<String> {
    let Ok(instructions) = dockerfile(dockerfile_text) else {
        return vec!["not a Dockerfile".into()];
    };
    let copies = agent_copies(&instructions);
    if copies.is_empty() {
        return vec!["copies no connect-otel-agent jar".into()];
    }
    let mut problems = Vec::new();
    for (source, destination) in copies {
        if source.rsplit('/').next() != Some(jar_name) {
            problems.push(format!("copies {source}, but scripts/dist.sh writes {jar_name}"));
        }
        if destination != AGENT_JAR {
            problems.push(format!("puts the jar at {destination}, not {AGENT_JAR}"));
        }
    }
    problems
}

/// Within one example folder (`files` as `(path, text)`): every `-javaagent:` names the path the folder's
/// Dockerfile copies the jar to ([`AGENT_JAR`] where no Dockerfile does: the jar is installed by hand there), and a
/// folder whose Dockerfile copies the jar attaches it somewhere.
fn javaagent_problems(files: &[(String, String)]) -> Vec<String> {
    let mut copied_to = BTreeSet::new();
    for (path, text) in files {
        if kind(path) == Some(Kind::Dockerfile) {
            if let Ok(instructions) = dockerfile(text) {
                copied_to.extend(agent_copies(&instructions).into_iter().map(|(_, d)| d));
            }
        }
    }
    let expected = if copied_to.is_empty() {
        BTreeSet::from([AGENT_JAR.to_string()])
    } else {
        copied_to.clone()
    };
    let mut problems = Vec::new();
    let mut attached = false;
    for (path, text) in files {
        for jar in javaagent_paths(text) {
            attached = true;
            if !expected.contains(&jar) {
                problems.push(format!("{path}: -javaagent:{jar}, but the jar is at {expected:?}"));
            }
        }
    }
    if !attached {
        problems.push("no -javaagent: in the example".into());
    }
    problems
}

// ---------------------------------------------------------------------------------------------------------------
// Strimzi and compose.

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

/// A Kubernetes quantity in bytes (`16Mi`, `20M`, `5242880`).
fn quantity(q: &str) -> Option<u64> {
    let units: [(&str, u64); 6] = [
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("K", 1000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
    ];
    for (suffix, factor) in units {
        if let Some(n) = q.strip_suffix(suffix) {
            return n.parse::<u64>().ok().map(|n| n * factor);
        }
    }
    q.parse().ok()
}

/// Paths (`spec.template.connectContainer.env`) of every list item named `KAFKA_OPTS` or `OTEL_*`.
fn agent_env_locations(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Mapping(m) => {
            if let Some(Value::String(name)) = m.get("name") {
                if name == "KAFKA_OPTS" || name.starts_with("OTEL_") {
                    out.push(path.to_string());
                }
            }
            for (k, child) in m {
                let key = k.as_str().unwrap_or("?");
                agent_env_locations(child, &format!("{path}.{key}"), out);
            }
        }
        Value::Sequence(items) => {
            for item in items {
                agent_env_locations(item, path, out);
            }
        }
        _ => {}
    }
}

/// The Strimzi `KafkaConnect` against what Strimzi 1.x accepts and passes on, `from_image` being the `FROM` of the
/// example's Dockerfile and `tmp_needed` the `/tmp` the agent and Strimzi need together.
fn strimzi_problems(manifest: &str, from_image: &str, tmp_needed: u64) -> Vec<String> {
    let doc: Value = match serde_yaml_ng::from_str(manifest) {
        Ok(v) => v,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    let mut problems = Vec::new();
    let text = |path: &[&str]| get(&doc, path).and_then(Value::as_str).map(str::to_string);
    if text(&["apiVersion"]).as_deref() != Some("kafka.strimzi.io/v1") {
        problems.push(format!(
            "apiVersion {:?}: Strimzi 1.x serves kafka.strimzi.io/v1 only",
            text(&["apiVersion"])
        ));
    }
    if text(&["kind"]).as_deref() != Some("KafkaConnect") {
        problems.push(format!("kind {:?}, not KafkaConnect", text(&["kind"])));
    }
    for field in STRIMZI_V1_REQUIRED {
        if get(&doc, &["spec", field]).is_none() {
            problems.push(format!("spec.{field} is required in v1"));
        }
    }
    if text(&["spec", "image"]).is_none() {
        problems.push("no spec.image: Strimzi's own image has no agent jar".into());
    }
    // Strimzi runs the image with the Kafka version spec.version names; they must agree.
    let image_kafka = from_image.rsplit_once("-kafka-").map(|(_, v)| v.to_string());
    if !from_image.starts_with("quay.io/strimzi/kafka:") || image_kafka.is_none() {
        problems.push(format!(
            "the Dockerfile starts from {from_image}, not a quay.io/strimzi/kafka:<strimzi>-kafka-<kafka> image"
        ));
    } else if text(&["spec", "version"]) != image_kafka {
        problems.push(format!(
            "spec.version is not the image's Kafka {}",
            image_kafka.unwrap_or_default()
        ));
    }

    let env = get(&doc, &["spec", "template", "connectContainer", "env"]).and_then(Value::as_sequence);
    let Some(env) = env else {
        problems.push("no spec.template.connectContainer.env list".into());
        return problems;
    };
    let mut names = Vec::new();
    for item in env {
        let name = item.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        // Strimzi ignores, with a warning, a variable it sets itself.
        if name.starts_with("STRIMZI_") || name == "KAFKA_HEAP_OPTS" || name == "KAFKA_JVM_PERFORMANCE_OPTS" {
            problems.push(format!("env {name} is set by Strimzi; it would be ignored"));
        }
        match (item.get("value"), item.get("valueFrom")) {
            (Some(Value::String(_)), None) => {}
            (None, Some(Value::Mapping(from)))
                if from.len() == 1 && (from.contains_key("secretKeyRef") || from.contains_key("configMapKeyRef")) => {}
            _ => problems.push(format!(
                "env {name:?}: Strimzi takes a string value or valueFrom with secretKeyRef or configMapKeyRef only"
            )),
        }
        names.push(name);
    }
    match env
        .iter()
        .find(|i| i.get("name").and_then(Value::as_str) == Some("KAFKA_OPTS"))
    {
        Some(opts)
            if opts
                .get("value")
                .and_then(Value::as_str)
                .is_some_and(|v| v.contains("-javaagent:")) => {}
        _ => problems.push("no KAFKA_OPTS with -javaagent: in spec.template.connectContainer.env".into()),
    }
    if !names.iter().any(|n| n == "OTEL_EXPORTER_OTLP_ENDPOINT") {
        problems.push("no OTEL_EXPORTER_OTLP_ENDPOINT: the agent would send to localhost".into());
    }
    let mut locations = Vec::new();
    agent_env_locations(&doc, "", &mut locations);
    for l in locations.iter().filter(|l| *l != ".spec.template.connectContainer.env") {
        problems.push(format!(
            "agent variable at {l}: only spec.template.connectContainer.env reaches the worker"
        ));
    }

    match text(&["spec", "template", "pod", "tmpDirSizeLimit"])
        .as_deref()
        .and_then(quantity)
    {
        Some(bytes) if bytes >= tmp_needed => {}
        got => problems.push(format!(
            "spec.template.pod.tmpDirSizeLimit {got:?} bytes: the agent's library and Strimzi's files need {tmp_needed}"
        )),
    }
    problems
}

/// The `/tmp` a Strimzi pod needs with the agent: Strimzi's default plus the largest built library.
fn strimzi_tmp_needed() -> u64 {
    let native = root().join("build/native");
    let largest = native
        .read_dir()
        .into_iter()
        .flatten()
        .filter_map(|e| std::fs::metadata(e.ok()?.path().join("libconnect_otel.so")).ok())
        .map(|m| m.len())
        .max();
    STRIMZI_DEFAULT_TMP
        + largest.unwrap_or_else(|| {
            eprintln!("no build/native/*/libconnect_otel.so; assuming a {LIBRARY_SIZE_WITHOUT_A_BUILD}-byte library");
            LIBRARY_SIZE_WITHOUT_A_BUILD
        })
}

fn from_image(dockerfile_text: &str) -> String {
    let instructions = dockerfile(dockerfile_text).unwrap_or_default();
    let args: Vec<(String, String)> = instructions
        .iter()
        .filter(|i| i.keyword == "ARG")
        .filter_map(|i| i.args.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    let mut image = instructions
        .iter()
        .find(|i| i.keyword == "FROM")
        .map(|i| i.args.split_whitespace().next().unwrap_or_default().to_string())
        .unwrap_or_default();
    for (k, v) in args {
        image = image.replace(&format!("${{{k}}}"), &v);
    }
    image
}

/// Each compose service built from a Dockerfile: the Dockerfile exists, and one from cp-kafka-connect gets the
/// variables its start script insists on. `dir` is the compose file's folder (relative to the root).
fn compose_problems(compose: &str, dir: &str) -> Vec<String> {
    let doc: Value = match serde_yaml_ng::from_str(compose) {
        Ok(v) => v,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    let mut problems = Vec::new();
    let Some(services) = doc.get("services").and_then(Value::as_mapping) else {
        return vec!["no services".into()];
    };
    for (name, service) in services {
        let name = name.as_str().unwrap_or("?");
        let Some(build) = service.get("build") else { continue };
        let context = build.get("context").and_then(Value::as_str).unwrap_or(".");
        let file = build.get("dockerfile").and_then(Value::as_str).unwrap_or("Dockerfile");
        let dockerfile_path = root().join(dir).join(context).join(file);
        let Ok(dockerfile_text) = std::fs::read_to_string(&dockerfile_path) else {
            problems.push(format!(
                "service {name}: no Dockerfile at {}",
                dockerfile_path.display()
            ));
            continue;
        };
        let env: BTreeSet<String> = match service.get("environment") {
            Some(Value::Mapping(m)) => m.keys().filter_map(|k| k.as_str().map(str::to_string)).collect(),
            Some(Value::Sequence(items)) => items
                .iter()
                .filter_map(|i| i.as_str()?.split('=').next().map(str::to_string))
                .collect(),
            _ => BTreeSet::new(),
        };
        if from_image(&dockerfile_text).starts_with("confluentinc/cp-kafka-connect:") {
            for required in CP_CONNECT_REQUIRED.iter().filter(|r| !env.contains(**r)) {
                problems.push(format!(
                    "service {name}: no {required}; cp-kafka-connect does not start without it"
                ));
            }
        }
        if !env.contains("KAFKA_OPTS") {
            problems.push(format!("service {name}: no KAFKA_OPTS"));
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------------------------
// The docs.

/// `deploy/…` paths docs/deploy.md names that do not exist, examples it does not name, another jar path than
/// [`AGENT_JAR`], release files of another version.
fn docs_problems(version: &str, docs: &str, examples: &[String], exists: impl Fn(&str) -> bool) -> Vec<String> {
    let mut problems = Vec::new();
    for (at, _) in docs.match_indices("deploy/") {
        if at > 0 && (docs.as_bytes()[at - 1].is_ascii_alphanumeric() || b"/._-".contains(&docs.as_bytes()[at - 1])) {
            continue;
        }
        let rest = &docs[at..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "._/-".contains(c)))
            .unwrap_or(rest.len());
        let named = rest[..end].trim_end_matches(['.', '/']);
        if !exists(named) {
            problems.push(format!("{DOCS} names {named}, which does not exist"));
        }
    }
    for e in examples.iter().filter(|e| !docs.contains(e.as_str())) {
        problems.push(format!("{DOCS} does not name {e}"));
    }
    // Prose names the option alone (`-javaagent:`); a `<placeholder>` is a path to fill in.
    for jar in javaagent_paths(docs)
        .into_iter()
        .filter(|j| !j.is_empty() && j != AGENT_JAR && !j.contains('<'))
    {
        problems.push(format!("{DOCS}: -javaagent:{jar}, not {AGENT_JAR}"));
    }
    for artifact in ["connect-otel-agent-", "connect-otel-api-"] {
        for (at, m) in docs.match_indices(artifact) {
            let rest = &docs[at + m.len()..];
            let named = rest.split(".jar").next().unwrap_or_default();
            let named = named.split(".pom").next().unwrap_or_default();
            if !named.starts_with('<') && named != version {
                problems.push(format!("{DOCS} names {artifact}{named}, but the version is {version}"));
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------------------------

fn assert_none(what: &str, problems: Vec<String>) {
    assert!(problems.is_empty(), "{what}:\n  {}", problems.join("\n  "));
}

#[test]
fn every_example_is_a_kind_this_test_checks() {
    let examples = examples();
    for f in EXAMPLE_FOLDERS {
        assert!(
            examples.iter().any(|e| e.starts_with(&format!("deploy/{f}/"))),
            "no example in deploy/{f}/"
        );
    }
    let unchecked: Vec<&String> = examples.iter().filter(|e| kind(e).is_none()).collect();
    assert!(
        unchecked.is_empty(),
        "files under deploy/ this test does not check: {unchecked:?}"
    );
}

#[test]
fn every_example_is_well_formed() {
    let mut problems = Vec::new();
    for path in examples() {
        problems.extend(
            syntax_problems(&path, &read(&path))
                .into_iter()
                .map(|p| format!("{path}: {p}")),
        );
    }
    assert_none("malformed examples", problems);
}

#[test]
fn known_keys_come_from_config_rs() {
    let keys = known_keys();
    // One of each way config.rs names a key: a literal, a per-signal template, a group switch.
    for k in [
        "otel.exporter.otlp.endpoint",
        "otel.exporter.otlp.logs.headers",
        "otel.connect.metrics.task-error.enabled",
    ] {
        assert!(keys.contains(k), "{k} not found in src/config/mod.rs; found {keys:?}");
    }
}

#[test]
fn every_otel_name_is_a_setting_of_ours() {
    let keys = known_keys();
    let mut problems = Vec::new();
    for path in examples().into_iter().chain([DOCS.to_string()]) {
        problems.extend(
            unknown_settings(&read(&path), &keys)
                .into_iter()
                .map(|p| format!("{path}: {p}")),
        );
    }
    assert_none("names that are not settings", problems);
}

#[test]
fn dockerfiles_copy_the_release_jar_to_the_agent_path() {
    // The name the examples copy is the one the release command writes.
    let dist = read("scripts/dist.sh");
    assert!(
        dist.contains("\"dist/connect-otel-agent-$version.jar\""),
        "scripts/dist.sh no longer writes dist/connect-otel-agent-$version.jar"
    );
    let jar = release_jar_name();
    let mut problems = Vec::new();
    for path in examples_of(Kind::Dockerfile) {
        problems.extend(
            release_jar_problems(&read(&path), &jar)
                .into_iter()
                .map(|p| format!("{path}: {p}")),
        );
    }
    assert_none("Dockerfiles", problems);
}

#[test]
fn every_javaagent_path_is_where_its_example_puts_the_jar() {
    let examples = examples();
    let folders: BTreeSet<&str> = examples.iter().map(|e| folder(e)).collect();
    let mut problems = Vec::new();
    for f in folders {
        let files: Vec<(String, String)> = examples
            .iter()
            .filter(|e| folder(e) == f)
            .map(|e| (e.clone(), read(e)))
            .collect();
        problems.extend(javaagent_problems(&files).into_iter().map(|p| format!("{f}: {p}")));
    }
    assert_none("-javaagent paths", problems);
}

#[test]
fn strimzi_manifest_is_a_v1_kafka_connect_with_the_agent_in_the_connect_container() {
    let from = from_image(&read("deploy/strimzi/Dockerfile"));
    assert_none(
        "deploy/strimzi/kafka-connect.yaml",
        strimzi_problems(&read("deploy/strimzi/kafka-connect.yaml"), &from, strimzi_tmp_needed()),
    );
}

#[test]
fn compose_services_build_an_example_and_set_what_their_image_needs() {
    let mut problems = Vec::new();
    for path in examples_of(Kind::Yaml).into_iter().filter(|p| p.contains("compose")) {
        problems.extend(
            compose_problems(&read(&path), folder(&path))
                .into_iter()
                .map(|p| format!("{path}: {p}")),
        );
    }
    assert_none("compose files", problems);
}

#[test]
fn docs_name_only_existing_examples_and_every_one_of_them() {
    let exists = |p: &str| root().join(p).exists();
    assert_none(DOCS, docs_problems(&version(), &read(DOCS), &examples(), exists));
}

#[test]
fn each_check_rejects_a_broken_example() {
    let keys = known_keys();
    let jar = release_jar_name();
    let broken = |what: &str, problems: Vec<String>| assert!(!problems.is_empty(), "{what} passed");

    broken("YAML with a tab indent", yaml_problems("a:\n\tb: 1\n"));
    broken(
        "an unknown Dockerfile instruction",
        dockerfile_problems("FROM x\nCOPPY a /b\n"),
    );
    broken(
        "a Dockerfile ending in a continuation",
        dockerfile_problems("FROM x\nRUN true \\\n"),
    );
    broken("a Dockerfile without FROM", dockerfile_problems("COPY a /b\n"));
    assert!(dockerfile_problems("ARG V=1\nFROM x:${V}\nRUN a \\\n  # note\n  b\n").is_empty());
    broken(
        "a drop-in outside [Service]",
        systemd_problems("[Unit]\nEnvironment=\"A=b\"\n"),
    );
    broken(
        "a drop-in with ExecStart",
        systemd_problems("[Service]\nExecStart=/bin/true\n"),
    );
    broken(
        "an unquoted Environment",
        systemd_problems("[Service]\nEnvironment=A\n"),
    );
    broken(
        "a properties line without =",
        properties_problems("bootstrap.servers broker:9092\n"),
    );

    broken(
        "a misspelt variable",
        unknown_settings("OTEL_EXPORTER_OTLP_ENDPONT=http://c:4317", &keys),
    );
    broken(
        "a spec variable we do not read",
        unknown_settings("OTEL_METRICS_EXEMPLAR_FILTER=always_on", &keys),
    );
    broken("a misspelt -D key", unknown_settings("-Dotel.service.nam=x", &keys));
    broken(
        "an unknown group",
        unknown_settings("otel.connect.metrics.kafka.enabled=false", &keys),
    );
    broken("a bad prefix", unknown_settings("`otel.exporter.otlp.metric.*`", &keys));
    assert!(unknown_settings("-Dotel.service.name=x OTEL_EXPORTER_OTLP_TRACES_ENDPOINT `otel.exporter.otlp.metrics.*` OTEL_BSP_* connect-otel.conf otel-collector.ns.svc", &keys).is_empty());

    broken(
        "a jar not from scripts/dist.sh",
        release_jar_problems(
            "FROM x\nCOPY build/connect-otel-agent.jar /opt/connect-otel/connect-otel-agent.jar\n",
            &jar,
        ),
    );
    broken(
        "an old version",
        release_jar_problems(
            "FROM x\nCOPY dist/connect-otel-agent-0.0.9.jar /opt/connect-otel/connect-otel-agent.jar\n",
            &jar,
        ),
    );
    broken(
        "another destination",
        release_jar_problems(&format!("FROM x\nCOPY dist/{jar} /opt/agent.jar\n"), &jar),
    );
    broken("no jar at all", release_jar_problems("FROM x\nRUN true\n", &jar));
    assert!(release_jar_problems(&format!("FROM x\nCOPY --chown=1001 dist/{jar} {AGENT_JAR}\n"), &jar).is_empty());

    let folder = |dockerfile: &str, env: &str| {
        vec![
            ("d/Dockerfile".to_string(), dockerfile.to_string()),
            ("d/c.yaml".to_string(), env.to_string()),
        ]
    };
    broken(
        "-javaagent elsewhere than the COPY",
        javaagent_problems(&folder(
            &format!("FROM x\nCOPY a/{jar} /opt/a.jar\n"),
            "KAFKA_OPTS: -javaagent:/opt/b.jar=otel.service.name=x",
        )),
    );
    broken(
        "a copied jar never attached",
        javaagent_problems(&folder(&format!("FROM x\nCOPY a/{jar} /opt/a.jar\n"), "x: 1")),
    );
    broken(
        "no Dockerfile and not the agent path",
        javaagent_problems(&[("s/a.conf".into(), "-javaagent:/usr/lib/a.jar".into())]),
    );
    assert!(javaagent_problems(&folder(
        &format!("FROM x\nCOPY a/{jar} /opt/a.jar\n"),
        "\"-javaagent:/opt/a.jar\""
    ))
    .is_empty());

    let good = read("deploy/strimzi/kafka-connect.yaml");
    let from = "quay.io/strimzi/kafka:1.2.0-kafka-4.3.1";
    let needed = 12 * MIB;
    assert_none("the Strimzi manifest as given", strimzi_problems(&good, from, needed));
    let strimzi_breaks = [
        (
            "apiVersion: kafka.strimzi.io/v1",
            "apiVersion: kafka.strimzi.io/v1beta2",
        ),
        ("kind: KafkaConnect", "kind: KafkaMirrorMaker2"),
        ("  groupId: connect\n", ""),
        ("  image: ", "  notImage: "),
        ("  version: 4.3.1", "  version: 4.2.0"),
        ("connectContainer:", "initContainer:"),
        ("tmpDirSizeLimit: 16Mi", "tmpDirSizeLimit: 5Mi"),
        ("- name: KAFKA_OPTS", "- name: JAVA_TOOL_OPTIONS"),
        (
            "name: OTEL_EXPORTER_OTLP_ENDPOINT",
            "name: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
        ),
        ("secretKeyRef:", "fieldRef:"),
        (
            "  template:\n",
            "  template:\n    bridgeContainer:\n      env:\n        - name: OTEL_SERVICE_NAME\n          value: x\n",
        ),
        (
            "        - name: OTEL_SERVICE_NAME\n",
            "        - name: STRIMZI_JAVA_OPTS\n          value: x\n        - name: OTEL_SERVICE_NAME\n",
        ),
    ];
    for (from_text, to_text) in strimzi_breaks {
        assert!(
            good.contains(from_text),
            "the Strimzi manifest no longer has {from_text:?}"
        );
        let bad = good.replacen(from_text, to_text, 1);
        broken(
            &format!("Strimzi with {to_text:?}"),
            strimzi_problems(&bad, from, needed),
        );
    }
    broken(
        "Strimzi from another image",
        strimzi_problems(&good, "apache/kafka:4.3.1", needed),
    );

    let compose = read("deploy/cp-kafka-connect/docker-compose.yaml");
    assert_none(
        "the compose file as given",
        compose_problems(&compose, "deploy/cp-kafka-connect"),
    );
    broken(
        "compose without a required variable",
        compose_problems(
            &compose.replace("CONNECT_GROUP_ID", "CONNECT_GROUP"),
            "deploy/cp-kafka-connect",
        ),
    );
    broken(
        "compose without KAFKA_OPTS",
        compose_problems(&compose.replace("KAFKA_OPTS", "JAVA_OPTS"), "deploy/cp-kafka-connect"),
    );
    broken(
        "compose with a missing Dockerfile",
        compose_problems(
            &compose.replace("dockerfile: deploy/", "dockerfile: nowhere/"),
            "deploy/cp-kafka-connect",
        ),
    );

    let exists = |p: &str| p == "deploy/strimzi/Dockerfile";
    let examples = vec!["deploy/strimzi/Dockerfile".to_string()];
    let v = version();
    broken(
        "docs naming a missing file",
        docs_problems(
            &v,
            "see deploy/strimzi/Dockerfile and deploy/k8s/agent.yaml.",
            &examples,
            exists,
        ),
    );
    broken(
        "docs leaving out an example",
        docs_problems(&v, "nothing here", &examples, exists),
    );
    broken(
        "docs with another jar path",
        docs_problems(&v, "deploy/strimzi/Dockerfile -javaagent:/tmp/a.jar", &examples, exists),
    );
    broken(
        "docs naming an old release",
        docs_problems(
            &v,
            "deploy/strimzi/Dockerfile connect-otel-api-0.0.1.pom",
            &examples,
            exists,
        ),
    );
    let fine = format!(
        "`deploy/strimzi/Dockerfile`. The `-javaagent:` option, -javaagent:/opt/kafka/plugins/<p>/<h>.jar, \
         dist/connect-otel-agent-{v}.jar, connect-otel-api-<version>.jar"
    );
    assert_none("fine docs", docs_problems(&v, &fine, &examples, exists));
}
