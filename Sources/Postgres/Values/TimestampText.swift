import Foundation

/// Formats and parses timestamps in the ISO forms PostgreSQL reads and writes.
///
/// Hand-written rather than `ISO8601DateFormatter` because that class is not Sendable,
/// and rows are parsed on many threads; the calendar arithmetic is the proleptic Gregorian
/// calendar PostgreSQL itself uses.
enum TimestampText {
    /// `2024-05-01T12:34:56.789Z`: milliseconds, UTC.
    static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (days, msOfDay) = floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let hour = msOfDay / 3_600_000
        let minute = msOfDay / 60_000 % 60
        let second = msOfDay / 1000 % 60
        let millis = msOfDay % 1000
        // PostgreSQL has no year 0: astronomical year 0 is 1 BC.
        let bc = year <= 0
        let shownYear = bc ? 1 - year : year
        // Written as bytes: one allocation instead of one per piece (a batch statement
        // formats several timestamps per decision).
        var out: [UInt8] = []
        out.reserveCapacity(32)
        digits(shownYear, 4, into: &out)
        out.append(UInt8(ascii: "-"))
        digits(month, 2, into: &out)
        out.append(UInt8(ascii: "-"))
        digits(day, 2, into: &out)
        out.append(UInt8(ascii: "T"))
        digits(hour, 2, into: &out)
        out.append(UInt8(ascii: ":"))
        digits(minute, 2, into: &out)
        out.append(UInt8(ascii: ":"))
        digits(second, 2, into: &out)
        out.append(UInt8(ascii: "."))
        digits(millis, 3, into: &out)
        out.append(UInt8(ascii: "Z"))
        if bc { out.append(contentsOf: " BC".utf8) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The decimal digits of `value` (not negative), left-padded with zeros to `width`.
    private static func digits(_ value: Int64, _ width: Int, into out: inout [UInt8]) {
        var divisor: Int64 = 1
        var count = 1
        while divisor <= value / 10 {
            divisor *= 10
            count += 1
        }
        for _ in count..<max(width, count) { out.append(UInt8(ascii: "0")) }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Parses `timestamptz`, `timestamp` (read as UTC) and `date` output in the ISO DateStyle,
    /// e.g. `2024-05-01 12:34:56.789+02`, `2024-05-01 12:34:56+05:30`, `2024-05-01`.
    /// Returns nil for `infinity`, BC dates and anything else it does not understand.
    static func parse(_ text: String) -> Date? {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(minDigits: 4), scanner.take("-"),
            let month = scanner.number(exactly: 2), scanner.take("-"),
            let day = scanner.number(exactly: 2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }

        var seconds = Double(days(fromYear: year, month: month, day: day)) * 86_400
        if scanner.take(" ") || scanner.take("T") {
            guard let hour = scanner.number(exactly: 2), scanner.take(":"),
                let minute = scanner.number(exactly: 2), scanner.take(":"),
                let second = scanner.number(exactly: 2)
            else { return nil }
            seconds += Double(hour * 3600 + minute * 60 + second)
            if scanner.take(".") {
                let start = scanner.position
                guard let fraction = scanner.number(minDigits: 1) else { return nil }
                seconds += Double(fraction) / pow(10, Double(scanner.position - start))
            }
            if scanner.take("Z") {
                // UTC
            } else if let sign = scanner.sign() {
                guard let offsetHours = scanner.number(exactly: 2) else { return nil }
                var offset = offsetHours * 3600
                if scanner.take(":") {
                    guard let offsetMinutes = scanner.number(exactly: 2) else { return nil }
                    offset += offsetMinutes * 60
                    if scanner.take(":") {
                        guard let offsetSeconds = scanner.number(exactly: 2) else { return nil }
                        offset += offsetSeconds
                    }
                }
                seconds -= Double(sign * offset)
            }
        }
        guard scanner.atEnd else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let quotient = a >= 0 ? a / b : (a - b + 1) / b
        return (quotient, a - quotient * b)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func days(fromYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of ``days(fromYear:month:day:)`` (H. Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// A cursor over ASCII bytes for the fixed-layout formats above.
private struct DigitScanner {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }

    mutating func take(_ character: Character) -> Bool {
        guard position < bytes.count, bytes[position] == character.asciiValue else { return false }
        position += 1
        return true
    }

    mutating func sign() -> Int64? {
        if take("+") { return 1 }
        if take("-") { return -1 }
        return nil
    }

    mutating func number(exactly count: Int) -> Int64? {
        let start = position
        guard let value = number(minDigits: count), position - start == count else {
            position = start
            return nil
        }
        return value
    }

    mutating func number(minDigits: Int) -> Int64? {
        let start = position
        var value: Int64 = 0
        while position < bytes.count, (48...57).contains(bytes[position]), position - start < 18 {
            value = value * 10 + Int64(bytes[position] - 48)
            position += 1
        }
        guard position - start >= minDigits else {
            position = start
            return nil
        }
        return value
    }
}
