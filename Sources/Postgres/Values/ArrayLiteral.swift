/// PostgreSQL's text form of one-dimensional `text[]` values: `{"a","b \"c\"",NULL}`.
enum ArrayLiteral {
    /// Quotes every element so that no element can be read back as NULL, split on a comma,
    /// or lose a backslash.
    static func format(_ elements: [String]) -> String {
        var out = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(",") }
            out.append("\"")
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { out.append("\\") }
                out.unicodeScalars.append(character)
            }
            out.append("\"")
        }
        out.append("}")
        return out
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
