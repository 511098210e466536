import Foundation
import Hummingbird
import Kafka
import Logging
import Postgres
import Worker

/// `/dead-letters`: the DLQ topic's messages, newest first, a page at a time: why each was
/// refused (`error.code`, `error.message`), where it came from, its key and its bytes shown
/// as escaped text (a letter may be anything, and is shown, never interpreted), and whether
/// each was replayed. Admins also get the replay form: `POST /dead-letters/replay` runs the
/// code `okayface-worker dlq replay` runs, for the letters the page's filter shows.
struct DeadLetterPage: Sendable {
    var brokers: String
    var topic: String
    var producerProperties: [String: String]
    var pool: PostgresPool
    var producer: KafkaProducer
    var logger: Logger

    static let pageSize = 25
    /// Bytes of a value shown; the page says how many more there are.
    static let shownBytes = 2_048

    func render(_ request: Request, _ page: PageContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        let code = parameters.get("code").flatMap { $0.isEmpty ? nil : String($0) }
        let pageNumber = max(parameters.get("page").flatMap(Int.init) ?? 1, 1)
        return try await render(page, code: code, pageNumber: pageNumber, notice: nil)
    }

    /// The admin's replay: the letters `code` selects, as `dlq replay --code` takes them; the
    /// page again, saying what became of them. A second click replays nothing (`dlq_replays`).
    func replay(_ page: PageContext, fields: [String: String], address: String?) async throws -> Response {
        let code = fields["code"].flatMap { $0.isEmpty ? nil : $0 }
        guard let messages = try await read() else { return unreachable(page) }
        let letters = DeadLetterReplay.letters(messages, DeadLetterReplay.Filter(code: code))
        let outcomes = try await DeadLetterReplay.replay(letters, producer: producer, pool: pool, dryRun: false, actor: page.user.name, address: address)
        let replayed = outcomes.filter { $0.1 == .replayed }.count
        logger.info("dead letters replayed", metadata: ["by": "\(page.user.name)", "replayed": "\(replayed)", "of": "\(outcomes.count)", "code": "\(code ?? "any")"])
        var skipped: [String: Int] = [:]
        for (_, step) in outcomes where step != .replayed { skipped[step.rawValue, default: 0] += 1 }
        let notice = "Replayed \(replayed) of \(outcomes.count) \(outcomes.count == 1 ? "letter" : "letters")"
            + skipped.sorted { $0.key < $1.key }.map { "; \($0.value) \($0.key)" }.joined() + "."
        return try await render(page, code: code, pageNumber: 1, notice: notice)
    }

    private func read() async throws -> [KafkaMessage]? {
        try await DeadLetterReplay.read(brokers: brokers, topic: topic, properties: producerProperties, logger: logger)
    }

    private func unreachable(_ page: PageContext) -> Response {
        PageResponse.problem(
            .serviceUnavailable, "Kafka cannot be reached (KAFKA_BROKERS \(brokers)), so the dead letters cannot be read. Try again once it is back.",
            page: page)
    }

    private func render(_ page: PageContext, code: String?, pageNumber: Int, notice: String?) async throws -> Response {
        var context = page.base(title: "Dead letters")
        context["topic"] = topic
        if let code { context["code"] = code }
        if let notice { context["notice"] = notice }
        guard let letters = try await read() else { return unreachable(page) }
        let matching = DeadLetterReplay.letters(letters, DeadLetterReplay.Filter(code: code))
            .sorted { ($0.message.timestamp ?? 0, $0.message.partition, $0.message.offset) > ($1.message.timestamp ?? 0, $1.message.partition, $1.message.offset) }
        let start = (pageNumber - 1) * Self.pageSize
        let shown = start < matching.count ? Array(matching[start..<min(start + Self.pageSize, matching.count)]) : []
        let replayed = try await pool.withConnection { try DeadLetterReplay.replayed(shown, on: $0) }
        context["total"] = matching.count
        if page.user.role == .admin, !matching.isEmpty {
            context["replayForm"] = ["count": matching.count, "letters": matching.count == 1 ? "letter" : "letters", "code": code ?? ""] as [String: Any]
        }
        context["codes"] = Set(letters.compactMap { DeadLetter($0).code }).sorted().map { ["value": $0, "selected": $0 == code] }
        context["letters"] = shown.map { letter in
            let m = letter.message
            return [
                "at": m.timestamp.map { PageFormat.time(Date(timeIntervalSince1970: Double($0) / 1000)) } ?? "",
                "code": letter.code ?? "", "message": letter.reason ?? "",
                "source": "\(letter.sourceTopic ?? "?")/\(letter.sourcePartition.map(String.init) ?? "?")/\(letter.sourceOffset.map(String.init) ?? "?")",
                "coordinates": "\(m.partition)/\(m.offset)", "key": m.key.map(Self.escaped) ?? "(none)",
                "value": Self.escaped(Array(m.value.prefix(Self.shownBytes))),
                "more": m.value.count > Self.shownBytes ? "… and \(m.value.count - Self.shownBytes) more bytes" : "",
                "size": m.value.count, "replayed": replayed.contains(letter.coordinates) ? "yes" : "no",
            ] as [String: Any]
        }
        context["hasLetters"] = !shown.isEmpty
        var query = code.map { "code=\(PageFormat.queryValue($0))&" } ?? ""
        query += "page="
        if start + Self.pageSize < matching.count { context["next"] = "/dead-letters?" + query + "\(pageNumber + 1)" }
        if pageNumber > 1 { context["previous"] = "/dead-letters?" + query + "\(pageNumber - 1)" }
        return PageResponse.render("deadLetters", context)
    }

    /// Bytes as text a person can read: printable ASCII as is, everything else escaped
    /// (`\n`, `\t`, `\x00`, and UTF-8 sequences as `\u{…}` when they decode).
    static func escaped(_ bytes: [UInt8]) -> String {
        var out = ""
        var index = 0
        while index < bytes.count {
            let b = bytes[index]
            switch b {
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x20...0x7E: out.append(Character(Unicode.Scalar(b)))
            default:
                // A whole UTF-8 character, if these bytes begin one.
                let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                if length > 1, index + length <= bytes.count,
                   let text = String(validating: bytes[index..<index + length], as: UTF8.self), let scalar = text.unicodeScalars.first {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                    index += length
                    continue
                }
                out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
            index += 1
        }
        return out
    }
}
