/// PostgreSQL's text form of one-dimensional `text[]` values: `{"a","b \"c\"",NULL}`.
enum ArrayLiteral {
    /// Quotes every element so that no element can be read back as NULL, split on a comma,
    /// or lose a backslash.
    static func format(_ elements: [String]) -> String {
        // Bytes rather than scalars: `"` and `\\` are ASCII, so escaping them byte by byte
        // leaves UTF-8 intact, and a batch statement formats one array per decision.
        var out: [UInt8] = []
        out.reserveCapacity(elements.reduce(2) { $0 + $1.utf8.count + 3 })
        out.append(UInt8(ascii: "{"))
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses the server's output for a one-dimensional array of text-like elements.
    /// Returns nil for malformed input, multi-dimensional arrays and arrays holding NULL,
    /// because a `[String]` cannot say "no value" for one element.
    static func parse(_ text: String) -> [String]? {
        var scalars = Substring(text).unicodeScalars[...]
        // Arrays with non-default bounds are printed as `[0:2]={…}`.
        if scalars.first == "[" {
            guard let equals = scalars.firstIndex(of: "=") else { return nil }
            scalars = scalars[scalars.index(after: equals)...]
        }
        guard scalars.first == "{", scalars.last == "}" else { return nil }
        scalars = scalars.dropFirst().dropLast()
        if scalars.isEmpty { return [] }

        var elements: [String] = []
        var iterator = scalars.makeIterator()
        var current = String.UnicodeScalarView()
        var quoted = false
        var wasQuoted = false
        var escaped = false

        func finish() -> Bool {
            let element = String(current)
            if !wasQuoted && element.uppercased() == "NULL" { return false }
            elements.append(element)
            current = String.UnicodeScalarView()
            wasQuoted = false
            return true
        }

        while let scalar = iterator.next() {
            if escaped {
                current.append(scalar)
                escaped = false
                continue
            }
            switch scalar {
            case "\\":
                escaped = true
            case "\"":
                quoted.toggle()
                wasQuoted = true
            case "{" where !quoted, "}" where !quoted:
                return nil  // nested: not a one-dimensional array
            case "," where !quoted:
                guard finish() else { return nil }
            default:
                current.append(scalar)
            }
        }
        if quoted || escaped { return nil }
        guard finish() else { return nil }
        return elements
    }
}
