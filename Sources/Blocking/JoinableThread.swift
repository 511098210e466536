import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A named OS thread that can be joined, for the loops that block in C calls by design (a
/// librdkafka poll loop, a libpq connection's jobs): they get a thread of their own instead
/// of one of Swift's few cooperative threads. Foundation's `Thread` cannot be joined, and a
/// closing client must know every C call has returned before it frees what they use.
public final class JoinableThread: Sendable {
    #if os(Linux)
    private let thread: pthread_t
    #else
    // An opaque pointer on Darwin, so not Sendable; it is written once in init, before any
    // other thread can see this object, and only read afterwards.
    private nonisolated(unsafe) let thread: pthread_t
    #endif

    private final class Entry: Sendable {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts `body` on a new thread called `name` (at most 15 bytes show in `top -H` and
    /// /proc/<pid>/task/*/comm; without a name the thread inherits its creator's).
    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Entry(name: name, body: body))
        #if os(Linux)
        var thread = pthread_t()
        #else
        var thread: pthread_t? = nil
        #endif
        let status = pthread_create(&thread, nil, { argument in
            let entry = Unmanaged<Entry>.fromOpaque(argument!).takeRetainedValue()
            Thread.current.name = entry.name
            entry.body()
            return nil
        }, box.toOpaque())
        precondition(status == 0, "pthread_create failed: \(status)")
        #if os(Linux)
        self.thread = thread
        #else
        self.thread = thread!
        #endif
    }

    /// Waits for the thread to finish. Must not be called from the thread itself.
    public func join() {
        pthread_join(thread, nil)
    }

    /// Lets the thread's resources go when it ends, for the case where nobody can join it.
    public func detach() {
        pthread_detach(thread)
    }

    /// True when called on this thread.
    public var isCurrent: Bool {
        pthread_equal(thread, pthread_self()) != 0
    }

    /// An identifier of the calling thread, comparable with values taken on other threads.
    public static var currentID: UInt {
        #if canImport(Darwin)
        UInt(bitPattern: pthread_self())
        #else
        UInt(pthread_self())
        #endif
    }
}
