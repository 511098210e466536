/// The three inputs of an OkayFace Plus call, named as in the events and in reason words
/// (`image_unavailable:idCard`).
public enum ImageRole: String, Sendable, CaseIterable, Codable {
    case idCard
    case best
    case mobileSdkData
}
