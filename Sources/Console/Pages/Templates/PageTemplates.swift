import Mustache

/// The console's pages as mustache templates, compiled into the binary so an image needs no
/// template files beside it. `{{x}}` escapes HTML, so a value holding `<script>` is shown as
/// text. The only unescaped values (`{{{x}}}`) are the quality page's charts, SVG the server
/// draws itself from numbers (`SVGChart`).
enum PageTemplates {
    /// Every template by the name the pages render it with.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        let all: [(String, String)] = [
            ("layout", layout), ("login", login), ("decisions", decisions), ("decision", decision), ("reviewQueue", reviewQueue), ("problemPage", problemPage), ("quality", quality), ("deadLetters", deadLetters),
        ]
        for (name, text) in all {
            // A template that does not parse is a programming error found by the first test.
            try! library.register(text, named: name)
        }
        return library
    }()
}
