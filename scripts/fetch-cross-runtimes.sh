#!/usr/bin/env bash
# The runtimes the platform tests (tests/platform_jvm.rs, tests/platform_musl.rs) run the packaged libraries
# on, since this machine is x86_64 glibc: qemu-aarch64-static and musl's x86_64 loader (Debian's
# qemu-user-static and musl, installed with apt-get), and in .cache/arm64-jvm/root a folder for qemu's -L
# holding Debian's arm64 JVM (openjdk-17-jre-headless), the C and C++ runtime and zlib it needs, and arm64 musl.
# The arm64 packages are unpacked with dpkg -x, not installed: installing openjdk-17-jre-headless:arm64 would
# replace the machine's amd64 JDK. Needs root the first time (apt-get, dpkg); a second run is offline.
# Prints, as its last line, the path of .cache/arm64-jvm/java: a java command that runs the arm64 JVM as
#   qemu-aarch64-static -L .cache/arm64-jvm/root .cache/arm64-jvm/root/usr/lib/jvm/java-17-openjdk-arm64/bin/java
set -euo pipefail
cd "$(dirname "$0")/.."

dir=.cache/arm64-jvm
root=$dir/root
java=$root/usr/lib/jvm/java-17-openjdk-arm64/bin/java
launcher=$dir/java
# Enough for the JVM to run the fixture headless (its other dependencies serve AWT, sound and smart cards).
packages=(openjdk-17-jre-headless libc6 zlib1g libgcc-s1 libstdc++6 musl)

fail() { echo "fetch-cross-runtimes: $*" >&2; exit 1; }
as_root() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || fail "needs root and apt-get to $*"; }

missing=()
command -v qemu-aarch64-static >/dev/null 2>&1 || missing+=(qemu-user-static)
[ -e /lib/ld-musl-x86_64.so.1 ] || missing+=(musl)
if [ ${#missing[@]} -gt 0 ]; then
  as_root "install ${missing[*]}"
  echo "fetch-cross-runtimes: installing ${missing[*]}" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null \
    || fail "apt-get install ${missing[*]} failed"
fi

if [ "$(cat "$dir/.complete" 2>/dev/null)" != "${packages[*]}" ]; then
  as_root "download the arm64 packages"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
  fi
  if ! apt-cache show openjdk-17-jre-headless:arm64 >/dev/null 2>&1; then
    apt-get update -qq >/dev/null || fail "apt-get update failed"
  fi
  rm -rf "$dir"
  mkdir -p "$dir/debs"
  # Downloads as root into our own folder (apt's _apt user could not write there).
  (cd "$dir/debs" && apt-get download -qq -o APT::Sandbox::User=root "${packages[@]/%/:arm64}") \
    || fail "apt-get download of the arm64 packages failed"
  for deb in "$dir"/debs/*.deb; do
    dpkg -x "$deb" "$root"
  done
  rm -rf "$dir/debs"
  # The JDK's files link to /etc/java-17-openjdk/... by absolute paths, which the kernel would resolve on this
  # machine's root, not qemu's -L folder; point each one that the folder can satisfy inside it.
  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    if [ -e "$root$target" ] || [ -L "$root$target" ]; then
      ln -sfn "$(realpath -m -s --relative-to="$(dirname "$link")" "$root$target")" "$link"
    fi
  done < <(find "$root" -type l -lname '/*' -print0)
  # A java command for the tests and for people: the arm64 JVM run by qemu, the folder its loader's root.
  # Paths relative to the launcher itself, so that a moved checkout keeps a working one.
  cat > "$launcher" <<'LAUNCHER'
#!/bin/sh
here=$(dirname "$(readlink -f "$0")")
exec qemu-aarch64-static -L "$here/root" "$here/root/usr/lib/jvm/java-17-openjdk-arm64/bin/java" "$@"
LAUNCHER
  chmod +x "$launcher"
  "$launcher" -version >/dev/null 2>&1 || fail "the arm64 java in $root does not start under qemu-aarch64-static"
  echo "${packages[*]}" > "$dir/.complete"
fi
echo "$(pwd)/$launcher"
