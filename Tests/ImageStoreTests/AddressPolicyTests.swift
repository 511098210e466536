import TestSupport
import Testing

@testable import ImageStore

/// The addresses an image fetch may not connect to, whatever name resolved to them.
@Suite("AddressPolicy", .offCooperativePool)
struct AddressPolicyTests {
    @Test(arguments: [
        ("127.0.0.1", "loopback address"),
        ("127.255.0.9", "loopback address"),
        ("::1", "loopback address"),
        ("::ffff:127.0.0.1", "loopback address"),
        ("0.0.0.0", "unspecified address"),
        ("::", "unspecified address"),
        ("169.254.169.254", "link-local address (metadata service range)"),
        ("::ffff:169.254.169.254", "link-local address (metadata service range)"),
        ("fe80::1", "link-local address"),
        ("febf::1", "link-local address"),
        ("fd00:ec2::254", "metadata service address"),
    ])
    func refused(address: String, reason: String) throws {
        let parsed = try #require(AddressPolicy.Address(address))
        #expect(AddressPolicy.refusal(for: parsed) == reason)
    }

    @Test(arguments: ["93.184.216.34", "10.0.0.5", "192.168.1.20", "2001:db8::1", "fec0::1", "fd00:ec2::253", "128.0.0.1"])
    func allowed(address: String) throws {
        let parsed = try #require(AddressPolicy.Address(address))
        #expect(AddressPolicy.refusal(for: parsed) == nil)
    }

    @Test func anAddressAnAllowedPrefixNamesIsAllowed() throws {
        let loopback = try #require(AddressPolicy.Address("127.0.0.1"))
        #expect(AddressPolicy.refusal(for: loopback, allowedLiterals: ["127.0.0.1"]) == nil)
        let mapped = try #require(AddressPolicy.Address("::ffff:127.0.0.1"))
        #expect(AddressPolicy.refusal(for: mapped, allowedLiterals: ["127.0.0.1"]) == nil)
        let other = try #require(AddressPolicy.Address("127.0.0.2"))
        #expect(AddressPolicy.refusal(for: other, allowedLiterals: ["127.0.0.1"]) == "loopback address")
    }

    @Test func onlyAddressesParse() {
        #expect(AddressPolicy.Address("localhost") == nil)
        #expect(AddressPolicy.Address("0x7f.1") == nil)
        #expect(AddressPolicy.Address("127.1") == nil)
        #expect(AddressPolicy.Address("1.2.3.4")?.description == "1.2.3.4")
        #expect(AddressPolicy.Address("2001:DB8::1")?.description == "2001:db8::1")
    }
}
