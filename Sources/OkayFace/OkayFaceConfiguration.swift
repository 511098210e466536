/// Where and as whom the worker calls OkayFace, and how long one call may take.
public struct OkayFaceConfiguration: Sendable {
    /// For example `https://ekycportaldemo.innov8tif.com`; a trailing slash is fine.
    public var baseURL: String
    public var username: String
    /// Sent only in the Create JourneyID body; never logged.
    public var password: String
    /// Whole-call limit; an OkayFace Plus call takes 2–4 s in production.
    public var timeout: Duration
    public var connectTimeout: Duration
    /// Vendor answers are small JSON documents; anything bigger is not an answer.
    public var maxResponseBytes: Int

    public init(
        baseURL: String,
        username: String,
        password: String,
        timeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10),
        maxResponseBytes: Int = 1 << 20
    ) {
        self.baseURL = baseURL
        self.username = username
        self.password = password
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
    }
}
