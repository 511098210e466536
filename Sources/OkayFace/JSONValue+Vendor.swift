import Foundation
import JSONReading

// How the vendor's answers are read: numbers sometimes come as strings.
extension JSONValue {
    /// A finite number, also from a numeric string such as "0.5" (vendors are inconsistent).
    var finiteNumber: Double? {
        switch self {
        case .number(let number):
            return number.isFinite ? number : nil
        case .string(let string):
            let trimmed = string.trimmingCharacters(in: .whitespaces)
            // Double(String) also accepts "nan", "inf" and hex floats; allow plain decimals only.
            guard !trimmed.isEmpty, trimmed.allSatisfy({ "0123456789+-.eE".contains($0) }),
                let number = Double(trimmed), number.isFinite
            else { return nil }
            return number
        default:
            return nil
        }
    }
}
