import Foundation
import Logging
import Verification

/// Loads images from `file://` URIs under the allow-list.
///
/// Two checks guard the allow-list: the URI must start with an allowed prefix, and the file's
/// real path (symlinks resolved) must still lie under the real path of that prefix, so a
/// symlink inside an allowed folder cannot point out of it.
public struct FileImageStore: ImageSource {
    public var allowList: ImageAllowList
    public var logger: Logger

    public init(allowList: ImageAllowList, logger: Logger) {
        self.allowList = allowList
        self.logger = logger
    }

    public func load(_ uri: String, maxBytes: Int) async throws(ImageLoadFailure) -> [UInt8] {
        guard uri.hasPrefix("file://") else {
            throw .forbidden("scheme not supported")
        }
        guard let file = FileURI(uri) else { throw .forbidden("not a plain absolute file URI") }
        guard let prefix = allowList.prefix(covering: uri), let root = FileURI(prefix.hasSuffix("/") ? prefix : prefix + "/")
        else {
            throw .forbidden("outside IMAGE_ALLOWED_PREFIXES")
        }
        guard let realFile = Self.realPath(file.path) else { throw .unavailable("no such file") }
        let realRoot = Self.realPath(root.path) ?? root.path
        let rootWithSlash = realRoot.hasSuffix("/") ? realRoot : realRoot + "/"
        guard realFile.hasPrefix(rootWithSlash) else { throw .forbidden("resolves outside IMAGE_ALLOWED_PREFIXES") }
        return try Self.read(realFile, maxBytes: maxBytes)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Reads at most `maxBytes + 1` bytes, so a huge file is refused without reading it all.
    static func read(_ path: String, maxBytes: Int) throws(ImageLoadFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unavailable("cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw .unavailable("not a regular file") }
        if info.st_size > maxBytes { throw .tooLarge }
        var bytes = [UInt8](repeating: 0, count: min(Int(info.st_size), maxBytes) + 1)
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                Foundation.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unavailable("read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            filled += n
        }
        if filled > maxBytes { throw .tooLarge }
        bytes.removeSubrange(filled...)
        guard !bytes.isEmpty else { throw .invalid("empty file") }
        return bytes
    }
}
