/// Settings of an ``OkayFaceSimulator``: where it listens, which credentials Create JourneyID
/// accepts, and the faults it injects into OkayFace Plus calls.
///
/// Every fault is off by default, so a fresh simulator answers like a healthy vendor with
/// instant responses. Fault settings can be changed while running with
/// ``OkayFaceSimulator/update(_:)``.
public struct SimulatorConfiguration: Sendable {
    /// Address to bind.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks an ephemeral port (read it from ``OkayFaceSimulator/start()``).
    public var port: Int = 0
    /// Username → password pairs accepted by Create JourneyID.
    public var credentials: [String: String] = ["demo": "demo-password"]
    /// Time every OkayFace Plus call takes at least, counted from its arrival, so receiving and
    /// parsing the body are part of it (production calls take 2–4 s).
    public var latency: Duration = .zero
    /// Uniformly random extra delay, 0 … `latencyJitter`, added on top of ``latency``.
    public var latencyJitter: Duration = .zero
    /// Fraction (0…1) of OkayFace Plus calls answered with a transient failure: HTTP 500
    /// `{"status":"Internal Server Error"}` or HTTP 503 with a framework error body, half each.
    public var transientErrorRate: Double = 0
    /// Quota on OkayFace Plus calls per second (token bucket, burst = one second's worth);
    /// calls over it answer HTTP 429 `MAX_API_CALL_EXCEEDED`. `nil` = no quota.
    public var maxRequestsPerSecond: Double? = nil
    /// Age after which a journey answers `INVALID_JOURNEY_ID`, as the vendor purges journeys
    /// 14 days after creation.
    public var journeyLifetime: Duration = .seconds(14 * 24 * 3600)
    /// Seed of the generator behind jitter and ``transientErrorRate``, so a sequential run of
    /// calls sees the same faults every time.
    public var randomSeed: UInt64 = 0x0CA7_FACE

    /// A configuration with every default: loopback, ephemeral port, `demo`/`demo-password`, no faults.
    public init() {}

    /// A configuration with the given values; omitted ones keep their defaults.
    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        credentials: [String: String] = ["demo": "demo-password"],
        latency: Duration = .zero,
        latencyJitter: Duration = .zero,
        transientErrorRate: Double = 0,
        maxRequestsPerSecond: Double? = nil,
        journeyLifetime: Duration = .seconds(14 * 24 * 3600),
        randomSeed: UInt64 = 0x0CA7_FACE
    ) {
        self.host = host
        self.port = port
        self.credentials = credentials
        self.latency = latency
        self.latencyJitter = latencyJitter
        self.transientErrorRate = transientErrorRate
        self.maxRequestsPerSecond = maxRequestsPerSecond
        self.journeyLifetime = journeyLifetime
        self.randomSeed = randomSeed
    }
}
