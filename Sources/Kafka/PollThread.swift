import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable OS thread for a librdkafka poll loop.
///
/// Poll calls block for up to their timeout, so they get a thread of their own instead of a
/// thread of Swift's small cooperative pool.
final class PollThread: Sendable {
    private let id: pthread_t

    private final class Body {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }

    /// Starts `body` on a new thread called `name` (at most 15 bytes show in `top -H` and
    /// /proc/<pid>/task/*/comm; without a name the thread inherits its creator's).
    init(name: String, body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Body(name: name, run: body)).toOpaque()
        var id = pthread_t()
        let rc = pthread_create(
            &id, nil,
            { arg in
                let body = Unmanaged<Body>.fromOpaque(arg!).takeRetainedValue()
                Thread.current.name = body.name
                body.run()
                return nil
            },
            box
        )
        precondition(rc == 0, "pthread_create failed: \(rc)")
        self.id = id
    }

    /// Waits for the thread to finish. Must not be called from the thread itself.
    func join() {
        pthread_join(id, nil)
    }

    /// Lets the thread's resources go when it ends, for the case where nobody can join it.
    func detach() {
        pthread_detach(id)
    }

    /// An identifier of the calling thread, comparable with values taken on other threads.
    static var currentID: UInt {
        #if canImport(Darwin)
        UInt(bitPattern: pthread_self())
        #else
        UInt(pthread_self())
        #endif
    }
}
