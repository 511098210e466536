import Pipeline
import Foundation
import Logging
import Payload
import Synchronization
import Verification

/// Opens images from `file://` URIs under the allow-list; their bytes are read only when
/// they are sent.
///
/// Two checks guard the allow-list: the URI must start with an allowed prefix, and the file's
/// real path (symlinks resolved) must still lie under the real path of that prefix, so a
/// symlink inside an allowed folder cannot point out of it. The file's real path is the one
/// the kernel names for the descriptor opened (`O_PATH`, which opens no device or FIFO), and the
/// file read is that same descriptor reopened, so nothing can swap the file between the check
/// and the read. The prefixes' real paths are kept for a second (``RealPathCache``): a file
/// right inside a prefix's folder, not itself a link, is opened in one call under that real
/// path, so a prefix that is a symlink re-pointed elsewhere is followed within a second.
public struct FileImageStore: Sendable {
    public var allowList: ImageAllowList
    public var logger: Logger
    private let roots = RealPathCache()

    public init(allowList: ImageAllowList, logger: Logger) {
        self.allowList = allowList
        self.logger = logger
    }

    /// Opens the file instead of reading it: the bytes are read only while the vendor call
    /// sends them, so a request in flight holds a descriptor rather than the image.
    public func load(_ uri: String, limits: ImageLimits) throws(ImageLoadFailure) -> ImagePayload {
        guard uri.hasPrefix("file://") else {
            throw .forbidden("scheme not supported")
        }
        guard let file = FileURI(uri) else { throw .forbidden("not a plain absolute file URI") }
        guard let prefix = allowList.prefix(covering: uri), let root = FileURI(prefix.hasSuffix("/") ? prefix : prefix + "/")
        else {
            throw .forbidden("outside IMAGE_ALLOWED_PREFIXES")
        }
        if file.path.hasPrefix(root.path),
            let opened = try Self.openDirectlyUnder(roots.realPath(of: root.path), file.path.dropFirst(root.path.count), maxBytes: limits.maxImageBytes)
        {
            guard limits.requestBudget.take(opened.byteCount) else { throw .requestTooLarge }
            return .file(opened)
        }
        let located = try Self.locate(file.path)
        defer { if let descriptor = located.descriptor { close(descriptor) } }
        // A root that moved (its symlink re-pointed) within the cache's second is looked up
        // again before the file is refused.
        guard located.realPath.hasPrefix(roots.realPath(of: root.path)) || located.realPath.hasPrefix(roots.realPath(of: root.path, fresh: true))
        else { throw .forbidden("resolves outside IMAGE_ALLOWED_PREFIXES") }
        let opened = try Self.open(located.descriptor.map { "/proc/self/fd/\($0)" } ?? located.realPath, maxBytes: limits.maxImageBytes)
        guard limits.requestBudget.take(opened.byteCount) else { throw .requestTooLarge }
        return .file(opened)
    }

    /// The usual case in one system call: a file right inside the prefix's folder (`name` has
    /// no `/`) and not a symbolic link (`O_NOFOLLOW`), whose real path is the folder's real path
    /// and its name. nil when that is not the case, for ``locate(_:)`` to resolve it.
    static func openDirectlyUnder(_ realRoot: String, _ name: Substring, maxBytes: Int) throws(ImageLoadFailure) -> ReadOnlyFile? {
        // Bytes, not Foundation's `contains` on a Substring (0.75% of the worker's CPU).
        guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: "/")), name != ".", name != ".." else { return nil }
        let file: ReadOnlyFile
        do {
            file = try ReadOnlyFile(path: realRoot + name, followingSymlinks: false)
        } catch {
            switch error {
            // A link to follow, or a file that is not there: the full resolution decides and words it.
            case .symbolicLink, .cannotOpen: return nil
            case .notRegularFile, .readFailed, .writeFailed: throw unavailable(error)
            }
        }
        return try checked(file, maxBytes: maxBytes)
    }

    /// The real path of `path`, with an `O_PATH` descriptor of what it names when `/proc` can
    /// name it (the caller closes it); without `/proc`, `realpath(3)` and no descriptor.
    static func locate(_ path: String) throws(ImageLoadFailure) -> (realPath: String, descriptor: Int32?) {
        let descriptor = Glibc.open(path, Self.oPath | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .unavailable("no such file") }
            throw .unavailable("cannot open: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw .unavailable("not a regular file")
        }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(descriptor)", &buffer, Int(PATH_MAX))
        guard count > 0, buffer[0] == CChar(UInt8(ascii: "/")) else {
            close(descriptor)
            guard let real = realPath(path) else { throw .unavailable("no such file") }
            return (real, nil)
        }
        let real = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (real, descriptor)
    }

    /// Linux's `O_PATH` (asm-generic), which Glibc's Swift overlay does not import.
    private static let oPath: Int32 = 0o10_000_000

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Opens the resolved path that passed the allow-list check, not the URI's path, and
    /// judges the size from `fstat` without reading. A refused file is closed on the way out.
    static func open(_ realPath: String, maxBytes: Int) throws(ImageLoadFailure) -> ReadOnlyFile {
        let file: ReadOnlyFile
        do {
            file = try ReadOnlyFile(path: realPath)
        } catch {
            throw unavailable(error)
        }
        return try checked(file, maxBytes: maxBytes)
    }

    private static func unavailable(_ failure: ReadOnlyFile.Failure) -> ImageLoadFailure {
        switch failure {
        case .cannotOpen(let reason): .unavailable("cannot open: \(reason)")
        case .symbolicLink, .notRegularFile: .unavailable("not a regular file")
        case .readFailed(let reason), .writeFailed(let reason): .unavailable("read failed: \(reason)")
        }
    }

    private static func checked(_ file: ReadOnlyFile, maxBytes: Int) throws(ImageLoadFailure) -> ReadOnlyFile {
        if file.byteCount > maxBytes { throw .tooLarge }
        guard file.byteCount > 0 else { throw .invalid("empty file") }
        return file
    }
}

/// The allow-list prefixes' real paths (with a trailing slash), each looked up at most once a
/// second: resolving a prefix cost as much as opening the image (docs/benchmarks.md), and a
/// prefix rarely moves.
final class RealPathCache: Sendable {
    static let lifetime: Duration = .seconds(1)
    private let entries = Mutex([String: (real: String, at: ContinuousClock.Instant)]())

    /// A prefix that does not resolve (yet) is taken as written.
    func realPath(of path: String, fresh: Bool = false) -> String {
        let now = ContinuousClock.now
        if !fresh, let entry = entries.withLock({ $0[path] }), now - entry.at < Self.lifetime { return entry.real }
        let resolved = FileImageStore.realPath(path) ?? path
        let real = resolved.hasSuffix("/") ? resolved : resolved + "/"
        entries.withLock { $0[path] = (real, now) }
        return real
    }
}
