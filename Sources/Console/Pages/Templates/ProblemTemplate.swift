extension PageTemplates {
    /// A page that only says what went wrong (the layout shows `problem`).
    static let problemPage = """
        {{<layout}}
        {{$content}}
        <p><a href="/">Back to the decisions</a></p>
        {{/content}}
        {{/layout}}
        """
}
