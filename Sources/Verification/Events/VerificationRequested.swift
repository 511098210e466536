import Foundation

/// VerificationRequested v1, as published by onboarding services on
/// `okayface.verification.requests` (README, Events). Built only by `RequestDecoder`, which
/// validates it, so a value of this type is always a valid request.
public struct VerificationRequested: Sendable, Equatable {
    /// The idempotency key: 1–128 characters.
    public var requestId: String
    /// Absent when the worker must create a journey through Create JourneyID.
    public var journeyId: String?
    /// Image URIs by role.
    public var images: [ImageRole: String]
    /// The SHA-256 an image must have (`imageSha256`, optional per image), lower-case hex.
    public var imageSHA256: [ImageRole: String]
    public var subject: String?
    public var requestedAt: Date?

    public init(
        requestId: String, journeyId: String?, images: [ImageRole: String], imageSHA256: [ImageRole: String] = [:],
        subject: String?, requestedAt: Date?
    ) {
        self.requestId = requestId
        self.journeyId = journeyId
        self.images = images
        self.imageSHA256 = imageSHA256
        self.subject = subject
        self.requestedAt = requestedAt
    }

    /// The URI of one image; validation guarantees all three are present.
    public func uri(_ role: ImageRole) -> String { images[role] ?? "" }
}
