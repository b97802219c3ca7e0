package io.connectotel.agent.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Finds the native library for this platform inside the jar, extracts it into a private directory and loads
 * it. The file name carries the content hash, so an identical file is reused, and the files of other builds
 * are removed once no running JVM uses them; a directory or file another user could have written is never
 * loaded from.
 */
final class NativeLoader {
    static final class LoadFailure extends Exception {
        private static final long serialVersionUID = 1L;

        LoadFailure(String message) {
            super(message);
        }
    }

    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private NativeLoader() {}

    /** Loads the library and returns the path it was loaded from. */
    static Path load(String explicitPath) throws LoadFailure {
        if (explicitPath != null && !explicitPath.isEmpty()) {
            Path p = explicitFile(explicitPath);
            loadFile(p);
            return p;
        }
        Path p = extract(bundled(platform()));
        loadFile(p);
        removeStale(p);
        return p;
    }

    /** The library at {@code otel.connect.library.path}: its real path, which must exist. */
    static Path explicitFile(String explicitPath) throws LoadFailure {
        Path p = Paths.get(explicitPath).toAbsolutePath();
        try {
            // An operator's symbolic link is fine: what is checked and loaded is the file it leads to.
            return p.toRealPath();
        } catch (IOException e) {
            throw new LoadFailure("native library " + p + " (from " + Bootstrap.LIBRARY_PATH_KEY + ") does not exist");
        }
    }

    /** The jar's library for {@code platform}. */
    static byte[] bundled(String platform) throws LoadFailure {
        String resource = resource(platform);
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new LoadFailure("no native library for " + platform + "; this jar carries "
                        + String.join(", ", BuildInfo.platforms()));
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new LoadFailure("cannot read " + resource + " from the agent jar: " + e);
        }
    }

    static String resource(String platform) {
        return "/native/" + platform + "/libconnect_otel.so";
    }

    /**
     * Writes {@code bytes} into the private directory (unless an identical file of ours is there) and returns the
     * file, which this JVM then holds in use (see {@link #removeStale}) until it exits.
     */
    static Path extract(byte[] bytes) throws LoadFailure {
        String hash = sha256(bytes);
        Path dir = privateDirectory();
        String name = LIBRARY_PREFIX + hash.substring(0, 16);
        Path target = dir.resolve(name + ".so");
        Path tmp = null;
        FileChannel guard = lockedDirectory(dir);
        try {
            if (guard != null) {
                holdInUse(dir.resolve(name + ".lock"));
            }
            if (!(Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && hash.equals(sha256(Files.readAllBytes(target))))) {
                tmp = Files.createTempFile(dir, LIBRARY_PREFIX, ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
            }
        } catch (IOException | RuntimeException e) {
            throw new LoadFailure("cannot extract the native library into " + dir + ": " + e);
        } finally {
            if (guard != null) {
                try {
                    guard.close(); // releases the directory lock
                } catch (IOException ignored) {
                    // Closing a lock file cannot fail in a way that matters here.
                }
            }
            // A partial file (a full disk) must not stay behind and keep the worker's tmpdir full.
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Nothing more to do: the extraction failure is already the line the operator sees.
                }
            }
        }
        return target;
    }

    /*
     * Stale libraries. Each build extracts a file of its own (the name carries the content hash), so without
     * removal the directory keeps every build a worker ever ran. Two rules make removal safe while other JVMs
     * of this user start and run from the same directory:
     *
     * - A JVM holds a shared lock on <name>.lock for as long as it runs (the kernel releases it when the
     *   process ends, however it ends), and it takes that lock before it checks or writes <name>.so. A library
     *   is removed only by a JVM that gets the exclusive lock on its .lock file, so never while a JVM uses it
     *   or is about to load it.
     * - Lock files are created and deleted only under the directory lock (extract.lock, held briefly). So a
     *   JVM never holds its shared lock on a .lock file that a remover has just unlinked (which would leave it
     *   protecting nothing while a new .lock file appears under the same name).
     *
     * Reading /proc/<pid>/maps instead would miss JVMs whose /proc entry we cannot read (non-dumpable after a
     * change of user) and race with a JVM between its check and System.load. A library extracted by an agent
     * from before these locks has no holder and is removed; a JVM running from it is unaffected (an unlinked
     * file stays mapped), and such an agent starting at that very moment fails its load with one line.
     * Leftover .tmp files (an extraction killed half-way) go once they are an hour old: only a dead process
     * leaves one that long.
     */

    static final String LIBRARY_PREFIX = "libconnect_otel-";
    static final String DIRECTORY_LOCK = "extract.lock";
    private static final java.util.regex.Pattern STALE_CANDIDATE =
            java.util.regex.Pattern.compile("libconnect_otel-[0-9a-f]{16}\\.(so|lock)");
    private static final long TMP_MAX_AGE_MILLIS = 3_600_000L;
    private static final long DIRECTORY_LOCK_WAIT_NANOS = 5_000_000_000L;
    private static final Set<OpenOption> LOCK_OPTIONS =
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    private static final java.nio.file.attribute.FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    /** The in-use locks this JVM holds, by lock file; never released (the process's end releases them). */
    private static final Map<Path, FileLock> IN_USE = new HashMap<>();

    /**
     * Takes the directory lock (released when {@code guard} closes), waiting at most a few seconds: others hold
     * it for milliseconds. A holder that is stuck (a stopped process) keeps every remover out as well, so going
     * on without it then is safe.
     */
    private static void lockDirectory(FileChannel guard) throws IOException {
        long deadline = System.nanoTime() + DIRECTORY_LOCK_WAIT_NANOS;
        while (guard.tryLock() == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The directory lock's channel, holding the lock, or null where this file system has no locks (some NFS and
     * container file systems answer "no locks available"): then the library is extracted and loaded as it was
     * before locks, and nothing is removed here either ({@link #removeStale} cannot lock).
     */
    private static FileChannel lockedDirectory(Path dir) {
        FileChannel guard = null;
        try {
            guard = FileChannel.open(dir.resolve(DIRECTORY_LOCK), LOCK_OPTIONS, OWNER_ONLY_FILE);
            lockDirectory(guard);
            return guard;
        } catch (IOException | RuntimeException e) {
            if (guard != null) {
                try {
                    guard.close();
                } catch (IOException ignored) {
                    // Going on without the lock either way.
                }
            }
            return null;
        }
    }

    /** Takes the shared in-use lock on {@code lockFile} for the rest of this JVM's life (once per file). */
    private static void holdInUse(Path lockFile) throws IOException {
        synchronized (IN_USE) {
            if (IN_USE.containsKey(lockFile)) {
                return;
            }
            FileChannel ch = FileChannel.open(lockFile, LOCK_OPTIONS, OWNER_ONLY_FILE);
            try {
                IN_USE.put(lockFile, ch.lock(0, Long.MAX_VALUE, true));
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }
    }

    /**
     * Removes the libraries in {@code current}'s directory that no JVM holds in use, and old leftover .tmp
     * files; keeps {@code current}. Returns what it removed. Best effort and silent: whatever it cannot do
     * (a busy directory lock, an I/O error) is left for the next start.
     */
    static List<String> removeStale(Path current) {
        List<String> removed = new ArrayList<>();
        Path dir = current.getParent();
        String keep = current.getFileName().toString().replaceFirst("\\.so$", "");
        try (FileChannel guard = FileChannel.open(dir.resolve(DIRECTORY_LOCK), LOCK_OPTIONS, OWNER_ONLY_FILE)) {
            if (guard.tryLock() == null) { // else held until guard closes
                return removed; // another JVM is extracting or cleaning: it is left to that one or the next
            }
            java.util.Set<String> names = new java.util.TreeSet<>();
            long now = System.currentTimeMillis();
            try (java.nio.file.DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    String n = p.getFileName().toString();
                    if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    if (STALE_CANDIDATE.matcher(n).matches() && !n.startsWith(keep + ".")) {
                        names.add(n.substring(0, n.lastIndexOf('.')));
                    } else if (n.startsWith(LIBRARY_PREFIX) && n.endsWith(".tmp")
                            && now - Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() > TMP_MAX_AGE_MILLIS) {
                        if (Files.deleteIfExists(p)) {
                            removed.add(n);
                        }
                    }
                }
            }
            for (String name : names) {
                try {
                    removeIfUnused(dir, name, removed);
                } catch (IOException | RuntimeException e) {
                    // This one stays (e.g. its lock file is not a plain file); the others are still looked at.
                }
            }
        } catch (IOException | RuntimeException e) {
            // Best effort: the library this JVM needs is loaded; the rest waits for the next start.
        }
        return removed;
    }

    /** Removes {@code name}.so and {@code name}.lock when the exclusive lock shows nobody holds it in use. */
    private static void removeIfUnused(Path dir, String name, List<String> removed) throws IOException {
        Path lockFile = dir.resolve(name + ".lock");
        try (FileChannel ch = FileChannel.open(lockFile, LOCK_OPTIONS, OWNER_ONLY_FILE)) {
            FileLock unused;
            try {
                unused = ch.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException heldHere) {
                return; // this JVM holds it in use
            }
            if (unused == null) {
                return; // another JVM holds it in use
            }
            try {
                Path library = dir.resolve(name + ".so");
                if (Files.deleteIfExists(library)) {
                    removed.add(library.getFileName().toString());
                }
                Files.deleteIfExists(lockFile);
            } finally {
                unused.release();
            }
        }
    }

    /**
     * Loads {@code p} (a real path) once it has passed {@link LibraryFile}'s checks: only root or this user can
     * change any directory on the path or the file itself, so the path still leads to the checked file when
     * the kernel resolves it again in {@code System.load}; and the file is a complete shared library for this
     * machine, so the dynamic loader never maps past its end.
     */
    static void loadFile(Path p) throws LoadFailure {
        try {
            String untrusted = LibraryFile.untrustedOnPath(p, LibraryFile.uid());
            if (untrusted != null) {
                throw new LoadFailure("refusing to load " + p + ": " + untrusted
                        + "; another user could replace the library between the check and the load");
            }
        } catch (IOException | RuntimeException e) {
            throw new LoadFailure("cannot check " + p + " before loading it: " + e);
        }
        String platform = platform();
        String notALibrary = LibraryFile.notALibraryFor(p, platform.replaceFirst("^[a-z0-9]+-", "").replace("-musl", ""));
        if (notALibrary != null) {
            throw new LoadFailure("native library " + p + " is not a complete library for " + platform + ": " + notALibrary);
        }
        try {
            System.load(p.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new LoadFailure("cannot load native library " + p + ": " + e.getMessage());
        }
    }

    /**
     * This JVM's platform as the jar names its folders: {@code <os>-<arch>}, with {@code -musl} on a musl
     * C library (Alpine). Also the name the "no native library" line gives for one the jar does not carry.
     */
    static String platform() {
        return platform(System.getProperty("os.name", ""), System.getProperty("os.arch", ""), isMusl());
    }

    /** {@link #platform()} for the given {@code os.name}, {@code os.arch} and C library. */
    static String platform(String osName, String osArch, boolean musl) {
        osName = osName.toLowerCase(Locale.ROOT);
        String os = osName.startsWith("linux") ? "linux"
                : osName.startsWith("mac") ? "macos"
                : osName.startsWith("windows") ? "windows"
                : osName.replaceAll("[^a-z0-9]", "");
        String arch = osArch.toLowerCase(Locale.ROOT);
        switch (arch) {
            case "amd64":
            case "x86_64":
                arch = "x86_64";
                break;
            case "aarch64":
            case "arm64":
                arch = "aarch64";
                break;
            default:
                arch = arch.replaceAll("[^a-z0-9_]", "");
        }
        return os + "-" + arch + (os.equals("linux") && musl ? "-musl" : "");
    }

    /**
     * Whether this process runs on musl: its dynamic loader is musl's ({@code ld-musl-<arch>.so.1}, which is
     * also musl's libc). A glibc JVM on Alpine's gcompat has musl underneath too, so the musl library is right
     * there as well.
     */
    static boolean isMusl() {
        try {
            return isMusl(Files.readAllLines(Paths.get("/proc/self/maps"), java.nio.charset.StandardCharsets.ISO_8859_1));
        } catch (IOException | RuntimeException e) {
            // No /proc (an unusual sandbox): glibc is by far the common case.
            return false;
        }
    }

    /** Whether the mappings ({@code /proc/self/maps} lines) include musl's loader or libc. */
    static boolean isMusl(List<String> maps) {
        for (String line : maps) {
            if (line.contains("/ld-musl-") || line.contains("/libc.musl-")) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code <tmpdir>/connect-otel-<uid>}, created 0700, and refused unless it is still ours and private and
     * every directory above it is one only root or we can change. By number: a container's user often has
     * no passwd entry, and then no name.
     */
    static Path privateDirectory() throws LoadFailure {
        Path tmp = Paths.get(System.getProperty("java.io.tmpdir"));
        Path dir = tmp.resolve("connect-otel-?");
        try {
            int uid = LibraryFile.uid();
            tmp = tmp.toRealPath();
            dir = tmp.resolve("connect-otel-" + uid);
            String untrusted = LibraryFile.untrustedDirectory(tmp, uid);
            if (untrusted != null) {
                throw new LoadFailure("refusing to extract the native library under " + tmp + ": " + untrusted
                        + "; another user could swap it before it loads (set -Djava.io.tmpdir to a directory only"
                        + " this user can change, or " + Bootstrap.LIBRARY_PATH_KEY + ")");
            }
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // Another JVM of the same user created it: checked below like any existing directory.
                }
            }
            if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new LoadFailure(dir + " is not a plain directory; refusing to load a library from it");
            }
            int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (owner != uid || !Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(OWNER_ONLY_DIR)) {
                throw new LoadFailure(dir + " is not private to uid " + uid
                        + " (owner and mode 0700 required); refusing to load a library from it");
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            throw new LoadFailure("cannot prepare the private directory " + dir + ": " + e);
        }
        return dir;
    }

    private static String sha256(byte[] bytes) throws LoadFailure {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            StringBuilder sb = new StringBuilder();
            for (byte b : d) {
                sb.append(String.format("%02x", b));
            }
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new LoadFailure("no SHA-256 in this JVM");
        }
    }
}
