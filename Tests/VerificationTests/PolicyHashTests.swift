import Digest
import Foundation
import Testing
import Verification

/// The policy's identity (README, Decision policy): the SHA-256 of a canonical JSON of
/// thresholds, bands and the next-action table, so a changed number or row is a new hash and
/// the same rules under another name are the same hash.
@Suite("Policy hash")
struct PolicyHashTests {
    @Test("the hash is sha256: and the hex SHA-256 of the canonical JSON")
    func hashOfCanonicalJSON() throws {
        let policy = DecisionPolicy()
        #expect(policy.hash == "sha256:" + SHA256.hex(Array(policy.canonicalJSON.utf8)))
        #expect(policy.hash.count == "sha256:".count + 64)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(policy.canonicalJSON.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["thresholds", "reviewBands", "rules", "nextAction"])
        // No spaces, sorted keys: the bytes are the same on every machine for the same policy.
        #expect(!policy.canonicalJSON.contains("\": ") && !policy.canonicalJSON.contains(", \""))
        #expect(policy.canonicalJSON.hasPrefix("{\"nextAction\":{\"byDecision\":{\"approved\":\"proceed\""))
    }

    @Test("the next-action table is in the document, row by row")
    func tableIsHashed() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(DecisionPolicy().canonicalJSON.utf8)) as? [String: Any])
        let table = try #require((object["nextAction"] as? [String: Any])?["byReason"] as? [String: String])
        #expect(table["vendor_error:FACE_TOO_SMALL"] == "retake_photos")
        #expect(table["vendor_error:*"] == "fix_request")
        #expect(table["image_invalid:mobileSdkData"] == "fix_request")
        #expect(table["image_invalid:best"] == "retake_photos")
        #expect(table["deadline_exceeded"] == "retry_later")
        #expect((object["nextAction"] as? [String: Any])?["precedence"] as? [String] == ["retake_photos", "fix_request", "retry_later"])
    }

    @Test("another threshold or band is another hash; another name is the same hash")
    func identity() {
        let base = DecisionPolicy()
        #expect(DecisionPolicy(id: "bank-a").hash == base.hash)
        #expect(DecisionPolicy(id: "bank-a").reference == PolicyReference(id: "bank-a", hash: base.hash))
        var thresholds = Thresholds.vendorRecommended
        thresholds.faceConfidence = 80
        #expect(DecisionPolicy(thresholds: thresholds).hash != base.hash)
        thresholds = .vendorRecommended
        thresholds.livenessReviewBand = 0.1
        #expect(DecisionPolicy(thresholds: thresholds).hash != base.hash)
        #expect(DecisionPolicy().hash == base.hash)
    }
}
