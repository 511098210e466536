import Pipeline
import Payload
import Verification

/// The pipeline's ``ImageSource``: `file://` URIs go to the ``FileImageStore``, `http://`,
/// `https://` and `s3://` to the ``RemoteImageStore``, each behind the allow-list; any other
/// URI is refused unread.
public struct ImageSources: ImageSource {
    public let files: FileImageStore
    public let remote: RemoteImageStore

    public init(files: FileImageStore, remote: RemoteImageStore) {
        self.files = files
        self.remote = remote
    }

    public func readsAtOnce(_ uri: String) -> Bool { uri.hasPrefix("file:") }

    public func load(_ uri: String, limits: ImageLimits) async throws(ImageLoadFailure) -> ImagePayload {
        if uri.hasPrefix("file:") { return try files.load(uri, limits: limits) }
        let parsed: RemoteURI
        do {
            parsed = try RemoteURI(uri)
        } catch {
            throw .forbidden(error.reason)
        }
        return try await remote.load(parsed, limits: limits)
    }
}
