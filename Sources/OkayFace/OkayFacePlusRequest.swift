import Payload

/// The inputs of one OkayFace Plus v1 call. Holds the images (bytes, or open files that are
/// read while the call is sent): never log it. Files stay open as long as a copy is held.
public struct OkayFacePlusRequest: Sendable {
    public var journeyId: String
    /// The face image cut from the ID card.
    public var imageIdCard: ImagePayload
    /// The selfie.
    public var imageBest: ImagePayload
    /// The opaque bundle produced by the OkayCam Plus SDK.
    public var mobileSdkData: ImagePayload

    public init(journeyId: String, imageIdCard: ImagePayload, imageBest: ImagePayload, mobileSdkData: ImagePayload) {
        self.journeyId = journeyId
        self.imageIdCard = imageIdCard
        self.imageBest = imageBest
        self.mobileSdkData = mobileSdkData
    }
}
