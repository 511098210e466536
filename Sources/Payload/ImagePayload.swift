/// One image to upload: bytes in memory, or an opened file whose bytes are read only while
/// they are sent, so a request in flight holds a descriptor instead of the image.
///
/// Holding a payload keeps its file open; the file is closed when the last copy is gone.
public enum ImagePayload: Sendable {
    /// Already in memory (a source with nothing to keep open, or a test).
    case bytes([UInt8])
    /// A local file, opened and sized but not read.
    case file(ReadOnlyFile)

    /// The size that will be sent.
    public var byteCount: Int {
        switch self {
        case .bytes(let bytes): bytes.count
        case .file(let file): file.byteCount
        }
    }

    /// The first `count` bytes or fewer, e.g. to recognise the format. A file that cannot be
    /// read gives fewer (possibly none); sending it will then fail on the same read.
    public func prefix(_ count: Int) -> [UInt8] {
        switch self {
        case .bytes(let bytes): Array(bytes.prefix(count))
        case .file(let file):
            if !file.head.isEmpty, count <= file.head.count || file.head.count == file.byteCount {
                Array(file.head.prefix(count))
            } else {
                (try? file.bytes(at: 0, count: count)) ?? []
            }
        }
    }
}
