import Hummingbird

/// The request context of the simulator's router.
///
/// Hummingbird's default 2 MB upload limit would answer 413 before the simulator could give the
/// vendor's own `Request size exceed 5MB.`; the routes read bodies themselves and enforce the
/// vendor's limits, so the framework limit is set well above them.
struct SimulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    var maxUploadSize: Int { 64 * 1024 * 1024 }
}
