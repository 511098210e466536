import Foundation

extension Process {
    /// Waits for the process to end without holding a thread. `waitUntilExit()` blocks one
    /// of Swift's cooperative threads (two on a 2-core machine), and servers running in the
    /// same process (the vendor simulator in the tests) need those threads to answer: a
    /// worker waiting for their answers in its graceful shutdown then hits its timeouts and
    /// retries.
    public func exited() async {
        while isRunning { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
