/// Score of one check as the vendor returned it.
public enum VendorScore: Sendable, Equatable {
    case value(Double)
    /// The check's object carried an `error` string instead of its number.
    case error(String)
    /// The object, or its number, was absent or unusable.
    case missing
}
