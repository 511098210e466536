import Pipeline
import WebClient
import Payload
import Verification

/// Receives one image's body while it streams: enforces the image's and the request's byte
/// limits chunk by chunk, keeps a small image in memory and spools a larger one to an
/// unnamed temporary file, so neither a huge object nor many images in flight fill memory.
///
/// `@unchecked Sendable`: `receive` runs on the HTTP client's loop thread during the
/// transfer; the awaiting task reads the outcome only after the transfer has completed, and
/// the continuation's resumption orders those accesses.
final class ImageDownload: HTTPBodyStream, @unchecked Sendable {
    private let limits: ImageLimits
    private let spoolDirectory: String
    private let memoryLimit: Int
    private var memory: [UInt8] = []
    private var spool: SpoolFile?
    /// Bytes taken from the request's budget so far.
    private(set) var received = 0
    /// Why the transfer was stopped, when this object stopped it.
    private(set) var stopReason: ImageLoadFailure?

    init(limits: ImageLimits, spoolDirectory: String, memoryLimit: Int) {
        self.limits = limits
        self.spoolDirectory = spoolDirectory
        self.memoryLimit = memoryLimit
    }

    func receive(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard received + chunk.count <= limits.maxImageBytes else { return stop(.tooLarge) }
        guard limits.requestBudget.take(chunk.count) else { return stop(.requestTooLarge) }
        received += chunk.count
        if spool == nil, memory.count + chunk.count <= memoryLimit {
            memory.append(contentsOf: chunk)
            return true
        }
        do {
            if spool == nil {
                let file = try SpoolFile(directory: spoolDirectory)
                let buffered = memory
                memory = []
                // Not a throwing closure: typed throws through withUnsafeBytes crashes Swift 6.3's IRGen.
                let failure = buffered.withUnsafeBytes { bytes -> ReadOnlyFile.Failure? in
                    do throws(ReadOnlyFile.Failure) { try file.write(bytes) } catch { return error }
                    return nil
                }
                if let failure { throw failure }
                spool = file
            }
            try spool?.write(chunk)
            return true
        } catch {
            return stop(.unavailable("could not spool the download: \(error)"))
        }
    }

    /// The complete body; call once, after a successful transfer.
    func payload() -> ImagePayload {
        if let spool { return .file(spool.finish()) }
        return .bytes(memory)
    }

    /// Returns the bytes of a failed attempt to the request's budget before a retry.
    func releaseBudget() {
        limits.requestBudget.giveBack(received)
        received = 0
    }

    private func stop(_ reason: ImageLoadFailure) -> Bool {
        stopReason = reason
        return false
    }
}
