import Pipeline
import ServiceLifecycle

/// The pipeline's deadline watch as a service of the worker's group. It is listed before the
/// consumer, so on shutdown it stops only once the consumer has drained: requests finishing
/// in the grace period still have their deadlines.
extension RequestDeadlines: Service {
    public func run() async {
        await cancelWhenGracefulShutdown { await self.watch() }
    }
}
