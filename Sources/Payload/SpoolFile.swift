#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A temporary file without a name that a download is written into and then read back as a
/// ``ReadOnlyFile``: a fetched image waits for its upload on disk rather than in memory.
///
/// The file never appears in a folder (`O_TMPFILE`, or a name unlinked right after
/// creation where the file system lacks it), so nothing is left behind by a crash; its space
/// is freed when the last reference to it goes away.
///
/// Not `Sendable`: one writer fills it, then ``finish()`` hands out the shareable reader.
public final class SpoolFile {
    private var descriptor: Int32
    public private(set) var byteCount = 0

    /// Creates the file in `directory` (e.g. `TMPDIR`).
    public init(directory: String) throws(ReadOnlyFile.Failure) {
        var fd = open(directory, O_RDWR | O_CLOEXEC | Self.oTmpFile, 0o600)
        if fd < 0, errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL {
            var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast())
                + Array("okayface-spool-XXXXXX".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if fd >= 0 {
                _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        guard fd >= 0 else { throw .cannotOpen("temporary file in \(directory): \(ReadOnlyFile.errnoText())") }
        descriptor = fd
    }

    /// Linux's `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), which Glibc's module does not
    /// export without `_GNU_SOURCE`.
    private static let oTmpFile: Int32 = 0o20_000_000 | O_DIRECTORY

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends all of `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(ReadOnlyFile.Failure) {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = writeSome(descriptor, base, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw .writeFailed("temporary file: \(ReadOnlyFile.errnoText())")
            }
            base += written
            remaining -= written
            byteCount += written
        }
    }

    /// The finished content as a reader; this object must not be written to afterwards.
    public func finish() -> ReadOnlyFile {
        let file = ReadOnlyFile(adopting: descriptor, byteCount: byteCount)
        descriptor = -1
        return file
    }
}

/// `write(2)`, under a name the method above does not hide.
private func writeSome(_ descriptor: Int32, _ base: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, base, count)
}
