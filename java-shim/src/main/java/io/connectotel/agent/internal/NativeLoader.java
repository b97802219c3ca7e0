package io.connectotel.agent.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Set;

/**
 * Finds the native library for this platform inside the jar, extracts it into a private directory and loads
 * it. The file name carries the content hash, so an identical file is reused; a directory or file another
 * user could have written is never loaded from.
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
        Path p = explicitPath != null && !explicitPath.isEmpty() ? explicitFile(explicitPath) : extract(bundled(platform()));
        loadFile(p);
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

    /** Writes {@code bytes} into the private directory (unless an identical file of ours is there) and returns the file. */
    static Path extract(byte[] bytes) throws LoadFailure {
        String hash = sha256(bytes);
        Path dir = privateDirectory();
        Path target = dir.resolve("libconnect_otel-" + hash.substring(0, 16) + ".so");
        Path tmp = null;
        try {
            if (!(Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && hash.equals(sha256(Files.readAllBytes(target))))) {
                tmp = Files.createTempFile(dir, "libconnect_otel-", ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
            }
        } catch (IOException e) {
            throw new LoadFailure("cannot extract the native library into " + dir + ": " + e);
        } finally {
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
        String osName = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String os = osName.startsWith("linux") ? "linux"
                : osName.startsWith("mac") ? "macos"
                : osName.startsWith("windows") ? "windows"
                : osName.replaceAll("[^a-z0-9]", "");
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
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
        return os + "-" + arch + (os.equals("linux") && isMusl() ? "-musl" : "");
    }

    /**
     * Whether this process runs on musl: its dynamic loader is musl's ({@code ld-musl-<arch>.so.1}, which is
     * also musl's libc). A glibc JVM on Alpine's gcompat has musl underneath too, so the musl library is right
     * there as well.
     */
    static boolean isMusl() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/maps"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
                if (line.contains("/ld-musl-") || line.contains("/libc.musl-")) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            // No /proc (an unusual sandbox): glibc is by far the common case.
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
