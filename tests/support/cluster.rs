//! A real Kafka cluster for end-to-end tests: `scripts/kafka-cluster.sh run` (a KRaft broker and distributed
//! Connect workers with the agent, from `-javaagent` or attached once the worker is up), calls to Connect's REST
//! API, and socket inspection.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{http_client, root, temp_dir, TestDir};

pub struct Cluster {
    child: Child,
    /// The script's commands go in here; closing it stops the cluster.
    stdin: Option<ChildStdin>,
    /// Its answers (kept open: the script writes one for each command).
    out: BufReader<ChildStdout>,
    /// The script's directory (configurations, logs, data): this test's own, removed after the script stopped.
    pub dir: PathBuf,
    _dir: TestDir,
    pub broker: String,
    pub workers: Vec<String>,
    pub pids: Vec<u32>,
    pub version: String,
    /// Whether Kafka's FileStream connectors are on the workers' classpath (not for every release here).
    pub file_connectors: bool,
    /// The worker that started without the agent and got it by `attach`.
    pub attached: Option<usize>,
}

fn field<'a>(line: &'a str, key: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .unwrap_or("")
}

impl Cluster {
    /// Starts a broker and `workers` workers with the release agent jar and `agent_args`.
    pub fn start(workers: usize, agent_args: &str) -> Cluster {
        Cluster::start_attaching(workers, agent_args, None)
    }

    /// Like [`Cluster::start`], but worker `attach` (0-based) starts without the agent and gets it, with the
    /// same `agent_args`, from `java -jar connect-otel-agent.jar attach <pid>` once its REST API answers.
    pub fn start_attaching(workers: usize, agent_args: &str, attach: Option<usize>) -> Cluster {
        let jar = root().join("build/connect-otel-agent.jar");
        assert!(jar.is_file(), "{} is missing: run scripts/build.sh", jar.display());
        let dir = temp_dir("cluster");
        let mut cmd = Command::new(root().join("scripts/kafka-cluster.sh"));
        cmd.args(["run", "--workers", &workers.to_string(), "--agent-args", agent_args])
            .arg("--dir")
            .arg(&*dir)
            .env("AGENT_JAR", &jar)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")) {
            cmd.env_remove(k);
        }
        if let Some(i) = attach {
            cmd.args(["--no-agent-on", &(i + 1).to_string()]);
        }
        let mut child = cmd.spawn().expect("start scripts/kafka-cluster.sh");
        let stdin = child.stdin.take();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // The script bounds every wait itself (fetch, broker, workers) and exits non-zero on failure.
        out.read_line(&mut line).unwrap();
        assert!(
            line.starts_with("ready "),
            "the cluster did not start: {line:?} (see the lines above)"
        );
        let cluster = Cluster {
            child,
            stdin,
            out,
            dir: PathBuf::from(field(&line, "dir")),
            _dir: dir,
            broker: field(&line, "broker").to_string(),
            workers: field(&line, "workers").split(',').map(str::to_string).collect(),
            pids: field(&line, "pids").split(',').map(|p| p.parse().unwrap()).collect(),
            version: field(&line, "version").trim().to_string(),
            file_connectors: field(&line, "file-connectors").trim() == "yes",
            attached: attach,
        };
        if let Some(i) = attach {
            cluster.attach(i, &jar, agent_args);
        }
        cluster
    }

    /// `java -jar <jar> attach <pid> <agent_args>` with the workers' java, as an operator would run it.
    fn attach(&self, i: usize, jar: &std::path::Path, agent_args: &str) {
        let log = self.log(&format!("worker-{}", i + 1));
        assert!(
            !log.contains("connect-otel:"),
            "worker {i} has an agent before the attach:\n{log}"
        );
        let java = std::env::var("KAFKA_JAVA").unwrap_or_else(|_| "java".into());
        let mut cmd = Command::new(java);
        cmd.arg("-jar").arg(jar).arg("attach").arg(self.pids[i].to_string());
        if !agent_args.is_empty() {
            cmd.arg(agent_args);
        }
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")) {
            cmd.env_remove(k);
        }
        let out = cmd.output().expect("run java -jar connect-otel-agent.jar attach");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains(&format!("runs in {} now", self.pids[i])),
            "attach to worker {i} failed: {:?}\nstdout: {stdout}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        eprintln!("{}", stdout.trim());
    }

    /// `host:port` of worker `i`: Connect's worker id, and the agent's `service.instance.id`.
    pub fn worker_id(&self, i: usize) -> String {
        self.workers[i].trim_start_matches("http://").to_string()
    }

    /// Starts worker `i` again after [`Cluster::stop_worker`], as it was started: the same properties (so the
    /// same REST port and worker id) and `-javaagent` with the same arguments. Returns once its REST API
    /// answers; its log goes on in the same file.
    pub fn start_worker_again(&mut self, i: usize) {
        assert_ne!(
            self.attached,
            Some(i),
            "only a worker started with -javaagent is started again"
        );
        let stdin = self.stdin.as_mut().expect("the cluster's input is open");
        writeln!(stdin, "start-worker {}", i + 1).expect("ask the cluster script to start a worker");
        stdin.flush().unwrap();
        let mut line = String::new();
        // The script bounds the wait for the REST API and exits non-zero (closing this pipe) on failure.
        self.out.read_line(&mut line).unwrap();
        assert!(
            line.starts_with("started ") && field(&line, "worker") == (i + 1).to_string(),
            "worker {i} did not start again: {line:?} (see the lines above)"
        );
        self.pids[i] = field(&line, "pid").trim().parse().unwrap();
    }

    /// Stops worker `i` as an operator would (SIGTERM, Connect's shutdown hook runs).
    pub fn stop_worker(&self, i: usize) {
        let _ = Command::new("kill").arg("-TERM").arg(self.pids[i].to_string()).status();
        let start = Instant::now();
        while PathBuf::from(format!("/proc/{}", self.pids[i])).exists() && start.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default()
    }

    /// The last lines of every worker's log, for failure messages.
    pub fn logs_tail(&self) -> String {
        let mut s = String::new();
        for i in 1..=self.workers.len() {
            let log = self.log(&format!("worker-{i}"));
            let lines: Vec<&str> = log.lines().collect();
            s.push_str(&format!(
                "---- worker-{i}.log (last 30 lines)\n{}\n",
                lines[lines.len().saturating_sub(30)..].join("\n")
            ));
            let agent: Vec<&str> = lines
                .iter()
                .copied()
                .filter(|l| l.starts_with("connect-otel:"))
                .collect();
            s.push_str(&format!("---- agent lines of worker-{i}\n{}\n", agent.join("\n")));
        }
        s
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Closing its input makes the script stop every process it started.
        drop(self.stdin.take());
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
    }
}

/// One request to a worker's REST API, with `body` as JSON; returns status and body.
pub fn rest(method: &str, url: &str, body: Option<&serde_json::Value>) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
    let mut request = http_client(Duration::from_secs(60))
        .request(method.clone(), url)
        .header(reqwest::header::ACCEPT, "application/json");
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    (
        status,
        response.text().unwrap_or_else(|e| panic!("{method} {url}: {e}")),
    )
}

/// Creates or updates a connector; panics unless Connect accepts it.
pub fn put_connector(worker: &str, name: &str, config: &[(&str, &str)]) {
    let config: serde_json::Map<String, serde_json::Value> = config
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string().into()))
        .collect();
    let (status, body) = rest(
        "PUT",
        &format!("{worker}/connectors/{name}/config"),
        Some(&config.into()),
    );
    assert!(status == 200 || status == 201, "PUT {name}: {status} {body}");
}

/// A connector's or a task's entry in Connect's status.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct State {
    pub state: String,
    pub worker_id: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TaskState {
    pub id: u32,
    #[serde(flatten)]
    pub state: State,
}

/// `GET /connectors/<name>/status`, as `expand=status` nests it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ConnectorStatus {
    pub name: String,
    pub connector: State,
    pub tasks: Vec<TaskState>,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Deserialize)]
struct Expanded {
    status: ConnectorStatus,
}

/// Every connector's status from `GET /connectors?expand=status` on `worker`, by name; `None` unless the worker
/// answers 200.
pub fn statuses(worker: &str) -> Option<BTreeMap<String, ConnectorStatus>> {
    let (status, body) = rest("GET", &format!("{worker}/connectors?expand=status"), None);
    if status != 200 {
        return None;
    }
    let expanded: BTreeMap<String, Expanded> =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("connector statuses: {e}: {body}"));
    Some(expanded.into_iter().map(|(name, e)| (name, e.status)).collect())
}

/// TCP ports a process listens on (from its socket fds matched against /proc/net/tcp{,6}).
pub fn listening_ports(pid: u32) -> BTreeSet<u16> {
    let mut inodes = BTreeSet::new();
    if let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path()) {
                let t = target.to_string_lossy().to_string();
                if let Some(inode) = t.strip_prefix("socket:[").and_then(|r| r.strip_suffix(']')) {
                    inodes.insert(inode.to_string());
                }
            }
        }
    }
    let mut ports = BTreeSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // local_address rem_address st … inode (column 9); state 0A = LISTEN.
            if cols.len() > 9 && cols[3] == "0A" && inodes.contains(cols[9]) {
                if let Some(port) = cols[1].rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok()) {
                    ports.insert(port);
                }
            }
        }
    }
    ports
}

/// Polls `check` every 500 ms until it returns `Some`, or panics with `what` and the cluster's logs.
pub fn eventually<T>(cluster: &Cluster, timeout: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for: {what}\n{}",
            cluster.logs_tail()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}
