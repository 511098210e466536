import Blocking
import CRdKafka
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one `rd_kafka_t` and decides when it may be destroyed.
///
/// librdkafka handles are thread-safe, so any thread may call into `handle`; the only hazard is
/// destroying it while another thread is still inside a call. Callers therefore borrow the handle
/// with `withHandle`, and `destroy()` first refuses new borrows and then waits for the running ones.
// @unchecked: `handle` is an immutable pointer to a thread-safe librdkafka object, and its
// destruction is serialised with every use through the `leases` mutex.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind {
        case producer, consumer

        var rdType: rd_kafka_type_t { self == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER }
    }

    private struct Leases {
        var closed = false
        var active = 0
        var destroyed = false
    }

    let handle: OpaquePointer
    let context: RDKafkaCallbackContext
    private let leases = Mutex(Leases())

    /// Creates the handle. `configure` may install callbacks on the `rd_kafka_conf_t` first;
    /// `context` becomes the handle's opaque and stays alive until `destroy()`.
    init(
        kind: Kind,
        properties: [String: String],
        context: RDKafkaCallbackContext,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        let conf = try RDKafkaConfig.make(properties)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdKafkaLogCallback)
        configure(conf)

        var errstr = [CChar](repeating: 0, count: 512)
        guard let handle = BlockingCall.around("rd_kafka_new", { rd_kafka_new(kind.rdType, conf, &errstr, errstr.count) }) else {
            rd_kafka_conf_destroy(conf)  // still ours when rd_kafka_new fails
            throw KafkaError(
                RD_KAFKA_RESP_ERR__INVALID_ARG, reason: "rd_kafka_new failed: \(RDKafkaConfig.string(errstr))"
            )
        }
        self.handle = handle
        self.context = context
    }

    deinit { destroy() }

    /// Runs `body` with the handle unless the client is closing; throws `KafkaError.closed` then.
    func withHandle<T>(_ body: (OpaquePointer) throws(KafkaError) -> T) throws(KafkaError) -> T {
        let admitted = leases.withLock { state in
            guard !state.closed else { return false }
            state.active += 1
            return true
        }
        guard admitted else { throw KafkaError.closed }
        defer { leases.withLock { $0.active -= 1 } }
        return try body(handle)
    }

    /// Refuses new `withHandle` calls from now on, without waiting.
    func refuseNewCalls() {
        leases.withLock { $0.closed = true }
    }

    /// Refuses new calls and waits for running ones, then forgets the handle without destroying
    /// it, for the one case where `rd_kafka_destroy` would abort the process. librdkafka's threads
    /// live on and may still log, so the callback context is leaked along with the handle.
    func abandon() {
        guard drain() else { return }
        _ = Unmanaged.passRetained(context)
    }

    /// Refuses new calls, waits for running ones, runs `beforeDestroy`, then `rd_kafka_destroy`.
    /// Idempotent. Must not be called from inside `withHandle` or a librdkafka callback.
    func destroy(beforeDestroy: (OpaquePointer) -> Void = { _ in }) {
        guard drain() else { return }
        beforeDestroy(handle)
        BlockingCall.around("rd_kafka_destroy") { rd_kafka_destroy(handle) }
    }

    /// Refuses new borrows and waits until running ones end. Returns true only to the first caller.
    private func drain() -> Bool {
        let first = leases.withLock { state in
            state.closed = true
            defer { state.destroyed = true }
            return !state.destroyed
        }
        guard first else { return false }
        // Borrows are short librdkafka calls; polling keeps this free of condition variables.
        while leases.withLock({ $0.active }) > 0 {
            usleep(1_000)
        }
        return true
    }
}

/// State shared with librdkafka's C callbacks through the handle's opaque pointer.
///
/// C callbacks cannot capture, so they recover this object from the opaque; the owning client
/// keeps it alive until after `rd_kafka_destroy`, the last point where callbacks can run.
final class RDKafkaCallbackContext: Sendable {
    typealias EventHandler = @Sendable (KafkaConsumerEvent) -> Void

    let logger: Logger
    /// The handler in a box. A closure stored directly in the `Mutex` and read back through
    /// `withLock` gained a reabstraction thunk on every access (measured: each event slower
    /// than the last, and a poll-thread stack growing without bound); a class reference
    /// round-trips unchanged.
    final class EventHandlerBox: Sendable {
        let handler: EventHandler
        init(_ handler: @escaping EventHandler) { self.handler = handler }
    }

    /// Consumer only: where rebalance and error events go once `start` has been called.
    let eventHandler = Mutex<EventHandlerBox?>(nil)
    /// Consumer only: set once the group has handed this member an assignment (possibly empty).
    let hasBeenAssigned = Atomic<Bool>(false)
    /// Producer only: sends waiting for their delivery report.
    let deliveries = DeliveryRegistry()

    init(logger: Logger) {
        self.logger = logger
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaCallbackContext? {
        opaque.map { Unmanaged<RDKafkaCallbackContext>.fromOpaque($0).takeUnretainedValue() }
    }

    static func from(handle: OpaquePointer?) -> RDKafkaCallbackContext? {
        handle.flatMap { from(rd_kafka_opaque($0)) }
    }

    /// Calls the consumer's handler, or only logs when none is installed yet.
    func emit(_ event: KafkaConsumerEvent) {
        if let box = eventHandler.withLock({ $0 }) {
            box.handler(event)
        } else if case .error(let error) = event {
            logger.warning("Kafka client error before start", metadata: ["error": "\(error)"])
        }
    }
}

/// Routes librdkafka's own log lines (syslog levels) into swift-log instead of stderr.
private let rdKafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    handle, level, facility, line in
    guard let context = RDKafkaCallbackContext.from(handle: handle) else { return }
    let swiftLevel: Logger.Level
    switch level {
    case ...2: swiftLevel = .critical
    case 3: swiftLevel = .error
    case 4: swiftLevel = .warning
    case 5: swiftLevel = .notice
    case 6: swiftLevel = .info
    default: swiftLevel = .debug
    }
    context.logger.log(
        level: swiftLevel,
        "\(line.map { String(cString: $0) } ?? "")",
        metadata: [
            "rdkafka.facility": "\(facility.map { String(cString: $0) } ?? "")",
            "rdkafka.client": "\(handle.map { String(cString: rd_kafka_name($0)) } ?? "")",
        ]
    )
}
