/// The inputs of one OkayFace Plus v1 call. Holds image bytes: never log it.
public struct OkayFacePlusRequest: Sendable {
    public var journeyId: String
    /// The face image cut from the ID card.
    public var imageIdCard: [UInt8]
    /// The selfie.
    public var imageBest: [UInt8]
    /// The opaque bundle produced by the OkayCam Plus SDK.
    public var mobileSdkData: [UInt8]

    public init(journeyId: String, imageIdCard: [UInt8], imageBest: [UInt8], mobileSdkData: [UInt8]) {
        self.journeyId = journeyId
        self.imageIdCard = imageIdCard
        self.imageBest = imageBest
        self.mobileSdkData = mobileSdkData
    }
}
