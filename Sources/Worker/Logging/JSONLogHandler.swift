import Pipeline
import Foundation
import Logging
import Synchronization
import Verification

/// Writes one JSON object per line to standard error: `ts`, `level`, `logger`, `msg` and the
/// metadata flattened beside them, so log shippers index requestId, partition and offset
/// without parsing text.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: LogOutput

    public init(label: String, level: Logger.Level) {
        self.init(label: label, level: level, output: .standardError)
    }

    init(label: String, level: Logger.Level, output: LogOutput) {
        self.label = label
        self.logLevel = level
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // Later sources win, as with the other handlers: handler metadata, then the provider's,
        // then the event's own.
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = JSONLine()
        line.field("ts", .string(Timestamp.format(Date())))
        line.field("level", .string(event.level.rawValue))
        line.field("logger", .string(label))
        line.field("msg", .string(event.message.description))
        for key in merged.keys.sorted(by: Self.byteOrder) where !Self.reserved.contains(key) {
            line.field(key, Self.plain(merged[key]!))
        }
        output.write(line.finish())
    }

    /// The four fields every line starts with; metadata cannot overwrite them.
    private static let reserved: Set<String> = ["ts", "level", "logger", "msg"]

    /// Byte order of the UTF-8 keys: stable, and cheaper than locale-aware comparison.
    static func byteOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func plain(_ value: Logger.Metadata.Value) -> JSONLineValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let a): return .array(a.map(plain))
        case .dictionary(let d):
            return .object(d.keys.sorted(by: byteOrder).map { ($0, plain(d[$0]!)) })
        }
    }
}

/// Serialises whole lines to one file descriptor so lines from concurrent tasks never
/// interleave.
final class LogOutput: Sendable {
    static let standardError = LogOutput(fd: 2)
    private let fd: Mutex<Int32>

    init(fd: Int32) { self.fd = Mutex(fd) }

    func write(_ data: [UInt8]) {
        fd.withLock { fd in
            data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if n <= 0 { if errno == EINTR { continue } else { return } }
                    offset += n
                }
            }
        }
    }
}
