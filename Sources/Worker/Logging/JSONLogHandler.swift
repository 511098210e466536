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

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: Any] = [:]
        for (key, value) in metadata { fields[key] = Self.plain(value) }
        if let provided = metadataProvider?.get() { for (key, value) in provided { fields[key] = Self.plain(value) } }
        if let extra = event.metadata { for (key, value) in extra { fields[key] = Self.plain(value) } }
        fields["ts"] = Timestamp.format(Date())
        fields["level"] = event.level.rawValue
        fields["logger"] = label
        fields["msg"] = event.message.description
        guard var line = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        line.append(0x0A)
        LogOutput.standardError.write(line)
    }

    static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let a): return a.map(plain)
        case .dictionary(let d): return d.mapValues(plain)
        }
    }
}

/// Serialises whole lines to one file descriptor so lines from concurrent tasks never
/// interleave.
final class LogOutput: Sendable {
    static let standardError = LogOutput(fd: 2)
    private let fd: Mutex<Int32>

    init(fd: Int32) { self.fd = Mutex(fd) }

    func write(_ data: Data) {
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
