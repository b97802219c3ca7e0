package io.connectotel.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLoaderTest {
    @TempDir
    Path temp;
    private String tmpdirBefore;

    @BeforeEach
    void remember() {
        tmpdirBefore = System.getProperty("java.io.tmpdir");
    }

    @AfterEach
    void restore() {
        System.setProperty("java.io.tmpdir", tmpdirBefore);
    }

    @Test
    void thePlatformNamesTheJarsFolder() {
        assertEquals("linux-x86_64", NativeLoader.platform("Linux", "amd64", false));
        assertEquals("linux-x86_64-musl", NativeLoader.platform("Linux", "amd64", true));
        assertEquals("linux-aarch64", NativeLoader.platform("Linux", "aarch64", false));
        assertEquals("linux-aarch64-musl", NativeLoader.platform("Linux", "arm64", true));
        assertEquals("macos-aarch64", NativeLoader.platform("Mac OS X", "aarch64", true), "musl only on Linux");
        assertEquals("windows-x86_64", NativeLoader.platform("Windows 11", "x86_64", false));
        assertEquals("freebsd-ppc64le", NativeLoader.platform("FreeBSD", "ppc64le", false));
        assertEquals("sunos-sparcv9", NativeLoader.platform("SunOS", "sparc-v9", false));
    }

    @Test
    void muslIsTheLoaderOrLibcInTheMappings() {
        String glibc = "7f00-7f01 r-xp 00000000 08:01 12 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
        assertFalse(NativeLoader.isMusl(List.of(glibc, "7f02-7f03 r--p 00000000 08:01 13 /usr/lib/libc.so.6")));
        assertTrue(NativeLoader.isMusl(List.of(glibc, "7f00-7f01 r-xp 00000000 08:01 14 /lib/ld-musl-x86_64.so.1")));
        assertTrue(NativeLoader.isMusl(List.of("7f00-7f01 r-xp 00000000 08:01 15 /usr/lib/libc.musl-aarch64.so.1")));
        assertFalse(NativeLoader.isMusl(List.of()));
        assertFalse(NativeLoader.isMusl(), "this JVM runs on glibc");
    }

    private Path tmpdir(String name, String mode) throws Exception {
        Path d = Files.createDirectory(temp.resolve(name));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(mode));
        System.setProperty("java.io.tmpdir", d.toString());
        return d;
    }

    @Test
    void thePrivateDirectoryIsCreatedOwnerOnlyAndNamedByUid() throws Exception {
        Path tmp = tmpdir("sticky", "rwxrwxrwx");
        Files.setAttribute(tmp, "unix:mode", 01777);
        Path dir = NativeLoader.privateDirectory();
        assertEquals(tmp.toRealPath().resolve("connect-otel-" + LibraryFile.uid()), dir);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals(dir, NativeLoader.privateDirectory(), "an existing directory of ours is used again");
    }

    @Test
    void aTmpdirOthersCanRenameInIsRefused() throws Exception {
        tmpdir("open", "rwxrwxrwx");
        NativeLoader.LoadFailure f = assertThrows(NativeLoader.LoadFailure.class, NativeLoader::privateDirectory);
        assertTrue(f.getMessage().contains("refusing to extract the native library under")
                && f.getMessage().contains("mode 0777"), f.getMessage());
    }

    @Test
    void aPrivateDirectoryThatIsNotPrivateOrNotADirectoryIsRefused() throws Exception {
        Path tmp = tmpdir("plain", "rwxr-xr-x");
        Path dir = Files.createDirectory(tmp.resolve("connect-otel-" + LibraryFile.uid()));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
        NativeLoader.LoadFailure f = assertThrows(NativeLoader.LoadFailure.class, NativeLoader::privateDirectory);
        assertTrue(f.getMessage().contains("is not private to uid"), f.getMessage());
        Files.delete(dir);
        Files.createSymbolicLink(dir, temp);
        f = assertThrows(NativeLoader.LoadFailure.class, NativeLoader::privateDirectory);
        assertTrue(f.getMessage().contains("is not a plain directory"), f.getMessage());
    }

    private static Set<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void extractionWritesOneFilePerContentAndHoldsItInUse() throws Exception {
        tmpdir("extract", "rwxr-xr-x");
        Path a = NativeLoader.extract("library A".getBytes());
        assertEquals(a, NativeLoader.extract("library A".getBytes()), "same content, same file");
        assertTrue(a.getFileName().toString().matches("libconnect_otel-[0-9a-f]{16}\\.so"), a.toString());
        assertEquals("library A", Files.readString(a));
        Path lock = a.resolveSibling(a.getFileName().toString().replace(".so", ".lock"));
        assertTrue(Files.isRegularFile(lock));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lock)));
        // This JVM holds the library in use: nobody can take the exclusive lock, not even this JVM again.
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            assertThrows(java.nio.channels.OverlappingFileLockException.class, ch::tryLock);
        }
        // A changed file of ours (not what the jar carries) is replaced.
        Files.writeString(a, "damaged");
        assertEquals(a, NativeLoader.extract("library A".getBytes()));
        assertEquals("library A", Files.readString(a));
        assertEquals(Set.of(a.getFileName().toString(), lock.getFileName().toString(), NativeLoader.DIRECTORY_LOCK),
                names(a.getParent()));
    }

    @Test
    void whereNoLockCanBeTakenTheLibraryIsStillExtractedAndNothingRemoved() throws Exception {
        tmpdir("nolock", "rwxr-xr-x");
        Path dir = NativeLoader.privateDirectory();
        // A directory where the lock file belongs: opening it fails as locking fails on a file system without
        // locks (ENOLCK). The agent must load as it did before locks, not switch off.
        Files.createDirectory(dir.resolve(NativeLoader.DIRECTORY_LOCK));
        Path old = dir.resolve("libconnect_otel-0000000000000000.so");
        Files.writeString(old, "an older build");
        Path a = NativeLoader.extract("library without locks".getBytes());
        assertEquals("library without locks", Files.readString(a));
        assertEquals(List.of(), NativeLoader.removeStale(a));
        assertEquals(Set.of(a.getFileName().toString(), old.getFileName().toString(), NativeLoader.DIRECTORY_LOCK),
                names(dir), "no lock file, and the older library is left for a start that can lock");
    }

    @Test
    void staleLibrariesGoAndTheCurrentOneAndThoseInUseStay() throws Exception {
        tmpdir("stale", "rwxr-xr-x");
        Path current = NativeLoader.extract("library current".getBytes());
        Path dir = current.getParent();
        // Left by earlier builds: one with its lock file, one from before the locks, and one still in use.
        Path old = Files.writeString(dir.resolve("libconnect_otel-0000000000000001.so"), "old");
        Files.createFile(dir.resolve("libconnect_otel-0000000000000001.lock"));
        Path older = Files.writeString(dir.resolve("libconnect_otel-0000000000000002.so"), "older");
        Path used = Files.writeString(dir.resolve("libconnect_otel-0000000000000003.so"), "in use");
        Path usedLock = Files.createFile(dir.resolve("libconnect_otel-0000000000000003.lock"));
        // A half-written extraction: an old one goes, a fresh one (another JVM writing it) stays.
        Path deadTmp = Files.writeString(dir.resolve("libconnect_otel-123.tmp"), "partial");
        Files.setLastModifiedTime(deadTmp, FileTime.fromMillis(System.currentTimeMillis() - 2 * 3_600_000L));
        Path freshTmp = Files.writeString(dir.resolve("libconnect_otel-456.tmp"), "being written");
        // Not ours: never touched.
        Path other = Files.writeString(dir.resolve("notes.txt"), "x");
        Path odd = Files.writeString(dir.resolve("libconnect_otel-XYZ.so"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("libconnect_otel-0000000000000004.so"), old);

        List<String> removed;
        try (FileChannel ch = FileChannel.open(usedLock, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock inUse = ch.lock(0, Long.MAX_VALUE, true)) {
            removed = NativeLoader.removeStale(current);
        }
        assertEquals(new TreeSet<>(List.of(old.getFileName().toString(), older.getFileName().toString(),
                deadTmp.getFileName().toString())), new TreeSet<>(removed));
        Set<String> left = names(dir);
        for (Path p : List.of(current, used, usedLock, freshTmp, other, odd, link)) {
            assertTrue(left.contains(p.getFileName().toString()), p + " was removed: " + left);
        }
        for (Path p : List.of(old, older, deadTmp)) {
            assertFalse(Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS), p + " is still there");
        }
        assertFalse(Files.exists(dir.resolve("libconnect_otel-0000000000000001.lock")));
        assertEquals("library current", Files.readString(current));
        // Once nobody holds it, the one that was in use goes too.
        assertEquals(List.of(used.getFileName().toString()), NativeLoader.removeStale(current));
    }

    @Test
    void theDirectoryLockHeldElsewhereMeansNoCleaningNow() throws Exception {
        tmpdir("busy", "rwxr-xr-x");
        Path current = NativeLoader.extract("library busy".getBytes());
        Path old = Files.writeString(current.resolveSibling("libconnect_otel-0000000000000009.so"), "old");
        try (FileChannel ch = FileChannel.open(current.resolveSibling(NativeLoader.DIRECTORY_LOCK), StandardOpenOption.WRITE);
                FileLock busy = ch.lock()) {
            assertEquals(List.of(), NativeLoader.removeStale(current));
        }
        assertTrue(Files.exists(old), "kept while another holds the directory lock");
        assertEquals(List.of(old.getFileName().toString()), NativeLoader.removeStale(current));
    }
}
