/// AWS Signature Version 4 for a request, computed by libcurl (`CURLOPT_AWS_SIGV4`): the
/// provider, region and service of the credential scope, and the key pair. A session token,
/// when there is one, goes in the caller's `x-amz-security-token` header.
///
/// `description` leaves the secret out, so the value can be logged by accident without harm.
public struct AWSSigV4: Sendable, CustomStringConvertible {
    public var region: String
    public var service: String
    public var accessKeyId: String
    public var secretAccessKey: String

    public init(region: String, service: String, accessKeyId: String, secretAccessKey: String) {
        self.region = region
        self.service = service
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
    }

    /// libcurl's `provider1[:provider2[:region[:service]]]` form.
    var curlParameter: String { "aws:amz:\(region):\(service)" }

    public var description: String { "AWSSigV4(\(region), \(service), key \(accessKeyId))" }
}
