/// Calls `body` with a C array of C strings that stay valid for the duration of the call,
/// the shape libpq takes keyword, value and parameter lists in. nil entries stay NULL.
///
/// All the strings share one buffer: a group commit binds thousands of parameters, and one
/// `strdup` each was a few per cent of the worker's CPU (docs/benchmarks.md).
func withOptionalCStringArray<R>(
    _ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R
) -> R {
    var total = 0
    for string in strings { if let string { total += string.utf8.count + 1 } }
    let storage = UnsafeMutablePointer<CChar>.allocate(capacity: max(total, 1))
    defer { storage.deallocate() }
    // One extra NULL terminates the keyword arrays of PQconnectdbParams.
    let pointers = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: strings.count + 1)
    defer { pointers.deallocate() }
    var next = storage
    for (index, string) in strings.enumerated() {
        guard let string else {
            pointers[index] = nil
            continue
        }
        pointers[index] = UnsafePointer(next)
        let copied = string.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress { next.update(from: base, count: chars.count) }
            }
            return bytes.count
        }
        if let copied {
            next += copied
        } else {
            for byte in string.utf8 {
                next.pointee = CChar(bitPattern: byte)
                next += 1
            }
        }
        next.pointee = 0
        next += 1
    }
    pointers[strings.count] = nil
    return body(pointers)
}

func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStringArray(strings.map { Optional($0) }, body)
}
