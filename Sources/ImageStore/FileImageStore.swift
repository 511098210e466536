import Pipeline
import Foundation
import Logging
import Payload
import Verification

/// Opens images from `file://` URIs under the allow-list; their bytes are read only when
/// they are sent.
///
/// Two checks guard the allow-list: the URI must start with an allowed prefix, and the file's
/// real path (symlinks resolved) must still lie under the real path of that prefix, so a
/// symlink inside an allowed folder cannot point out of it.
public struct FileImageStore: Sendable {
    public var allowList: ImageAllowList
    public var logger: Logger

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
        guard let realFile = Self.realPath(file.path) else { throw .unavailable("no such file") }
        let realRoot = Self.realPath(root.path) ?? root.path
        let rootWithSlash = realRoot.hasSuffix("/") ? realRoot : realRoot + "/"
        guard realFile.hasPrefix(rootWithSlash) else { throw .forbidden("resolves outside IMAGE_ALLOWED_PREFIXES") }
        let opened = try Self.open(realFile, maxBytes: limits.maxImageBytes)
        guard limits.requestBudget.take(opened.byteCount) else { throw .requestTooLarge }
        return .file(opened)
    }

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
            switch error {
            case .cannotOpen(let reason): throw .unavailable("cannot open: \(reason)")
            case .notRegularFile: throw .unavailable("not a regular file")
            case .readFailed(let reason), .writeFailed(let reason): throw .unavailable("read failed: \(reason)")
            }
        }
        if file.byteCount > maxBytes { throw .tooLarge }
        guard file.byteCount > 0 else { throw .invalid("empty file") }
        return file
    }
}
