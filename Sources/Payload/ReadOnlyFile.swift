#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file opened for reading, with its size as it was when it was opened.
///
/// Reads name their offset (`pread`), so any number of readers on any threads can share the
/// one descriptor without sharing a file position. The descriptor is closed when the last
/// reference goes away, so whoever still needs the bytes (an upload, a retry) keeps it open
/// simply by holding the object.
///
/// `Sendable`: only immutable state, and `pread` on a shared descriptor is thread-safe.
public final class ReadOnlyFile: Sendable {
    /// Why a file could not be opened or read, with the system's message.
    public enum Failure: Error, Sendable, Equatable {
        case cannotOpen(String)
        /// The last component is a symbolic link and the caller asked not to follow it.
        case symbolicLink
        case notRegularFile
        case readFailed(String)
        /// Only for a ``SpoolFile`` being filled.
        case writeFailed(String)
    }

    private let descriptor: Int32
    /// The size `fstat` reported at open; readers never go beyond it, even if the file grows.
    public let byteCount: Int
    /// The first ``headLength`` bytes (fewer in a shorter file), read once at open: the image
    /// format is sniffed from them twice per image (the pipeline's check, the upload's type).
    /// Empty when that read failed; ``ImagePayload/prefix(_:)`` then reads again.
    public let head: [UInt8]
    public static let headLength = 32

    /// Opens `path` read-only; anything but a regular file is refused. With
    /// `followingSymlinks: false` a symbolic link as the last component is refused too
    /// (`.symbolicLink`, `O_NOFOLLOW`).
    public init(path: String, followingSymlinks: Bool = true) throws(Failure) {
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (followingSymlinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            if !followingSymlinks, errno == ELOOP { throw .symbolicLink }
            throw .cannotOpen(Self.errnoText())
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size >= 0 else {
            close(fd)
            throw .notRegularFile
        }
        descriptor = fd
        byteCount = Int(info.st_size)
        head = Self.readHead(fd, byteCount: byteCount)
    }

    /// Takes over an open descriptor whose content is complete (a finished ``SpoolFile``).
    init(adopting descriptor: Int32, byteCount: Int) {
        self.descriptor = descriptor
        self.byteCount = byteCount
        head = Self.readHead(descriptor, byteCount: byteCount)
    }

    private static func readHead(_ descriptor: Int32, byteCount: Int) -> [UInt8] {
        let wanted = min(headLength, byteCount)
        guard wanted > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: wanted)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, wanted, 0) }
        // A short or failed read: no head, and the readers find out for themselves.
        return count == wanted ? bytes : []
    }

    deinit {
        // Not retried on EINTR: on Linux the descriptor is released either way.
        close(descriptor)
    }

    /// Reads up to `buffer.count` bytes starting at `offset`; returns how many were read,
    /// 0 at or past the end of the file. Fewer than asked is possible and not an error.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(Failure) -> Int {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return 0 }
        while true {
            let count = pread(descriptor, base, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw .readFailed(Self.errnoText())
        }
    }

    /// Up to `count` bytes from `offset`, fewer only where the file ends.
    public func bytes(at offset: Int, count: Int) throws(Failure) -> [UInt8] {
        let wanted = max(0, min(count, byteCount - offset))
        var bytes = [UInt8](repeating: 0, count: wanted)
        var filled = 0
        while filled < wanted {
            let result = bytes.withUnsafeMutableBytes { buffer in
                Result { () throws(Failure) -> Int in
                    try self.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), at: offset + filled)
                }
            }
            let read = try result.get()
            if read == 0 { break }
            filled += read
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
