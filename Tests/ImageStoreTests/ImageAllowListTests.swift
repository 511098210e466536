import ImageStore
import TestSupport
import Testing

@Suite("ImageAllowList", .offCooperativePool)
struct ImageAllowListTests {
    @Test func settingIsCommaSeparatedWithBlanksIgnored() {
        let list = ImageAllowList(setting: " file:///data/a/ , ,file:///data/b")
        #expect(list.prefixes == ["file:///data/a/", "file:///data/b"])
    }

    @Test func prefixCoversOnlyWholePathSegments() {
        let list = ImageAllowList(prefixes: ["file:///data/a/", "file:///data/b"])
        #expect(list.prefix(covering: "file:///data/a/x.jpg") == "file:///data/a/")
        #expect(list.prefix(covering: "file:///data/b/sub/x.jpg") == "file:///data/b")
        #expect(list.prefix(covering: "file:///data/b") == "file:///data/b")
        #expect(list.prefix(covering: "file:///data/b-other/x.jpg") == nil)
        #expect(list.prefix(covering: "file:///data/bx.jpg") == nil)
        #expect(list.prefix(covering: "file:///data/c/x.jpg") == nil)
        #expect(list.prefix(covering: "s3://data/a/x.jpg") == nil)
    }

    @Test func emptyListCoversNothing() {
        #expect(ImageAllowList(setting: "").prefix(covering: "file:///x.jpg") == nil)
    }
}
