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
import java.util.EnumSet;
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

    static void load(String explicitPath) throws LoadFailure {
        if (explicitPath != null && !explicitPath.isEmpty()) {
            Path p = Paths.get(explicitPath).toAbsolutePath();
            if (!Files.isRegularFile(p)) {
                throw new LoadFailure("native library " + p + " (from " + Bootstrap.LIBRARY_PATH_KEY + ") does not exist");
            }
            loadFile(p);
            return;
        }
        String platform = platform();
        if (platform == null) {
            throw new LoadFailure("unsupported platform " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
                    + " (this jar carries linux-x86_64; set " + Bootstrap.LIBRARY_PATH_KEY + " to a library built for it)");
        }
        String resource = "/native/" + platform + "/libconnect_otel.so";
        byte[] bytes;
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new LoadFailure("the agent jar has no native library for " + platform + " (" + resource + ")");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new LoadFailure("cannot read " + resource + " from the agent jar: " + e);
        }
        String hash = sha256(bytes);
        Path dir = privateDirectory();
        Path target = dir.resolve("libconnect_otel-" + hash.substring(0, 16) + ".so");
        try {
            if (!(Files.exists(target, LinkOption.NOFOLLOW_LINKS) && isOurs(target) && hash.equals(sha256(Files.readAllBytes(target))))) {
                Path tmp = Files.createTempFile(dir, "libconnect_otel-", ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new LoadFailure("cannot extract the native library into " + dir + ": " + e);
        }
        loadFile(target);
    }

    private static void loadFile(Path p) throws LoadFailure {
        try {
            System.load(p.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new LoadFailure("cannot load native library " + p + ": " + e.getMessage());
        }
    }

    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux")) {
            return null;
        }
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            return "linux-x86_64";
        }
        return null;
    }

    /** {@code <tmpdir>/connect-otel-<user>}, created 0700, and refused unless it is still ours and private. */
    private static Path privateDirectory() throws LoadFailure {
        String user = System.getProperty("user.name", "unknown").replaceAll("[^A-Za-z0-9._-]", "_");
        Path dir = Paths.get(System.getProperty("java.io.tmpdir"), "connect-otel-" + user);
        try {
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
            if (!isOurs(dir) || !Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(OWNER_ONLY_DIR)) {
                throw new LoadFailure(dir + " is not private to " + System.getProperty("user.name")
                        + " (owner and mode 0700 required); refusing to load a library from it");
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new LoadFailure("cannot prepare the private directory " + dir + ": " + e);
        }
        return dir;
    }

    private static boolean isOurs(Path p) throws IOException {
        String owner = Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName();
        if (!owner.equals(System.getProperty("user.name"))) {
            return false;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> othersWrite = EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
        perms.retainAll(othersWrite);
        return perms.isEmpty() && !Files.isSymbolicLink(p);
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
