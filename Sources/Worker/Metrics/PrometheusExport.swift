import Metrics
import Prometheus

/// The process's Prometheus registry, served on `HTTP_PORT` `/metrics`. Its first use installs
/// it as swift-metrics' backend (once per process: a second worker in the same process, as in
/// the tests, shares it), so touch it before any metric is created.
public enum PrometheusExport {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Vendor calls take tens of milliseconds to tens of seconds (OKAYFACE_TIMEOUT_MS).
        factory.defaultDurationHistogramBuckets = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000]
            .map { Duration.milliseconds($0) }
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// The text exposition format.
    public static func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
