import Verification
import Synchronization

/// The byte limits one image load respects while it reads, so that an oversized object is
/// refused after at most a buffer beyond its limit, never read whole.
public struct ImageLimits: Sendable {
    /// The most one image may hold (`IMAGE_MAX_BYTES`); more is ``ImageLoadFailure/tooLarge``.
    public var maxImageBytes: Int
    /// Shared by the three images of a request: the vendor's limit on the whole body.
    public let requestBudget: ByteBudget

    public init(maxImageBytes: Int, requestBudget: ByteBudget) {
        self.maxImageBytes = maxImageBytes
        self.requestBudget = requestBudget
    }
}

/// Bytes a request's images may still take, drawn from by their loads as they read, possibly
/// at the same time.
public final class ByteBudget: Sendable {
    private let remaining: Mutex<Int>

    public init(bytes: Int) {
        remaining = Mutex(bytes)
    }

    /// Takes `count` bytes; false, taking nothing, when fewer remain.
    public func take(_ count: Int) -> Bool {
        remaining.withLock { remaining in
            guard count <= remaining else { return false }
            remaining -= count
            return true
        }
    }

    /// Returns bytes taken by a load that is retried from the start.
    public func giveBack(_ count: Int) {
        remaining.withLock { $0 += count }
    }

    public var available: Int { remaining.withLock { $0 } }
}
