/// One HTTP header field as sent or received; names compare case-insensitively only
/// where the API says so (``WebResponse/header(_:)``), because order and spelling are kept.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
