//! What the agent jar carries: one library per platform a worker runs on, each an ELF for its machine that
//! needs nothing beyond the C runtime, the glibc ones no symbol newer than glibc 2.17 (RHEL/UBI 7, Amazon
//! Linux 2, Debian 10, Ubuntu 18.04 and everything newer), the musl ones nothing of glibc at all.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use object::elf;
use object::read::elf::{Dyn, ElfFile64, FileHeader};
use object::{Endianness, Object, ObjectSymbol};

/// The glibc floor: the oldest glibc the libraries must load on.
const GLIBC_FLOOR: (u32, u32) = (2, 17);

const PLATFORMS: [&str; 4] = [
    "linux-x86_64",
    "linux-aarch64",
    "linux-x86_64-musl",
    "linux-aarch64-musl",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The jar's `native/` entries, extracted with the JDK's `jar` tool into a fresh directory, which is removed
/// when the first value is dropped.
fn extracted_natives(test: &str) -> (tempfile::TempDir, PathBuf) {
    let jar = root().join("build/connect-otel-agent.jar");
    assert!(jar.is_file(), "{} is missing: run scripts/build.sh", jar.display());
    let tmp = tempfile::Builder::new()
        .prefix(&format!("connect-otel-packaging-{test}-"))
        .tempdir()
        .unwrap();
    let dir = tmp.path();
    let status = Command::new("jar")
        .arg("xf")
        .arg(&jar)
        .arg("native")
        .current_dir(dir)
        .status()
        .expect("run jar");
    assert!(status.success(), "jar xf failed");
    let natives = dir.join("native");
    (tmp, natives)
}

/// What a library asks of the dynamic loader.
#[derive(Debug)]
struct Needs {
    machine: elf::Machine,
    shared_object: bool,
    /// DT_NEEDED entries.
    libraries: BTreeSet<String>,
    /// (file, version) of every version need, e.g. ("libc.so.6", "GLIBC_2.14").
    versions: BTreeSet<(String, String)>,
    exports: BTreeSet<String>,
}

fn needs(path: &Path) -> Needs {
    let data = std::fs::read(path).unwrap();
    let file =
        ElfFile64::<Endianness>::parse(&*data).unwrap_or_else(|e| panic!("{}: not a 64-bit ELF: {e}", path.display()));
    let header = file.elf_header();
    let endian = file.endian();
    let sections = header.sections(endian, &*data).unwrap();

    let mut libraries = BTreeSet::new();
    let (dynamic, link) = sections.dynamic(endian, &*data).unwrap().expect("a dynamic section");
    let strings = sections.strings(endian, &*data, link).unwrap();
    for entry in dynamic {
        if entry.tag(endian) == elf::DT_NEEDED {
            let name = entry.string(endian, strings).unwrap();
            libraries.insert(String::from_utf8_lossy(name).into_owned());
        }
    }

    let mut versions = BTreeSet::new();
    if let Some((mut verneeds, link)) = sections.gnu_verneed(endian, &*data).unwrap() {
        let strings = sections.strings(endian, &*data, link).unwrap();
        while let Some((verneed, mut auxes)) = verneeds.next().unwrap() {
            let library = String::from_utf8_lossy(verneed.file(endian, strings).unwrap()).into_owned();
            while let Some(aux) = auxes.next().unwrap() {
                let version = String::from_utf8_lossy(aux.name(endian, strings).unwrap()).into_owned();
                versions.insert((library.clone(), version));
            }
        }
    }

    let exports = file
        .dynamic_symbols()
        .filter(|s| s.is_definition() && s.is_global())
        .filter_map(|s| s.name().ok().map(str::to_owned))
        .collect();
    Needs {
        machine: header.e_machine(endian),
        shared_object: header.e_type(endian) == elf::ET_DYN,
        libraries,
        versions,
        exports,
    }
}

/// `GLIBC_2.14` -> (2, 14); `GLIBC_PRIVATE` and other names -> None.
fn glibc_version(name: &str) -> Option<(u32, u32)> {
    let rest = name.strip_prefix("GLIBC_")?;
    let mut parts = rest.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
}

/// The problems of one library: anything beyond the C runtime, any glibc symbol above the floor, anything of
/// glibc in a musl library, the wrong machine, a missing JNI or C entry.
fn problems(platform: &str, n: &Needs) -> Vec<String> {
    let musl = platform.ends_with("-musl");
    let (machine, loader) = if platform.starts_with("linux-aarch64") {
        (elf::EM_AARCH64, "ld-linux-aarch64.so.1")
    } else {
        (elf::EM_X86_64, "ld-linux-x86-64.so.2")
    };
    let mut out = Vec::new();
    if n.machine != machine {
        out.push(format!("ELF machine {} instead of {machine}", n.machine));
    }
    if !n.shared_object {
        out.push("not a shared object".into());
    }
    // musl's loader is also its libc, and it answers for libc.so, libm.so, libdl.so, libpthread.so, librt.so.
    let allowed: &[&str] = if musl {
        &["libc.so", "libm.so", "libdl.so", "libpthread.so", "librt.so"]
    } else {
        &[
            "libc.so.6",
            "libm.so.6",
            "libdl.so.2",
            "libpthread.so.0",
            "librt.so.1",
            "libgcc_s.so.1",
            loader,
        ]
    };
    for library in &n.libraries {
        if !allowed.contains(&library.as_str()) {
            out.push(format!("needs {library}, which is not part of the C runtime"));
        }
    }
    for (library, version) in &n.versions {
        match glibc_version(version) {
            _ if musl => out.push(format!("a musl library needs {library} {version}")),
            Some(v) if v > GLIBC_FLOOR => out.push(format!(
                "needs {version} from {library}, newer than the floor GLIBC_{}.{}",
                GLIBC_FLOOR.0, GLIBC_FLOOR.1
            )),
            Some(_) => {}
            // libgcc_s's GCC_* versions are old everywhere; anything else is unexpected.
            None if version.starts_with("GCC_") => {}
            None => out.push(format!("needs {version} from {library}")),
        }
    }
    for symbol in [
        "JNI_OnLoad",
        "connect_otel_abi_version",
        "Java_io_connectotel_agent_internal_NativeAgent_start",
    ] {
        if !n.exports.contains(symbol) {
            out.push(format!("does not export {symbol}"));
        }
    }
    out
}

#[test]
fn the_jar_carries_exactly_the_four_platforms() {
    let (_tmp, natives) = extracted_natives("platforms");
    let mut found: Vec<String> = std::fs::read_dir(&natives)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut expected: Vec<String> = PLATFORMS.iter().map(|p| p.to_string()).collect();
    expected.sort();
    assert_eq!(found, expected);
    for platform in PLATFORMS {
        let entries: Vec<_> = std::fs::read_dir(natives.join(platform))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, ["libconnect_otel.so"], "{platform}");
    }
}

#[test]
fn every_packaged_library_needs_only_the_c_runtime_and_glibc_2_17() {
    let (_tmp, natives) = extracted_natives("elf");
    let mut report = Vec::new();
    for platform in PLATFORMS {
        let n = needs(&natives.join(platform).join("libconnect_otel.so"));
        // Proof that the check reads something: every library links the C library.
        assert!(
            n.libraries.iter().any(|l| l.starts_with("libc.so")),
            "{platform}: no libc among {:?}",
            n.libraries
        );
        if !platform.ends_with("-musl") {
            assert!(
                n.versions.iter().any(|(_, v)| glibc_version(v).is_some()),
                "{platform}: no glibc versions read"
            );
        }
        for p in problems(platform, &n) {
            report.push(format!("{platform}: {p}"));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

/// The checks themselves catch what they are for (a library linked against a newer glibc, a stray
/// dependency, the wrong machine), shown on the ELF facts of one made-up library.
#[test]
fn the_checks_catch_a_newer_glibc_a_stray_library_and_the_wrong_machine() {
    let good = || Needs {
        machine: elf::EM_X86_64,
        shared_object: true,
        libraries: ["libc.so.6".to_string()].into(),
        versions: [("libc.so.6".to_string(), "GLIBC_2.17".to_string())].into(),
        exports: [
            "JNI_OnLoad",
            "connect_otel_abi_version",
            "Java_io_connectotel_agent_internal_NativeAgent_start",
        ]
        .map(String::from)
        .into(),
    };
    assert_eq!(problems("linux-x86_64", &good()), Vec::<String>::new());
    let mut newer = good();
    newer.versions.insert(("libc.so.6".into(), "GLIBC_2.34".into()));
    assert_eq!(problems("linux-x86_64", &newer).len(), 1);
    let mut stray = good();
    stray.libraries.insert("libssl.so.3".into());
    assert_eq!(problems("linux-x86_64", &stray).len(), 1);
    assert_eq!(
        problems("linux-aarch64", &good()).len(),
        1,
        "x86_64 machine in the aarch64 folder"
    );
    assert_eq!(
        problems("linux-x86_64-musl", &good()).len(),
        2,
        "glibc's libc.so.6 and GLIBC_2.17 in a musl library"
    );
    assert_eq!(glibc_version("GLIBC_2.2.5"), Some((2, 2)));
    assert_eq!(glibc_version("GLIBC_PRIVATE"), None);
}
