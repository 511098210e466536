import Foundation
import Hummingbird
import Logging

/// `POST /api/ekyc/okayface-plus/v1`: checks a multipart request the way the vendor does and
/// answers with scores from ``ScoreModel`` or a ``SimulateDirective``.
///
/// Order of decisions, each answering at the first failure:
/// 1. configured faults: latency (always), then the quota (429 `MAX_API_CALL_EXCEEDED`), then
///    ``SimulatorConfiguration/transientErrorRate`` (500 or 503) — a gateway refuses before the
///    application looks at the request;
/// 2. sizes: the whole body over 5 MB (`Request size exceed 5MB.`), then — once the body is
///    parsed (`MISSING_ARGUMENTS` if it is not multipart or is malformed) — an image part over
///    3 MB (`PAYLOAD_TOO_LARGE`);
/// 3. fields: `imageIdCard`, `imageBest` or `mobileSdkData` missing or empty (`MISSING_ARGUMENTS`);
/// 4. journey: `journeyId` missing, unknown or expired (`INVALID_JOURNEY_ID`);
/// 5. image sniffing: either image not JPEG or PNG (`UNRECOGNIZED_IMAGE`);
/// 6. the `simulate` directive: `delayMs`, then `failFirst`, then `error`, then the scores.
struct OkayFacePlusRoute: Sendable {
    static let path = "/api/ekyc/okayface-plus/v1"
    /// The vendor's limit on the whole request ("at or under 5 MB").
    static let maximumRequestSize = 5 * 1024 * 1024
    /// The vendor's limit on each image.
    static let maximumImageSize = 3 * 1024 * 1024

    let store: SimulatorStore
    let logger: Logger

    func addRoutes(to router: Router<SimulatorRequestContext>) {
        router.post(RouterPath(Self.path)) { request, _ in
            try await handle(request)
        }
    }

    /// What one call was answered, for stats and the log line.
    private struct Answer {
        var response: Response
        var journeyId: String?
        /// The error code or "api.success", for the log.
        var outcome: String
        /// Refused by the quota (`--max-rps`).
        var quotaRefused = false
    }

    func handle(_ request: Request) async throws -> Response {
        let started = ContinuousClock.now
        let second = Int(Date().timeIntervalSince1970)
        let received = try await receiveBody(request)
        let answer = try await answer(received, contentType: request.headers[.contentType], arrived: started)
        let status = answer.response.status.code
        store.withState {
            $0.recordCall(journeyId: answer.journeyId, status: status, quotaRefused: answer.quotaRefused, arrivedIn: second)
        }
        logger.debug(
            "okayface-plus call",
            metadata: [
                "simulator.route": "okayface-plus",
                "journeyId": "\(answer.journeyId ?? "-")",
                "http.status": "\(status)",
                "outcome": "\(answer.outcome)",
                "request.bytes": "\(received.size)",
                "duration.ms": "\((ContinuousClock.now - started).seconds * 1000)",
            ]
        )
        return answer.response
    }

    private func answer(_ received: ReceivedBody, contentType: String?, arrived: ContinuousClock.Instant) async throws -> Answer {
        // Parsed before the faults only so that fault answers can be counted per journey.
        let form: Result<MultipartForm, MultipartForm.ParseError>? = received.body.map { body in
            Result { () throws(MultipartForm.ParseError) in try MultipartForm(body: body, contentType: contentType) }
        }
        let journeyId = try? form?.get().text("journeyId")
        func reject(_ code: String, status: Int = 400) -> Answer {
            Answer(response: VendorResponse.error(code, status: status), journeyId: journeyId, outcome: code)
        }

        let (delay, fault) = store.withState { $0.admitCall(now: .now) }
        if delay > .zero {
            // Counted from the call's arrival, so receiving and parsing the body are part of
            // the configured latency rather than added to it.
            try await Task.sleep(until: arrived + delay, clock: .continuous)
        }
        switch fault {
        case .quotaExceeded(let retryAfter):
            return Answer(
                response: VendorResponse.quotaExceeded(retryAfter: retryAfter), journeyId: journeyId, outcome: "MAX_API_CALL_EXCEEDED",
                quotaRefused: true)
        case .transient(let status):
            return Answer(
                response: VendorResponse.transientFailure(status: status, path: Self.path),
                journeyId: journeyId,
                outcome: "transient \(status)"
            )
        case nil:
            break
        }

        guard let form else {
            return reject("Request size exceed 5MB.")
        }
        guard case .success(let form) = form else {
            return reject("MISSING_ARGUMENTS")
        }

        if [form["imageIdCard"], form["imageBest"]].contains(where: { ($0?.readableBytes ?? 0) > Self.maximumImageSize }) {
            return reject("PAYLOAD_TOO_LARGE")
        }
        guard let imageIdCard = form["imageIdCard"], imageIdCard.readableBytes > 0,
            let imageBest = form["imageBest"], imageBest.readableBytes > 0,
            let mobileSdkData = form["mobileSdkData"], mobileSdkData.readableBytes > 0
        else {
            return reject("MISSING_ARGUMENTS")
        }
        guard let journeyId, store.withState({ $0.isLiveJourney(journeyId, now: .now) }) else {
            return reject("INVALID_JOURNEY_ID")
        }
        guard ImageSniffer.format(of: imageIdCard) != nil, ImageSniffer.format(of: imageBest) != nil else {
            return reject("UNRECOGNIZED_IMAGE")
        }

        let directive: SimulateDirective?
        do {
            directive = try SimulateDirective.parse(mobileSdkData: mobileSdkData)
        } catch {
            logger.warning("ignoring malformed simulate directive", metadata: ["journeyId": "\(journeyId)", "error": "\(error)"])
            directive = nil
        }
        if let directive {
            if let answer = try await apply(directive, journeyId: journeyId) {
                return answer
            }
        }

        let scores = ScoreModel.scores(imageIdCard: imageIdCard, imageBest: imageBest, mobileSdkData: mobileSdkData)
        let success = OkayFaceAnswer(scores: scores, directive: directive)
        return Answer(response: VendorResponse.json(success.json, status: 200), journeyId: journeyId, outcome: "api.success")
    }

    /// The parts of a directive that replace the whole answer; `nil` when scores should follow.
    private func apply(_ directive: SimulateDirective, journeyId: String) async throws -> Answer? {
        if let delayMs = directive.delayMs, delayMs > 0 {
            try await Task.sleep(for: .milliseconds(delayMs))
        }
        if let failFirst = directive.failFirst, failFirst > 0 {
            let key = directive.key ?? journeyId
            if store.withState({ $0.shouldFail(key: key, count: failFirst) }) {
                let status = directive.failStatus ?? 503
                return Answer(
                    response: VendorResponse.transientFailure(status: status, path: Self.path),
                    journeyId: journeyId,
                    outcome: "failFirst \(status)"
                )
            }
        }
        if let error = directive.error {
            let response =
                error == "Internal Server Error"
                ? VendorResponse.internalServerError(status: directive.httpStatus ?? 500)
                : VendorResponse.error(error, status: directive.httpStatus ?? 400)
            return Answer(response: response, journeyId: journeyId, outcome: "simulated \(error)")
        }
        return nil
    }

    /// A request body read in full, or only counted once it passed the 5 MB limit.
    private struct ReceivedBody {
        /// `nil` when the request was over the limit.
        var body: ByteBuffer?
        var size: Int
    }

    /// Reads the body, refusing early on a declared Content-Length over the limit. An oversized
    /// body of unknown length is still read to the end (and dropped), so the connection stays
    /// usable and the client sees our answer rather than a reset.
    private func receiveBody(_ request: Request) async throws -> ReceivedBody {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > Self.maximumRequestSize {
            // Hummingbird drains the unread body after the response is written.
            return ReceivedBody(body: nil, size: declared)
        }
        var collected = ByteBuffer()
        var size = 0
        for try await var chunk in request.body {
            size += chunk.readableBytes
            if size <= Self.maximumRequestSize {
                collected.writeBuffer(&chunk)
            } else if collected.capacity > 0 {
                collected = ByteBuffer()
            }
        }
        return ReceivedBody(body: size <= Self.maximumRequestSize ? collected : nil, size: size)
    }
}
