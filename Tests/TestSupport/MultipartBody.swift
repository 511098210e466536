import Foundation

/// A minimal `multipart/form-data` reader, enough to check what a client sent.
public enum MultipartBody {
    /// One part: its `Content-Disposition` name and filename, its `Content-Type`, its bytes.
    public struct Part: Equatable, Sendable {
        public var name: String?
        public var filename: String?
        public var contentType: String?
        public var data: [UInt8]

        public init(name: String? = nil, filename: String? = nil, contentType: String? = nil, data: [UInt8]) {
            self.name = name
            self.filename = filename
            self.contentType = contentType
            self.data = data
        }
    }

    /// The `boundary` parameter of a `multipart/form-data` content type, without quotes.
    public static func boundary(fromContentType contentType: String) -> String? {
        guard let range = contentType.range(of: "boundary=") else { return nil }
        var value = String(contentType[range.upperBound...])
        if let semicolon = value.firstIndex(of: ";") { value = String(value[..<semicolon]) }
        return value.trimmingCharacters(in: "\"")
    }

    /// The parts of `body`, in order; sections without a header block are skipped.
    public static func parse(_ body: [UInt8], boundary: String) -> [Part] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Part] = []
        var sections: [ArraySlice<UInt8>] = []
        var start: Int? = nil
        var index = 0
        while index + delimiter.count <= body.count {
            if body[index..<index + delimiter.count].elementsEqual(delimiter) {
                if let start { sections.append(body[start..<index]) }
                start = index + delimiter.count
                index += delimiter.count
            } else {
                index += 1
            }
        }
        for section in sections {
            // Each section: CRLF, headers, CRLF CRLF, data, CRLF (before the next delimiter).
            guard let headerEnd = section.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
            let headerText = String(decoding: section[section.startIndex..<headerEnd.lowerBound], as: UTF8.self)
            var data = Array(section[headerEnd.upperBound...])
            if data.suffix(2) == [13, 10] { data.removeLast(2) }
            var part = Part(data: data)
            for line in headerText.split(separator: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    part.name = attribute("name", in: String(line))
                    part.filename = attribute("filename", in: String(line))
                } else if lower.hasPrefix("content-type:") {
                    part.contentType = String(line.dropFirst("content-type:".count)).trimmingCharacters(in: " ")
                }
            }
            parts.append(part)
        }
        return parts
    }

    private static func attribute(_ key: String, in line: String) -> String? {
        guard let range = line.range(of: "; \(key)=\"") else { return nil }
        let rest = line[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}

extension String {
    fileprivate func trimmingCharacters(in characters: Character) -> String {
        var result = Substring(self)
        while result.first == characters { result = result.dropFirst() }
        while result.last == characters { result = result.dropLast() }
        return String(result)
    }
}
