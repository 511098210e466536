import Foundation
import Hummingbird
import Logging

/// `POST /api/ekyc/journeyid`: the vendor's Create JourneyID, checking credentials against
/// ``SimulatorConfiguration/credentials``.
struct JourneyRoutes: Sendable {
    static let path = "/api/ekyc/journeyid"

    let store: SimulatorStore
    let logger: Logger

    func addRoutes(to router: Router<SimulatorRequestContext>) {
        router.post(RouterPath(Self.path)) { request, _ in
            try await createJourney(request)
        }
    }

    func createJourney(_ request: Request) async throws -> Response {
        // The vendor answers MISSING_PARAM_CRENDENTIAL (sic) for anything it cannot read
        // credentials from: no body, non-JSON, missing, empty or non-string fields.
        let body = try? await request.body.collect(upTo: 64 * 1024)
        guard let body,
            let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let username = object["username"] as? String, !username.isEmpty,
            let password = object["password"] as? String, !password.isEmpty
        else {
            return reject("MISSING_PARAM_CRENDENTIAL", username: nil)
        }
        let credentials = store.configuration.credentials
        guard let expected = credentials[username] else {
            return reject("USERNAME_NOT_EXIST", username: username)
        }
        guard expected == password else {
            return reject("INCORRECT_PASSWORD", username: username)
        }
        let journeyId = store.withState { $0.createJourney(now: .now) }
        logger.debug(
            "create journey",
            metadata: ["simulator.route": "journeyid", "username": "\(username)", "journeyId": "\(journeyId)", "http.status": "200"]
        )
        return VendorResponse.json(
            #"{"status":"success","message":"api.success","journeyId":\#(JSONText.string(journeyId))}"#,
            status: 200
        )
    }

    private func reject(_ code: String, username: String?) -> Response {
        logger.debug(
            "create journey",
            metadata: ["simulator.route": "journeyid", "username": "\(username ?? "-")", "http.status": "400", "error": "\(code)"]
        )
        return VendorResponse.error(code)
    }
}
