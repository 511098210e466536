import Foundation

/// A joinable OS thread. Foundation's `Thread` cannot be joined, and `close()` must know that
/// every libpq call has returned before it does.
final class PoolThread: Sendable {
    #if os(Linux)
    private let thread: pthread_t
    #else
    // An opaque pointer on Darwin, so not Sendable; it is written once in init, before any
    // other thread can see this object, and only read afterwards.
    private nonisolated(unsafe) let thread: pthread_t
    #endif

    /// Starts `body` on a new thread called `name`.
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Entry(name: name, body: body))
        #if os(Linux)
        var thread = pthread_t()
        #else
        var thread: pthread_t? = nil
        #endif
        let status = pthread_create(&thread, nil, { argument in
            let entry = Unmanaged<Entry>.fromOpaque(argument!).takeRetainedValue()
            entry.start()
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
    func join() {
        pthread_join(thread, nil)
    }

    /// True when called on this thread.
    var isCurrent: Bool {
        pthread_equal(thread, pthread_self()) != 0
    }

    private final class Entry: Sendable {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }

        func start() {
            // Shows in `top -H`, gdb and crash reports.
            Thread.current.name = name
            body()
        }
    }
}
